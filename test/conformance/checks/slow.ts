/**
 * Slow consumers: a subscriber that stops reading never holds up the others.
 * By default it is ended with an `overflow` signal (SSE) or close 1013 (WS);
 * with on_overflow=drop it keeps its connection and is told, with a
 * `dropped` control, how many events it lost. Both are counted in the stats.
 * A WebSocket's replies (acks, errors, pongs) count like events, so a client
 * that sends without reading is cut off too (issue 9, item 5).
 */
import { describe, expect } from 'vitest';
import { StalledClient } from '../../helpers/stalled.ts';
import { QUEUE_MAX_EVENTS } from './config.ts';
import { offset, publishOk, runMarker, sample, sse, sseReady, stats, ws } from './client.ts';
import { itNeeds, type Limits, type Target } from './target.ts';

const PAD = 'x'.repeat(16 * 1024);
const BATCH = 12; // 12 x 16 KiB stays under MAX_BODY_BYTES
/** The most a flood publishes before giving up: far more than any socket buffers. */
const FLOOD_LIMIT_BYTES = 128 * 1024 * 1024;
const SLOW = 180_000;

/** Batches in flight at once: a flood fills the sockets in well under the two missed pings that end a paused client. */
const IN_FLIGHT = 4;

/**
 * Publishes ~200 KiB batches tagged `run`, IN_FLIGHT at a time, until
 * `done()` holds (checked after each round); returns every id in stream order.
 */
async function flood(t: Target, run: string, done: () => Promise<boolean>): Promise<string[]> {
  const ids: string[] = [];
  const batch = () =>
    publishOk(
      t,
      Array.from({ length: BATCH }, () => sample('cache', run, { pad: PAD })),
    );
  for (let bytes = 0; bytes < FLOOD_LIMIT_BYTES; bytes += IN_FLIGHT * BATCH * PAD.length) {
    for (const got of await Promise.all(Array.from({ length: IN_FLIGHT }, batch))) ids.push(...got);
    if (await done()) return ids.sort((a, b) => offset(a) - offset(b));
  }
  throw new Error(`published ${FLOOD_LIMIT_BYTES >> 20} MiB to a subscriber that does not read, and the gateway never reported it behind`);
}

/**
 * The body a raw client has received so far, chunked framing removed (a chunk
 * boundary may fall anywhere, even inside an event). `ended`: the last chunk came.
 */
function bodyOf(raw: string): { body: string; ended: boolean } {
  const at = raw.indexOf('\r\n\r\n');
  if (at < 0) return { body: '', ended: false };
  const head = raw.slice(0, at).toLowerCase();
  let rest = raw.slice(at + 4);
  if (!/\r\ntransfer-encoding:\s*chunked/.test(head)) return { body: rest, ended: false };
  let body = '';
  for (;;) {
    const eol = rest.indexOf('\r\n');
    if (eol < 0) return { body, ended: false };
    const size = parseInt(rest.slice(0, eol), 16);
    if (size === 0) return { body, ended: true };
    // Sizes count bytes; the text is latin1, one character per byte.
    body += rest.slice(eol + 2, eol + 2 + size);
    if (rest.length < eol + 2 + size + 2) return { body, ended: false };
    rest = rest.slice(eol + 2 + size + 2);
  }
}

const mine = (s: any, run: string) => s.subscribers.filter((x: any) => x.filter?.meta?.run === run);
const lastEventId = (r: { messages: { event: string; id?: string }[] }) => r.messages.findLast((m) => m.event === 'message')?.id;

export function slowConsumerChecks(t: () => Target, limits: Limits): void {
  describe('slow consumers', () => {
    itNeeds(
      limits,
      ['sse_backpressure', 'ws'],
      'a stalled SSE subscriber is ended with an overflow signal and counted; readers on both transports get everything',
      async () => {
        const run = runMarker();
        const q = `replay=0&meta.run=${run}`;
        const before = await stats(t());
        const stalled = await StalledClient.open(t().url, `/api/events/stream?${q}`);
        const reader = await sse(t(), q);
        const wsReader = await ws(t(), q);
        await sseReady(reader);
        await wsReader.ready();
        const ids = await flood(t(), run, async () => (await stats(t())).totals.slow_disconnects > before.totals.slow_disconnects);
        await reader.until((r) => lastEventId(r) === ids.at(-1), 60_000, 'every event over SSE');
        await wsReader.until((c) => c.messages.at(-1)?.id === ids.at(-1), 60_000, 'every event over WS');
        expect(reader.messages.filter((m) => m.event === 'message').map((m) => m.id)).toEqual(ids);
        expect(wsReader.events.map((e) => e.id)).toEqual(ids);
        const after = await stats(t());
        expect(after.totals.slow_disconnects).toBe(before.totals.slow_disconnects + 1);
        expect(after.totals.overflow_discarded).toBeGreaterThan(before.totals.overflow_discarded);
        // The stalled one is gone from the list; the two readers are there.
        expect(
          mine(after, run)
            .map((x: any) => x.transport)
            .sort(),
        ).toEqual(['sse', 'ws']);
        // When it reads again it finds the overflow event, naming where to resume.
        stalled.drain();
        await expect.poll(() => /event: overflow\ndata: .*\n/.test(bodyOf(stalled.received).body), { timeout: 30_000 }).toBe(true);
        const overflow = JSON.parse(/event: overflow\ndata: (.*)\n/.exec(bodyOf(stalled.received).body)![1]!);
        expect(overflow).toMatchObject({ queued_events: expect.any(Number), message: expect.any(String) });
        if (overflow.last_event_id !== null) expect(ids).toContain(overflow.last_event_id);
        // Then its response ends (the last chunk of a chunked body, or the connection closes).
        await expect.poll(() => stalled.closed || bodyOf(stalled.received).ended, { timeout: 30_000 }).toBe(true);
        reader.close();
        wsReader.close();
        stalled.destroy();
      },
      SLOW,
    );

    itNeeds(
      limits,
      ['ws_backpressure', 'ws'],
      'a stalled WebSocket subscriber is closed with 1013, and on reconnecting is told what it missed',
      async () => {
        const run = runMarker();
        const before = await stats(t());
        const c = await ws(t(), `replay=0&meta.run=${run}`);
        await c.ready();
        c.ws.pause();
        const ids = await flood(t(), run, async () => (await stats(t())).totals.slow_disconnects > before.totals.slow_disconnects);
        c.ws.resume();
        await c.until((x) => x.closeCode !== undefined, 30_000, 'close');
        expect(c.closeCode).toBe(1013);
        expect(c.closeReason).toMatch(/slow consumer/);
        const got = c.events.map((e) => e.id);
        expect(got).toEqual(ids.slice(0, got.length)); // what arrived is a prefix, in order
        // Reconnecting from the last event held: replay continues right after it, or a gap says what is lost.
        const last = got.at(-1) ?? ids[0]!;
        const again = await ws(t(), `meta.run=${run}&last_event_id=${last}`);
        await again.ready();
        const first = again.messages[0];
        if (first.control === 'gap') expect(first).toMatchObject({ requested: last, reason: 'expired', missed: expect.any(Number) });
        else expect(offset(first.id)).toBe(offset(ids[ids.indexOf(last) + 1]!));
        again.close();
      },
      SLOW,
    );

    itNeeds(
      limits,
      ['ws_backpressure', 'ws'],
      'with on_overflow=drop a stalled WebSocket subscriber keeps its connection and is told how many it lost, with the cursor range',
      async () => {
        const run = runMarker();
        const c = await ws(t(), `replay=0&on_overflow=drop&meta.run=${run}`);
        await c.ready();
        c.ws.pause();
        const ids = await flood(t(), run, async () => (mine(await stats(t()), run)[0]?.dropped ?? 0) > 0);
        const s = mine(await stats(t()), run)[0];
        expect(s).toMatchObject({ transport: 'ws', on_overflow: 'drop' });
        expect(s.queued_events).toBeLessThanOrEqual(QUEUE_MAX_EVENTS);
        c.ws.resume();
        await c.until((x) => x.events.at(-1)?.id === ids.at(-1), 60_000, 'last event');
        const dropped = c.controls('dropped');
        expect(dropped.length).toBeGreaterThan(0);
        const total = dropped.reduce((n, d) => n + d.count, 0);
        // What was received plus what was reported dropped is everything: nothing vanished silently.
        expect(c.events.length + total).toBe(ids.length);
        expect(ids).toContain(dropped[0].from);
        expect(ids).toContain(dropped[0].to);
        expect(c.closeCode).toBeUndefined();
        expect((await stats(t())).totals.dropped).toBeGreaterThanOrEqual(total);
        c.close();
      },
      SLOW,
    );

    itNeeds(
      limits,
      ['ws', 'ws_backpressure'],
      `counts WebSocket replies against the subscriber's queue marks: a client that sends filter ops without reading is cut off, ${
        limits.ws_close_while_client_sends === undefined ? 'with 1013' : `its close code lost (${limits.ws_close_while_client_sends})`
      }`,
      async () => {
        const run = runMarker();
        const before = await stats(t());
        const c = await ws(t(), `replay=0&meta.run=${run}`);
        await c.ready();
        c.ws.pause();
        const state = async (): Promise<{ queued_events: number }> => {
          const s = mine(await stats(t()), run)[0];
          if (!s) throw new Error(`the subscriber was closed before its replies were sent: ${JSON.stringify(c.closeCode ?? 'open')}`);
          return s;
        };
        // Fill what the sockets buffer, a batch of large events at a time while the gateway holds nothing for
        // this client (the sockets still take more), then small events, until it holds most of its mark:
        // events alone never overflow here, by count or by bytes (at most a few large batches are ever held).
        const held = Math.floor(QUEUE_MAX_EVENTS * 0.7);
        for (let bytes = 0, s = await state(); s.queued_events < held; s = await state()) {
          expect(bytes, 'bytes published before the gateway held most of its mark').toBeLessThan(FLOOD_LIMIT_BYTES);
          const large = s.queued_events === 0;
          await publishOk(
            t(),
            Array.from({ length: large ? BATCH : 5 }, () => sample('cache', run, large ? { pad: PAD } : {})),
          );
          bytes += large ? BATCH * PAD.length : 5 * 300;
        }
        expect(mine(await stats(t()), run)).toHaveLength(1);
        expect((await stats(t())).totals.slow_disconnects).toBe(before.totals.slow_disconnects);
        // The replies to these (each under MAX_WS_MESSAGE_BYTES and within WS_MESSAGE_RATE's burst) take it past the mark.
        const ops = QUEUE_MAX_EVENTS - held + 15; // more than it takes: the client is still sending when it is cut off
        for (let i = 0; i < ops; i++) c.send({ op: 'filter', meta: { run, pad: `${i}`.padEnd(600, 'y') } });
        await expect.poll(async () => mine(await stats(t()), run).length, { timeout: 30_000 }).toBe(0);
        expect((await stats(t())).totals.slow_disconnects).toBe(before.totals.slow_disconnects + 1);
        c.ws.resume();
        await c.until((x) => x.closeCode !== undefined, 30_000, 'close');
        if (limits.ws_close_while_client_sends === undefined) {
          expect(c.closeCode).toBe(1013);
          expect(c.closeReason).toMatch(/slow consumer/);
        } else expect([1013, 1006]).toContain(c.closeCode); // cut off all the same, its close frame lost (the runtime's limit)
      },
      SLOW,
    );

    itNeeds(
      limits,
      'sse_backpressure',
      'with on_overflow=drop a stalled SSE subscriber gets a named dropped event in its stream and stays connected',
      async () => {
        const run = runMarker();
        const stalled = await StalledClient.open(t().url, `/api/events/stream?replay=0&on_overflow=drop&meta.run=${run}`);
        await flood(t(), run, async () => (mine(await stats(t()), run)[0]?.dropped ?? 0) > 0);
        stalled.drain();
        await expect.poll(() => bodyOf(stalled.received).body.includes('event: dropped\ndata: {"count":'), { timeout: 30_000 }).toBe(true);
        expect(stalled.closed).toBe(false);
        stalled.destroy();
      },
      SLOW,
    );
  });
}
