/**
 * The stream itself: what a new subscriber without a cursor is replayed
 * (REPLAY_DEFAULT, `replay=N`, `replay=0`), the exact SSE framing of an event
 * whose message holds line breaks, every type (`error` included) reaching
 * EventSource.onmessage, metadata numbers matched by their text, and JSON
 * for unknown routes.
 */
import { EventSource } from 'eventsource';
import { describe, expect, it } from 'vitest';
import { CONFORMANCE_ENV } from './config.ts';
import { publishMany, publishOk, runMarker, sample, sse, sseReady, Sub, TYPES } from './client.ts';
import { itNeeds, type Limits, type Target } from './target.ts';

const REPLAY_DEFAULT = Number(CONFORMANCE_ENV.REPLAY_DEFAULT);

export function streamChecks(t: () => Target, limits: Limits): void {
  describe('stream', () => {
    for (const transport of ['sse', 'ws'] as const) {
      itNeeds(
        limits,
        transport === 'ws' ? 'ws' : [],
        `${transport}: without a cursor, first the newest matching events: REPLAY_DEFAULT of them, replay=N, or none with replay=0`,
        async () => {
          const run = runMarker();
          const ids = await publishMany(t(), run, REPLAY_DEFAULT + 5, 'cgrag');
          for (const [query, expected] of [
            ['', ids.slice(-REPLAY_DEFAULT)],
            ['&replay=3', ids.slice(-3)],
            ['&replay=0', []],
          ] as const) {
            const s = await Sub.open(t(), transport, `types=cgrag&meta.run=${run}${query}`);
            await s.ready();
            expect(
              s.events.map((e) => e.id),
              query || 'default',
            ).toEqual(expected);
            expect(s.controls('ready')[0].replayed).toBe(expected.length);
            s.close();
          }
        },
      );
    }

    it('SSE frames an event as its id and one data line holding its JSON, with no event name, whatever the line breaks in its message', async () => {
      const run = runMarker();
      const r = await sse(t(), `meta.run=${run}&replay=0`);
      await sseReady(r);
      const message = 'line one\nline two\r\nthree\rfour';
      const [id] = await publishOk(t(), { ...sample('cache', run), message, timestamp: 1699468800.123 });
      await r.until((x) => x.events.length === 1, 10_000, 'the event');
      const e = r.events[0];
      expect(e.message).toBe(message);
      const json = JSON.stringify({ id, timestamp: 1699468800.123, type: 'cache', severity: 'info', message, metadata: e.metadata });
      expect(r.raw).toContain(`\n\nid: ${id}\ndata: ${json}\n\n`);
      r.close();
    });

    it('EventSource.onmessage receives every type, `error` included, with its id as lastEventId, and its error handler nothing', async () => {
      const run = runMarker();
      const es = new EventSource(`${t().url}/api/events/stream?meta.run=${run}&replay=0`);
      const got: { id: string; type: string; lastEventId: string }[] = [];
      const errors: unknown[] = [];
      const ready = new Promise<void>((resolve) => es.addEventListener('ready', () => resolve()));
      es.onmessage = (m) => got.push({ ...(JSON.parse(m.data) as { id: string; type: string }), lastEventId: m.lastEventId });
      es.onerror = (e) => errors.push(e);
      try {
        await ready;
        const ids = await publishOk(
          t(),
          TYPES.map((type) => sample(type, run)),
        );
        await expect.poll(() => got.length, { timeout: 10_000 }).toBe(TYPES.length);
        expect(got.map((e) => e.type)).toEqual(TYPES);
        expect(got.map((e) => e.id)).toEqual(ids);
        expect(got.map((e) => e.lastEventId)).toEqual(ids);
        expect(errors).toEqual([]);
      } finally {
        es.close();
      }
    });

    itNeeds(limits, 'ws', 'meta.<field>= compares a number by its text, on both transports', async () => {
      const run = runMarker();
      const subs = [await Sub.open(t(), 'sse', `meta.run=${run}&meta.shard=7&replay=0`), await Sub.open(t(), 'ws', `meta.run=${run}&meta.shard=7&replay=0`)];
      for (const s of subs) await s.ready();
      const ids = await publishOk(t(), [sample('cache', run, { shard: 7 }), sample('cache', run, { shard: 8 }), sample('cache', run, { shard: '7' })]);
      for (const s of subs) {
        await s.until((x) => x.events.length === 2, 10_000, 'the two matching events');
        expect(s.events.map((e) => e.id)).toEqual([ids[0], ids[2]]);
        s.close();
      }
    });

    it('answers an unknown route with 404 and a JSON body naming it', async () => {
      const res = await fetch(`${t().url}/api/nothing-here`);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      expect(await res.json()).toMatchObject({ error: 'not_found' });
    });
  });
}
