/**
 * A replay that cannot read history ends its subscriber with a signal to
 * come back later, and coming back with the same cursor loses nothing.
 * Gateway A talks to Redis directly, gateway B through a TCP proxy the test
 * cuts: with B cut off, a subscriber resuming on B from a cursor gets
 * `event: unavailable` (with retry_ms, also as the SSE `retry:` field) and
 * its stream ends; on WebSocket the socket is closed with 1013; `eventgate
 * tail` says so on stderr and comes back after retry_ms. Meanwhile A
 * goes on publishing. Once B reaches Redis again, the same clients resume
 * with the same cursor, after the retry they were given, and get every
 * event after it, in order, with no gap, then live ones. A replay cut off
 * halfway ends the same way after the events it sent, and resuming from
 * the last of them repeats nothing and loses nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeServer } from '../../src/runtimes/node/server.ts';
import { uniquePrefix, useRedis, type TestRedis } from '../helpers/redis.ts';
import { publish, sampleEvent, startGateway } from '../helpers/server.ts';
import { SseReader } from '../helpers/sse.ts';
import { Tail } from '../helpers/tail.ts';
import { TcpProxy } from '../helpers/tcp-proxy.ts';
import { WsClient } from '../helpers/ws.ts';
import { eventually, health, pause } from './cluster.ts';

let redis: TestRedis;
let proxy: TcpProxy;
let prefix: string;
let a: NodeServer;
let b: NodeServer;

beforeAll(async () => {
  redis = await useRedis();
  proxy = await TcpProxy.start(Number(new URL(redis.url).port), new URL(redis.url).hostname);
  prefix = uniquePrefix('replay-unavailable');
  const env = { REDIS_PREFIX: prefix, HISTORY_SIZE: '1000', REPLAY_DEFAULT: '0' };
  [a, b] = await Promise.all([startGateway({ ...env, REDIS_URL: redis.url }), startGateway({ ...env, REDIS_URL: proxy.url })]);
}, 60_000);
afterAll(async () => {
  await Promise.all([a, b].filter(Boolean).map((g) => g.stop()));
  await proxy?.close();
  await redis?.cleanup(prefix);
  await redis?.close();
});

async function publishTo(g: NodeServer, n: number): Promise<string[]> {
  const res = await publish(
    g.url,
    Array.from({ length: n }, () => sampleEvent('cache')),
  );
  expect(res.status).toBe(202);
  return res.body.ids;
}

describe('a replay that cannot read history', () => {
  it('ends the subscriber with unavailable and retry_ms (SSE) or close 1013 (WS); the same cursor later resumes with nothing lost', async () => {
    const before = await publishTo(a, 5);
    const cursor = before[1]!;
    proxy.cut();
    await eventually(async () => (await health(b.url)).status === 503, 'B to report Redis gone');
    const during = await publishTo(a, 4); // A still has Redis

    // SSE: the stream opens, says unavailable, and ends; no event, no ready.
    const sse = await SseReader.open(`${b.url}/api/events/stream`, { 'last-event-id': cursor });
    expect(sse.status).toBe(200);
    await sse.until((r) => r.closed, 10_000, 'the SSE stream to end');
    const [signal, ...more] = sse.named('unavailable');
    expect(more).toEqual([]);
    expect(signal).toMatchObject({ last_event_id: cursor, retry_ms: expect.any(Number), message: expect.any(String) });
    expect(signal.retry_ms).toBeGreaterThanOrEqual(1000);
    expect(signal.retry_ms).toBeLessThanOrEqual(10_000);
    expect(sse.messages.find((m) => m.event === 'unavailable')!.retry).toBe(signal.retry_ms);
    expect(sse.events).toEqual([]);
    expect(sse.named('ready')).toEqual([]);

    // WebSocket: closed with 1013 (try again later), nothing delivered.
    const ws = await WsClient.open(`${b.url.replace('http', 'ws')}/ws/events?last_event_id=${cursor}`);
    await ws.until((c) => c.closeCode !== undefined, 10_000, 'the WebSocket to close');
    expect(ws.closeCode).toBe(1013);
    expect(ws.closeReason).toMatch(/event store unavailable/);
    expect(ws.events).toEqual([]);
    expect(ws.controls('ready')).toEqual([]);
    expect(b.gateway.bus.subscriberCount).toBe(0);

    // eventgate tail says so on stderr and comes back after the retry it was given, by itself.
    const tail = new Tail([b.url, '--from', cursor, '--json']);
    try {
      await eventually(() => /unavailable: .* reconnecting in \d+ ms/.test(tail.err), 'the tail to say the gateway is unavailable', 30_000);

      proxy.restore();
      await eventually(async () => (await health(b.url)).status === 200, 'B to reach Redis again');
      await pause(signal.retry_ms); // as a client told to wait would

      const expected = [...before.slice(2), ...during];
      const sseAgain = await SseReader.open(`${b.url}/api/events/stream`, { 'last-event-id': cursor });
      const wsAgain = await WsClient.open(`${b.url.replace('http', 'ws')}/ws/events?last_event_id=${cursor}`);
      await sseAgain.until((r) => r.named('ready').length === 1, 10_000, 'SSE ready');
      await wsAgain.ready();
      expect(sseAgain.events.map((e) => e.id)).toEqual(expected);
      expect(wsAgain.events.map((e) => e.id)).toEqual(expected);
      for (const [gaps, name] of [
        [sseAgain.named('gap'), 'sse'],
        [wsAgain.controls('gap'), 'ws'],
      ] as const)
        expect(gaps, name).toEqual([]);
      expect(sseAgain.named('ready')[0]).toMatchObject({ replayed: expected.length });

      // And live from there, from either gateway.
      const live = [...(await publishTo(b, 1)), ...(await publishTo(a, 1))];
      await sseAgain.until((r) => r.events.length === expected.length + 2, 10_000, 'the live events on SSE');
      await wsAgain.until((c) => c.events.length === expected.length + 2, 10_000, 'the live events on WS');
      expect(sseAgain.events.map((e) => e.id)).toEqual([...expected, ...live]);
      expect(wsAgain.events.map((e) => e.id)).toEqual([...expected, ...live]);
      sseAgain.close();
      wsAgain.close();

      const tailIds = () => tail.lines().map((l) => (JSON.parse(l) as { id: string }).id);
      await eventually(() => tailIds().length >= expected.length + 2, 'the tail to resume', 30_000);
      expect(tailIds()).toEqual([...expected, ...live]);
      expect(tail.err).not.toMatch(/connection lost|gap/);
      tail.child.kill('SIGINT');
      expect(await tail.exited).toBe(0);
    } finally {
      if (tail.child.exitCode === null) tail.child.kill('SIGKILL');
    }
  }, 90_000);

  it('cut off halfway through: the events it sent, then unavailable; resuming from the last one sent repeats nothing and loses nothing', async () => {
    const pad = 'p'.repeat(4096);
    const from = (await publishTo(a, 1))[0]!;
    const stored: string[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await publish(
        a.url,
        Array.from({ length: 100 }, () => sampleEvent('cache', { pad })),
      );
      expect(res.status).toBe(202);
      stored.push(...res.body.ids);
    }
    proxy.restore(); // whatever the case before left
    await eventually(async () => (await health(b.url)).status === 200, 'B healthy');
    const sse = await SseReader.open(`${b.url}/api/events/stream`, { 'last-event-id': from });
    await sse.until((r) => r.events.length > 0, 10_000, 'the first replayed events');
    proxy.cut();
    await sse.until((r) => r.closed, 10_000, 'the SSE stream to end');
    proxy.restore();
    const got = sse.events.map((e) => e.id);
    expect(got).toEqual(stored.slice(0, got.length));
    expect(got.length).toBeLessThan(stored.length);
    expect(sse.named('ready')).toEqual([]);
    const last = got.at(-1)!;
    // The signal names the last event this stream sent, not the cursor that was asked for:
    // a client that resumes from it gets none of them again.
    const [signal] = sse.named('unavailable');
    expect(signal).toMatchObject({ retry_ms: expect.any(Number), last_event_id: last });
    await eventually(async () => (await health(b.url)).status === 200, 'B to reach Redis again');
    const again = await SseReader.open(`${b.url}/api/events/stream`, { 'last-event-id': last });
    await again.until((r) => r.named('ready').length === 1, 20_000, 'ready');
    expect([...got, ...again.events.map((e) => e.id)]).toEqual(stored);
    expect(again.named('gap')).toEqual([]);
    again.close();
  }, 60_000);
});
