/**
 * Rolling restarts while publishing never stops: gateway A, then B, then
 * Redis itself are restarted in turn. Every event a publisher got a 202 for
 * is still in history afterwards, under the same epoch, and a client that
 * followed the stream across the restarts (reconnecting to whichever
 * gateway was up, with Last-Event-ID) got each one exactly once, in order.
 *
 * Redis here is our own redis-server with an append-only file fsynced on
 * every write (REDIS_URL is not used: the test must restart it), which is
 * what makes an acknowledged event survive Redis restarting.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer, uniquePrefix } from '../helpers/redis.ts';
import { publish, sampleEvent } from '../helpers/server.ts';
import { SseReader } from '../helpers/sse.ts';
import { Follower, eventually, health, pause, restartNode, startNode, stopNode, type Node } from './cluster.ts';

let redis: RedisServer;
let nodes: Node[] = [];

beforeAll(async () => {
  redis = await RedisServer.start({ persist: true });
  const env = { REDIS_URL: redis.url, REDIS_PREFIX: uniquePrefix('restarts'), HISTORY_SIZE: '100000', REPLAY_DEFAULT: '0' };
  nodes = await Promise.all([startNode(env), startNode(env)]);
});
afterAll(async () => {
  await Promise.all(nodes.map(stopNode));
  await redis?.destroy();
});

const offset = (id: string) => Number(id.split('-')[1]);

/** Publishes small batches round-robin to whichever gateway answers, until stopped; records what was acknowledged. */
class Publisher {
  readonly acked: string[] = [];
  refused = 0;
  #stop = false;
  #done: Promise<void> | undefined;

  start(): void {
    this.#done = (async () => {
      for (let i = 0; !this.#stop; i++) {
        const n = nodes[i % nodes.length]!;
        const res = await publish(n.url, [sampleEvent('cache'), sampleEvent('error')]).catch(() => ({ status: 0, body: null }));
        if (res.status === 202) this.acked.push(...res.body.ids);
        else {
          // 503 while Redis is down, refused connections while a gateway restarts: nothing was acknowledged.
          expect([0, 503]).toContain(res.status);
          this.refused++;
          await pause(20);
        }
      }
    })();
  }

  async moreAcked(k: number): Promise<void> {
    const target = this.acked.length + k;
    await eventually(() => this.acked.length >= target, `${k} more acknowledged events`);
  }

  async stop(): Promise<void> {
    this.#stop = true;
    await this.#done;
  }
}

describe('rolling restarts', () => {
  it('loses no acknowledged event while each gateway and Redis restart in turn, and a following client gets each once, in order', async () => {
    const follower = new Follower(() => nodes.map((n) => n.url));
    await follower.start();
    const pub = new Publisher();
    pub.start();
    await pub.moreAcked(50);

    nodes[0] = await restartNode(nodes[0]!);
    await pub.moreAcked(50);
    nodes[1] = await restartNode(nodes[1]!);
    await pub.moreAcked(50);

    await redis.stop();
    await eventually(async () => (await health(nodes[0]!.url)).status === 503, 'A to report Redis gone');
    await pause(1000); // Redis stays down a while; publishes meanwhile are refused
    await redis.start();
    await eventually(async () => (await Promise.all(nodes.map((n) => health(n.url)))).every((h) => h.status === 200), 'both to be healthy again');
    await pub.moreAcked(50);
    await pub.stop();

    const acked = pub.acked;
    expect(pub.refused).toBeGreaterThan(0);
    const epochs = new Set(acked.map((id) => id.split('-')[0]));
    expect(epochs.size).toBe(1);
    const [epoch] = epochs;

    // History holds every acknowledged event, in the order they were given.
    const all = await SseReader.open(`${nodes[1]!.url}/api/events/stream`, { 'last-event-id': `${epoch}-0` });
    await all.until((x) => x.named('ready').length === 1, 20_000, 'the replay');
    const history = all.events.map((e) => e.id as string);
    all.close();
    expect(all.named('gap')).toEqual([]);
    const inHistory = new Set(history);
    expect(acked.filter((id) => !inHistory.has(id))).toEqual([]);
    expect(history.map(offset)).toEqual(history.map((_, i) => i + 1));

    // The follower saw the same stream: nothing twice, nothing out of order, every acknowledged event.
    await follower.reach(acked.reduce((x, y) => (offset(y) > offset(x) ? y : x)));
    await follower.stop();
    expect(follower.reconnects).toBeGreaterThanOrEqual(2);
    expect(follower.gaps).toEqual([]);
    expect(follower.ids).toEqual(history.slice(0, follower.ids.length));
    const seen = new Set(follower.ids);
    expect(acked.filter((id) => !seen.has(id))).toEqual([]);
  });
});
