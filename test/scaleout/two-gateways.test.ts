/**
 * Two gateway processes on one Redis serve one stream: what is published to
 * either reaches SSE and WebSocket subscribers on both, in the same order,
 * and a cursor issued by one resumes on the other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniquePrefix, useRedis, type TestRedis } from '../helpers/redis.ts';
import { publish, sampleEvent } from '../helpers/server.ts';
import { SseReader } from '../helpers/sse.ts';
import { WsClient } from '../helpers/ws.ts';
import { health, startNode, stopNode, type Node } from './cluster.ts';

let redis: TestRedis;
let prefix: string;
let a: Node;
let b: Node;

beforeAll(async () => {
  redis = await useRedis();
  prefix = uniquePrefix('two');
  const env = { REDIS_URL: redis.url, REDIS_PREFIX: prefix, HISTORY_SIZE: '1000', REPLAY_DEFAULT: '0' };
  [a, b] = await Promise.all([startNode(env), startNode(env)]);
});
afterAll(async () => {
  await Promise.all([a, b].filter(Boolean).map(stopNode));
  await redis?.cleanup(prefix);
  await redis?.close();
});

const offset = (id: string) => Number(id.split('-')[1]);
const ws = (n: Node, q = '') => WsClient.open(`${n.url.replace('http', 'ws')}/ws/events${q}`);

async function publishTo(n: Node, k: number, type = 'cache'): Promise<string[]> {
  const res = await publish(
    n.url,
    Array.from({ length: k }, () => sampleEvent(type)),
  );
  expect(res.status).toBe(202);
  return res.body.ids;
}

describe('two gateways, one Redis', () => {
  it('both report the Redis backend as healthy, on the same epoch', async () => {
    for (const n of [a, b]) expect(await health(n.url)).toMatchObject({ status: 200, body: { status: 'ok', backend: { ok: true, backend: 'redis' } } });
    const [sa, sb] = await Promise.all([a, b].map((n) => fetch(`${n.url}/api/events/stats`).then((r) => r.json())));
    expect(sa.epoch).toBe(sb.epoch);
  });

  it('delivers what is published to either instance to SSE and WS subscribers on both, in one order', async () => {
    const sseA = await SseReader.open(`${a.url}/api/events/stream`);
    const sseB = await SseReader.open(`${b.url}/api/events/stream`);
    const wsA = await ws(a);
    const wsB = await ws(b);
    await Promise.all([sseA, sseB].map((r) => r.until((x) => x.named('ready').length === 1)));
    await Promise.all([wsA, wsB].map((c) => c.ready()));
    // Publishers on both instances at once, so their batches interleave in Redis.
    const acked: string[] = [];
    await Promise.all(
      [a, b].map(async (n) => {
        for (let i = 0; i < 20; i++) acked.push(...(await publishTo(n, 1 + (i % 3))));
      }),
    );
    const order = [...acked].sort((x, y) => offset(x) - offset(y));
    expect(new Set(order.map((id) => id.split('-')[0])).size).toBe(1);
    for (const r of [sseA, sseB]) await r.until((x) => x.events.length >= order.length, 20_000, 'every event');
    for (const c of [wsA, wsB]) await c.until((x) => x.events.length >= order.length, 20_000, 'every event');
    for (const got of [sseA.events, sseB.events, wsA.events, wsB.events]) expect(got.map((e) => e.id)).toEqual(order);
    // Same JSON text everywhere, whichever instance took the publish.
    expect(sseB.messages.filter((m) => m.event === 'message').map((m) => m.data)).toEqual(wsA.events.map((e) => JSON.stringify(e)));
    [sseA, sseB].forEach((r) => r.close());
    [wsA, wsB].forEach((c) => c.close());
  });

  it('a subscriber cut off from B resumes on A with its Last-Event-ID and gets exactly what it missed', async () => {
    const onB = await SseReader.open(`${b.url}/api/events/stream?types=cache,error`);
    await onB.until((x) => x.named('ready').length === 1);
    const before = await publishTo(a, 5);
    await onB.until((x) => x.events.length === 5);
    onB.close();
    const last = onB.events.at(-1).id;
    expect(last).toBe(before.at(-1));
    // Missed: from both instances, some not matching its filter.
    const missed = [...(await publishTo(a, 4)), ...(await publishTo(b, 3, 'error'))];
    await publishTo(a, 2, 'cgrag');
    const onA = await SseReader.open(`${a.url}/api/events/stream?types=cache,error`, { 'last-event-id': last });
    await onA.until((x) => x.named('ready').length === 1);
    expect(onA.named('gap')).toEqual([]);
    expect(onA.events.map((e) => e.id)).toEqual(missed);
    const live = await publishTo(b, 2);
    await onA.until((x) => x.events.length === missed.length + 2);
    expect(onA.events.map((e) => e.id)).toEqual([...missed, ...live]);
    onA.close();
  });

  it('a cursor resumes on the other instance the moment it is issued (never "ahead")', async () => {
    for (let i = 0; i < 10; i++) {
      const [id] = await publishTo(a, 1);
      const c = await ws(b, `?last_event_id=${id}`);
      await c.ready();
      expect(c.controls('gap')).toEqual([]);
      expect(c.events).toEqual([]);
      c.close();
    }
  });

  it('rejects a cursor from another Redis stream with the gap signal', async () => {
    const r = await SseReader.open(`${b.url}/api/events/stream`, { 'last-event-id': 'zzzz0000-5' });
    await r.until((x) => x.named('ready').length === 1);
    expect(r.named('gap')[0]).toMatchObject({ reason: 'unknown_epoch', requested: 'zzzz0000-5' });
    r.close();
  });
});
