/**
 * Idempotency keys on Redis are the cluster's: a retry that lands on the
 * other gateway, or on a gateway restarted since, is answered with the first
 * ids and stores nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniquePrefix, useRedis, type TestRedis } from '../helpers/redis.ts';
import { publish, sampleEvent } from '../helpers/server.ts';
import { restartNode, startNode, stopNode, type Node } from './cluster.ts';

let redis: TestRedis;
let nodes: Node[] = [];
beforeAll(async () => {
  redis = await useRedis();
  const env = { REDIS_URL: redis.url, REDIS_PREFIX: uniquePrefix('idem') };
  nodes = await Promise.all([startNode(env), startNode(env)]);
});
afterAll(async () => {
  await Promise.all(nodes.map(stopNode));
  await redis.close();
});

const offset = (id: string) => Number(id.split('-').pop());

describe('Idempotency-Key across gateways on Redis', () => {
  it('recognises a retry on the other gateway and after a restart', async () => {
    const [a, b] = nodes as [Node, Node];
    const body = JSON.stringify([sampleEvent('cache'), sampleEvent('cache')]);
    const key = { 'idempotency-key': 'cluster-batch-1' };
    const first = await publish(a.url, body, key);
    expect(first.status).toBe(202);
    const onB = await publish(b.url, body, key);
    expect(onB).toMatchObject({ status: 202, body: first.body });
    expect((await publish(b.url, sampleEvent('cache'), key)).status).toBe(422);
    nodes[0] = await restartNode(a);
    const afterRestart = await publish(nodes[0].url, body, key);
    expect(afterRestart).toMatchObject({ status: 202, body: first.body });
    const next = await publish(b.url, sampleEvent('cache'));
    expect(offset(next.body.ids[0])).toBe(offset(first.body.ids[1]) + 1);
  });
});
