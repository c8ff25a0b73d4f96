/**
 * Losing Redis is visible and survivable. Gateway A talks to Redis directly,
 * gateway B through a TCP proxy the test can cut, so B alone can lose Redis
 * while A goes on publishing. Then Redis itself stops for a while, and last
 * it comes back empty (a new Redis). Subscribers stay connected throughout;
 * /health says 503 and publishes get 503 while the store is out of reach;
 * what was missed arrives in order once it is back, and whatever cannot
 * arrive any more is announced with a gap.
 *
 * Redis is our own redis-server with an append-only file (REDIS_URL is not
 * used: the test must stop it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer, uniquePrefix } from '../helpers/redis.ts';
import { publish, sampleEvent } from '../helpers/server.ts';
import { SseReader } from '../helpers/sse.ts';
import { TcpProxy } from '../helpers/tcp-proxy.ts';
import { WsClient } from '../helpers/ws.ts';
import { eventually, health, pause, startNode, stopNode, type Node } from './cluster.ts';

const HISTORY = 50;
let redis: RedisServer;
let proxy: TcpProxy;
let a: Node;
let b: Node;
let sseB: SseReader;
let wsB: WsClient;
let sseA: SseReader;

beforeAll(async () => {
  redis = await RedisServer.start({ persist: true });
  proxy = await TcpProxy.start(redis.port);
  const env = { REDIS_PREFIX: uniquePrefix('outage'), HISTORY_SIZE: String(HISTORY), REPLAY_DEFAULT: '0' };
  [a, b] = await Promise.all([startNode({ ...env, REDIS_URL: redis.url }), startNode({ ...env, REDIS_URL: proxy.url })]);
  sseA = await SseReader.open(`${a.url}/api/events/stream`);
  sseB = await SseReader.open(`${b.url}/api/events/stream`);
  wsB = await WsClient.open(`${b.url.replace('http', 'ws')}/ws/events`);
  await Promise.all([sseA, sseB].map((r) => r.until((x) => x.named('ready').length === 1)));
  await wsB.ready();
});
afterAll(async () => {
  for (const r of [sseA, sseB]) r?.close();
  wsB?.close();
  await Promise.all([a, b].filter(Boolean).map(stopNode));
  await proxy?.close();
  await redis?.destroy();
});

async function publishTo(n: Node, k: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < k; i += 5) {
    const res = await publish(
      n.url,
      Array.from({ length: Math.min(5, k - i) }, () => sampleEvent('cache')),
    );
    expect(res.status).toBe(202);
    ids.push(...res.body.ids);
  }
  return ids;
}

/** Every event each subscriber of B got so far, as ids. */
const idsOf = () => [sseB.events.map((e) => e.id), wsB.events.map((e) => e.id)];
const gapsOf = () => [sseB.named('gap'), wsB.controls('gap')];
const stillConnected = () => !sseA.closed && !sseB.closed && wsB.closeCode === undefined;

describe('losing Redis', () => {
  it('one gateway cut off: 503 there, its subscribers stay and get what they missed, in order, once back', async () => {
    const first = await publishTo(a, 5);
    await eventually(() => idsOf().every((ids) => ids.length === 5), 'the first events on B');
    proxy.cut();
    await eventually(async () => (await health(b.url)).status === 503, 'B to report Redis gone');
    expect((await health(b.url)).body).toMatchObject({ status: 'unavailable', backend: { ok: false, backend: 'redis' } });
    const refused = await publish(b.url, sampleEvent('cache'));
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ error: 'store_unavailable' });
    expect(refused.body.message).toMatch(/not published/);
    const missed = await publishTo(a, 20); // A still has Redis
    expect(stillConnected()).toBe(true);
    proxy.restore();
    await eventually(async () => (await health(b.url)).status === 200, 'B to be healthy again');
    const after = await publishTo(b, 3);
    const all = [...first, ...missed, ...after];
    await eventually(() => idsOf().every((ids) => ids.length === all.length), 'everything on B');
    for (const ids of idsOf()) expect(ids).toEqual(all);
    expect(gapsOf()).toEqual([[], []]);
  });

  it('one gateway cut off while more than its history is published: a gap with the count, then the rest', async () => {
    const before = idsOf()[0]!.length;
    const last = sseB.events.at(-1).id;
    proxy.cut();
    await eventually(async () => (await health(b.url)).status === 503, 'B to report Redis gone');
    const published = await publishTo(a, HISTORY + 30);
    proxy.restore();
    const kept = published.slice(-HISTORY);
    await eventually(() => idsOf().every((ids) => ids.length === before + HISTORY), 'what history still holds');
    for (const ids of idsOf()) expect(ids.slice(before)).toEqual(kept);
    for (const gaps of gapsOf()) expect(gaps).toEqual([expect.objectContaining({ reason: 'expired', requested: last, resume_from: kept[0], missed: 30 })]);
    // The gap comes before the first event after it.
    const sseOrder = sseB.messages.filter((m) => m.event === 'gap' || m.event === 'message').map((m) => (m.event === 'gap' ? 'gap' : JSON.parse(m.data).id));
    expect(sseOrder.slice(before, before + 2)).toEqual(['gap', kept[0]]);
    expect(stillConnected()).toBe(true);
  });

  it('Redis stopped for a while: every gateway says 503 and refuses publishes; subscribers stay and go on once it is back', async () => {
    const countA = sseA.events.length;
    const countB = idsOf().map((x) => x.length);
    await redis.stop();
    for (const n of [a, b]) await eventually(async () => (await health(n.url)).status === 503, 'health to report Redis gone');
    for (const n of [a, b]) expect((await publish(n.url, [sampleEvent('cache'), sampleEvent('error')])).status).toBe(503);
    await pause(2000); // down for a few seconds
    expect(stillConnected()).toBe(true);
    await redis.start();
    for (const n of [a, b]) await eventually(async () => (await health(n.url)).status === 200, 'health to recover');
    const next = [...(await publishTo(a, 4)), ...(await publishTo(b, 4))];
    await eventually(() => sseA.events.length === countA + 8 && idsOf().every((ids, i) => ids.length === countB[i]! + 8), 'the new events');
    expect(sseA.events.slice(countA).map((e) => e.id)).toEqual(next);
    for (const ids of idsOf()) expect(ids.slice(-8)).toEqual(next);
    // Same stream as before: no new epoch, offsets go on.
    expect(next[0]!.split('-')[0]).toBe(sseA.events[0].id.split('-')[0]);
    expect(gapsOf().map((g) => g.length)).toEqual([1, 1]); // only the one from the previous case
  });

  it('Redis replaced by an empty one: live subscribers get an unknown_epoch gap, then the new stream; old cursors are recognised', async () => {
    const oldLast = sseA.events.at(-1).id;
    const countA = sseA.events.length;
    await redis.replaceWithEmpty();
    for (const n of [a, b]) await eventually(async () => (await health(n.url)).status === 200, 'health to recover');
    // Noticed with nothing published yet.
    await eventually(() => sseA.named('gap').length === 1, 'the gap on A');
    expect(sseA.named('gap')[0]).toMatchObject({ reason: 'unknown_epoch', requested: oldLast });
    const fresh = await publishTo(b, 3);
    expect(fresh[0]!.split('-')[0]).not.toBe(oldLast.split('-')[0]);
    expect(fresh.map((id) => Number(id.split('-')[1]))).toEqual([1, 2, 3]);
    await eventually(() => sseA.events.length === countA + 3 && wsB.events.at(-1)?.id === fresh[2], 'the new stream');
    expect(sseA.events.slice(countA).map((e) => e.id)).toEqual(fresh);
    for (const gaps of gapsOf()) expect(gaps.at(-1)).toMatchObject({ reason: 'unknown_epoch' });
    expect(stillConnected()).toBe(true);
    const resumed = await SseReader.open(`${b.url}/api/events/stream`, { 'last-event-id': oldLast });
    await resumed.until((x) => x.named('ready').length === 1);
    expect(resumed.named('gap')[0]).toMatchObject({ reason: 'unknown_epoch', requested: oldLast, resume_from: fresh[0] });
    expect(resumed.events.map((e) => e.id)).toEqual(fresh);
    resumed.close();
  });
});
