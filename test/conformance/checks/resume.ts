/**
 * Resume: after a cursor, replay then live through the subscriber's filter,
 * with no duplicate and no gap while publishing goes on, on both transports
 * and through a real EventSource reconnecting by itself; and the gap signal,
 * first in the stream, when the cursor cannot be honoured exactly.
 */
import { EventSource } from 'eventsource';
import { describe, expect, it } from 'vitest';
import { HISTORY_SIZE } from './config.ts';
import { epoch, offset, publishMany, publishOk, runMarker, sample, sse, Sub, ws } from './client.ts';
import { itNeeds, type Limits, type Target } from './target.ts';

export function resumeChecks(t: () => Target, limits: Limits): void {
  describe('resume', () => {
    for (const how of ['Last-Event-ID header', 'last_event_id query'] as const) {
      it(`SSE, ${how}: replays what was missed, then live, with no duplicate and no gap while publishing goes on`, async () => {
        const run = runMarker();
        const first = await publishMany(t(), run, 20);
        const cursor = first[9]!;
        const during = publishMany(t(), run, 25); // publishing goes on while the subscriber replays
        const r = how === 'Last-Event-ID header' ? await sse(t(), `meta.run=${run}`, { 'last-event-id': cursor }) : await sse(t(), `meta.run=${run}&last_event_id=${cursor}`);
        const expected = [...first.slice(10), ...(await during)];
        expect(expected.length).toBeLessThan(HISTORY_SIZE);
        await r.until((x) => x.events.length >= expected.length, 15_000, 'all events');
        expect(r.events.map((e) => e.id)).toEqual(expected);
        expect(r.named('gap')).toEqual([]);
        // SSE ids are the cursors: an EventSource resumes from them by itself.
        expect(r.messages.filter((m) => m.event === 'message').map((m) => m.id)).toEqual(expected);
        r.close();
      });
    }

    itNeeds(limits, 'ws', 'WebSocket, last_event_id: replays through the filter, then live, in order, exactly once', async () => {
      const run = runMarker();
      const mixed = await publishOk(t(), [sample('error', run), sample('cache', run), sample('error', run), sample('cgrag', run)]);
      const during = publishMany(t(), run, 25, 'error');
      const c = await ws(t(), `types=error&meta.run=${run}&last_event_id=${mixed[0]}`);
      const expected = [mixed[2]!, ...(await during)];
      await c.until((x) => x.events.length >= expected.length, 15_000, 'all events');
      expect(c.events.map((e) => e.id)).toEqual(expected);
      expect(c.events.every((e) => e.type === 'error')).toBe(true);
      expect(c.controls('gap')).toEqual([]);
      c.close();
    });

    it('an EventSource that loses its connection reconnects with Last-Event-ID and misses nothing published meanwhile', async () => {
      const run = runMarker();
      const lastEventIds: (string | null)[] = [];
      let cut: (() => void) | undefined;
      let meanwhile: string[] = [];
      const es = new EventSource(`${t().url}/api/events/stream?replay=0&meta.run=${run}`, {
        fetch: async (url, init) => {
          lastEventIds.push(new Headers(init.headers).get('last-event-id'));
          // Published while this client is away: it must get them on reconnecting.
          if (lastEventIds.length === 2) meanwhile = await publishMany(t(), run, 7);
          const res = await fetch(url, init as RequestInit);
          const upstream = res.body!.getReader();
          const body = new ReadableStream<Uint8Array>({
            start(ctl) {
              cut = () => {
                void upstream.cancel();
                ctl.close();
              };
            },
            async pull(ctl) {
              const { done, value } = await upstream.read().catch(() => ({ done: true, value: undefined }));
              if (done) ctl.close();
              else ctl.enqueue(value!);
            },
          });
          return new Response(body, { status: res.status, headers: res.headers });
        },
      });
      const got: string[] = [];
      let readies = 0;
      es.onmessage = (m) => got.push(JSON.parse(m.data).id);
      es.addEventListener('ready', () => readies++);
      await expect.poll(() => readies, { timeout: 10_000 }).toBe(1);
      const before = await publishMany(t(), run, 5);
      await expect.poll(() => got.length, { timeout: 10_000 }).toBe(5);
      cut!();
      await expect.poll(() => readies, { timeout: 10_000 }).toBe(2);
      const after = await publishMany(t(), run, 3);
      await expect.poll(() => got.length, { timeout: 10_000 }).toBe(15);
      es.close();
      expect(lastEventIds).toEqual([null, before[4]]);
      expect(got).toEqual([...before, ...meanwhile, ...after]);
    });

    for (const transport of ['sse', 'ws'] as const) {
      itNeeds(limits, transport === 'ws' ? 'ws' : [], `${transport}: says first when a cursor is from another run (unknown epoch) or ahead of the stream`, async () => {
        const run = runMarker();
        const ids = await publishMany(t(), run, 3);
        const foreign = 'zzzzzzzzzz-2';
        const s = await Sub.open(t(), transport, `meta.run=${run}`, foreign);
        await s.ready();
        expect(s.messages[0]).toMatchObject({ control: 'gap', requested: foreign, reason: 'unknown_epoch', message: expect.any(String) });
        expect(s.controls('gap')).toHaveLength(1);
        expect(s.events.map((e) => e.id)).toEqual(ids); // all history held, through the filter
        s.close();
        const ahead = `${epoch(ids[0]!)}-${offset(ids[2]!) + 1000}`;
        const a = await Sub.open(t(), transport, `meta.run=${run}`, ahead);
        await a.ready();
        expect(a.messages[0]).toMatchObject({ control: 'gap', requested: ahead, reason: 'ahead' });
        expect(a.events).toEqual([]);
        const [live] = await publishOk(t(), sample('cache', run));
        await a.until((x) => x.events.length === 1);
        expect(a.events[0].id).toBe(live);
        a.close();
      });

      itNeeds(
        limits,
        transport === 'ws' ? 'ws' : [],
        `${transport}: says first when the cursor is older than the history held, how many were missed and where replay starts`,
        async () => {
          const run = runMarker();
          const [old] = await publishMany(t(), run, 1);
          const later = await publishMany(t(), run, HISTORY_SIZE + 10, 'cache', 10); // outruns HISTORY_SIZE
          const s = await Sub.open(t(), transport, `meta.run=${run}`, old);
          await s.ready();
          const gap = s.controls('gap');
          expect(gap).toHaveLength(1);
          expect(s.messages[0]).toMatchObject({ control: 'gap', requested: old, reason: 'expired' });
          const from = offset(gap[0].resume_from);
          expect(gap[0].missed).toBe(from - offset(old!) - 1);
          expect(gap[0].missed).toBeGreaterThanOrEqual(10);
          const expected = later.filter((id) => offset(id) >= from);
          expect(expected.length).toBeGreaterThan(0);
          expect(s.events.map((e) => e.id)).toEqual(expected);
          s.close();
        },
      );
    }
  });
}
