/**
 * Replays on the Redis backend are bounded in work: forty subscribers with a
 * Last-Event-ID that is not a cursor, and a few with an old valid cursor
 * (each a scan of all 10,000 stored events of ~2.5 kB, through a filter
 * that matches none of them), do not push publish latency or /health out
 * of bounds. Bounds are ratios against a baseline measured in the same run,
 * on the same gateway, just before the replays start.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeServer } from '../../src/runtimes/node/server.ts';
import { publish, sampleEvent, startGateway } from '../helpers/server.ts';
import { SseReader } from '../helpers/sse.ts';
import { uniquePrefix, useRedis, type TestRedis } from '../helpers/redis.ts';

const STORED = 10_000;
const STACK = 'at frame (file.ts:1:1)\n'.repeat(110); // ~2.5 kB
const BOGUS = 40;
const OLD_CURSORS = 6;

let redis: TestRedis;
let gw: NodeServer;
let prefix: string;
beforeAll(async () => {
  redis = await useRedis();
  prefix = uniquePrefix('replay-load');
  gw = await startGateway({ REDIS_URL: redis.url, REDIS_PREFIX: prefix, HISTORY_SIZE: String(STORED), MAX_BODY_BYTES: String(8 << 20), QUEUE_MAX_EVENTS: '20000', QUEUE_MAX_BYTES: String(256 << 20) });
}, 60_000);
afterAll(async () => {
  await gw?.stop();
  await redis.cleanup(prefix);
  await redis.close();
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Publishes one small event and reads /health, at least `n` times in a row and until `done()`; every answer must be a success. */
async function probe(n: number, done: () => boolean = () => true): Promise<{ publish: number[]; health: number[] }> {
  const out = { publish: [] as number[], health: [] as number[] };
  for (let i = 0; i < n || !done(); i++) {
    let t = performance.now();
    const res = await publish(gw.url, sampleEvent('cache', { probe: i }));
    out.publish.push(performance.now() - t);
    expect(res.status).toBe(202);
    t = performance.now();
    const h = await fetch(`${gw.url}/health`);
    out.health.push(performance.now() - t);
    expect(h.status).toBe(200);
    await h.body?.cancel();
  }
  return out;
}

describe('redis backend: replays bounded in work', () => {
  it('many bogus and old cursors with a filter matching nothing leave publishes and /health within bounds', async () => {
    let first = '';
    for (let stored = 0; stored < STORED; stored += 250) {
      const batch = Array.from({ length: 250 }, () => ({ ...sampleEvent('error', { stack_trace: STACK }), severity: 'error' }));
      const res = await publish(gw.url, batch);
      expect(res.status).toBe(202);
      first ||= res.body.ids[0];
    }
    const baseline = await probe(20);

    // A filter no stored event (and no probe) matches.
    const q = `${gw.url}/api/events/stream?types=performance&replay=0`;
    const streams = await Promise.all([
      ...Array.from({ length: BOGUS }, () => SseReader.open(q, { 'Last-Event-ID': 'x' })),
      ...Array.from({ length: OLD_CURSORS }, () => SseReader.open(q, { 'Last-Event-ID': first })),
    ]);
    const allReady = () => streams.every((s) => s.named('ready').length === 1);
    const started = Date.now();
    const during = await probe(20, () => allReady() || Date.now() - started > 90_000);
    for (const s of streams) await s.until((r) => r.named('ready').length === 1, 1000, 'ready');
    console.log(
      `replay load: ${during.publish.length} probes over ${Date.now() - started} ms; publish median ${median(baseline.publish).toFixed(1)} -> ${median(during.publish).toFixed(1)} ms, max ${Math.max(...during.publish).toFixed(1)} ms; health median ${median(baseline.health).toFixed(1)} -> ${median(during.health).toFixed(1)} ms`,
    );

    // A value that is not a cursor gets its gap at once, without a scan.
    for (const s of streams.slice(0, BOGUS)) {
      expect(s.named('gap')[0]).toMatchObject({ requested: 'x', reason: 'invalid', resume_from: null });
      expect(s.named('ready')[0]).toMatchObject({ replayed: 0 });
    }
    for (const s of streams.slice(BOGUS)) expect(s.named('ready')[0]).toMatchObject({ replayed: 0 });

    // Unbounded replays took publishes past the 5 s command timeout (503) and /health to 503 for tens of seconds.
    const slack = 50; // ms: scheduling noise on a shared machine, where the baseline can be ~1 ms
    expect(median(during.publish)).toBeLessThan(5 * median(baseline.publish) + slack);
    expect(Math.max(...during.publish)).toBeLessThan(20 * median(baseline.publish) + 20 * slack);
    expect(median(during.health)).toBeLessThan(5 * median(baseline.health) + slack);
    for (const s of streams) s.close();
  }, 180_000);
});
