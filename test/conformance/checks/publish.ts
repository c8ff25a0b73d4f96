/**
 * Publishing: good input gets 202 and ids; every kind of bad input gets its
 * own status and a JSON body naming the problem; nothing of a rejected
 * request reaches anyone.
 */
import { describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from './config.ts';
import { publish, publishOk, runMarker, sample, stats, ws } from './client.ts';
import type { Target } from './target.ts';

export function publishChecks(t: () => Target): void {
  describe('publishing', () => {
    it('accepts one event or a batch with 202 and the ids, in order, as cursors', async () => {
      const run = runMarker();
      const one = await publish(t(), sample('cache', run));
      expect(one.status).toBe(202);
      expect(one.body.ids).toHaveLength(1);
      const batch = await publish(t(), [sample('error', run), sample('cgrag', run), sample('performance', run)]);
      expect(batch.status).toBe(202);
      expect(batch.body.ids).toHaveLength(3);
      const all = [...one.body.ids, ...batch.body.ids] as string[];
      for (const id of all) expect(id).toMatch(/^[a-z0-9]+-\d+$/);
      const offsets = all.map((id) => Number(id.split('-')[1]));
      expect([...offsets].sort((a, b) => a - b)).toEqual(offsets);
      expect(new Set(offsets).size).toBe(4);
    });

    it('answers bad JSON with 400 invalid_json', async () => {
      const res = await publish(t(), '{"type": "cache",');
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'invalid_json', field: 'body', message: expect.any(String) });
    });

    it('answers a wrong content type with 415', async () => {
      const res = await publish(t(), JSON.stringify(sample('cache', runMarker())), { 'content-type': 'text/plain' });
      expect(res.status).toBe(415);
      expect(res.body).toMatchObject({ error: 'unsupported_media_type', field: 'Content-Type' });
    });

    it('answers a body over MAX_BODY_BYTES with 413, declared or streamed', async () => {
      const big = JSON.stringify(sample('cache', runMarker(), { pad: 'x'.repeat(MAX_BODY_BYTES) }));
      const declared = await publish(t(), big);
      expect(declared.status).toBe(413);
      expect(declared.body).toMatchObject({ error: 'payload_too_large', field: 'body' });
      // The same body without a Content-Length (chunked): the limit holds while reading.
      const bytes = new TextEncoder().encode(big);
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          for (let i = 0; i < bytes.length; i += 16384) c.enqueue(bytes.subarray(i, i + 16384));
          c.close();
        },
      });
      const res = await fetch(`${t().url}/api/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${t().publishToken}` },
        body,
        duplex: 'half',
      } as RequestInit);
      expect(res.status).toBe(413);
      expect(await res.json()).toMatchObject({ error: 'payload_too_large' });
    });

    it('answers schema problems with 422 and the path of each, and publishes nothing of the batch', async () => {
      const run = runMarker();
      const watcher = await ws(t(), `replay=0&meta.run=${run}`);
      await watcher.ready();
      const before = await stats(t());
      const bad = sample('cache', run);
      delete (bad.metadata as Record<string, unknown>).hit;
      const res = await publish(t(), [sample('cache', run), bad, { ...sample('cache', run), type: 'nope' }, { ...sample('error', run), severity: 'loud' }]);
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ error: 'validation_failed' });
      const paths = res.body.problems.map((p: { path: string }) => p.path);
      expect(paths).toEqual(expect.arrayContaining(['[1].metadata.hit', '[2].type', '[3].severity']));
      for (const p of res.body.problems) expect(p.message).toEqual(expect.any(String));
      // Nothing of it was stored or delivered: the next event is the first anyone sees.
      const [fence] = await publishOk(t(), sample('cache', run));
      await watcher.until((c) => c.events.length > 0);
      expect(watcher.events.map((e) => e.id)).toEqual([fence]);
      const after = await stats(t());
      expect(after.totals.publish_rejected).toBeGreaterThanOrEqual(before.totals.publish_rejected + 4);
      watcher.close();
    });

    it('answers 401 to a publisher without the token, and 422 to an empty batch', async () => {
      const res = await publish(t(), sample('cache', runMarker()), { authorization: '' });
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ error: 'unauthorized', field: 'Authorization' });
      const wrong = await publish(t(), sample('cache', runMarker()), { authorization: 'Bearer not-the-token' });
      expect(wrong.status).toBe(401);
      const empty = await publish(t(), []);
      expect(empty.status).toBe(422);
    });
  });
}
