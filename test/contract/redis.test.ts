/**
 * The backend contract, run against a real Redis (REDIS_URL, or a
 * redis-server of our own). Each backend reaches Redis through its own TCP
 * proxy, so one can be cut off while its peers keep going. Plus what only
 * Redis has: entries written by something else are refused at the boundary.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/core/store.ts';
import { RedisBackend } from '../../src/backends/redis.ts';
import type { Envelope } from '../../src/core/event.ts';
import { client, uniquePrefix, useRedis, type TestRedis } from '../helpers/redis.ts';
import { TcpProxy } from '../helpers/tcp-proxy.ts';
import { backendContract } from './backend.contract.ts';

let redis: TestRedis;
beforeAll(async () => {
  redis = await useRedis();
});
afterAll(async () => {
  await redis.close();
});

interface Made {
  prefix: string;
  historySize: number;
  proxy: TcpProxy;
}
const made = new Map<Backend, Made>();
const prefixes = new Set<string>();

async function make(prefix: string, historySize: number): Promise<Backend> {
  const port = Number(new URL(redis.url).port || 6379);
  const proxy = await TcpProxy.start(port, new URL(redis.url).hostname);
  // The proxy only carries TCP: keep the password and database of REDIS_URL.
  const u = new URL(redis.url);
  u.hostname = '127.0.0.1';
  u.port = String(proxy.port);
  const b = new RedisBackend({ url: u.toString(), prefix, historySize, blockMs: 200 });
  made.set(b, { prefix, historySize, proxy });
  prefixes.add(prefix);
  return b;
}

backendContract('redis', {
  durable: true,
  fresh: (historySize) => make(uniquePrefix('contract'), historySize),
  restart: (b) => make(made.get(b)!.prefix, made.get(b)!.historySize),
  peer: (b) => make(made.get(b)!.prefix, made.get(b)!.historySize),
  loseHistory: (b) => redis.cleanup(made.get(b)!.prefix),
  cut: async (b) => {
    const { proxy } = made.get(b)!;
    proxy.cut();
    return async () => proxy.restore();
  },
  cleanup: async () => {
    for (const m of made.values()) await m.proxy.close();
    for (const p of prefixes) await redis.cleanup(p);
  },
});

describe('redis backend: a batch whose answer is lost', () => {
  it('is found again once Redis answers: acknowledged once, delivered once', async () => {
    const prefix = uniquePrefix('lost-reply');
    const b = (await make(prefix, 100)) as RedisBackend;
    const got: Envelope[] = [];
    await b.open((envs) => got.push(...envs));
    const ev = (message: string) => ({ timestamp: 1, type: 'cache', severity: 'info' as const, message, metadata: {} });
    await b.append([ev('before')]);
    made.get(b)!.proxy.loseReplyTo('lost-answer');
    const envs = await b.append([ev('lost-answer'), ev('second of the batch')]);
    expect(envs.map((e) => [e.offset, e.event.message])).toEqual([
      [2, 'lost-answer'],
      [3, 'second of the batch'],
    ]);
    expect(envs[0]!.event.id).toBe(`${b.epoch}-2`);
    expect(offsetsAfter(await b.append([ev('after')]))).toEqual([4]);
    const deadline = Date.now() + 10_000;
    while (got.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(got.map((e) => e.event.message)).toEqual(['before', 'lost-answer', 'second of the batch', 'after']);
    expect((await b.readAfter(0, 10)).events.map((e) => e.json)).toEqual(got.map((e) => e.json));
  });
});

const offsetsAfter = (envs: Envelope[]) => envs.map((e) => e.offset);

describe('redis backend: the decode boundary', () => {
  it('skips and counts an entry that is not a valid event, and goes on delivering', async () => {
    const prefix = uniquePrefix('malformed');
    const b = new RedisBackend({ url: redis.url, prefix, historySize: 100, blockMs: 200, logger: () => {} });
    const got: Envelope[] = [];
    await b.open((envs) => got.push(...envs));
    const raw = client(redis.url);
    try {
      await b.append([{ timestamp: 1, type: 'cache', severity: 'info', message: 'one', metadata: {} }]);
      // Written behind the gateway's back, at the next offsets.
      await raw.hset(`{${prefix}}:meta`, 'seq', '3');
      await raw.xadd(`{${prefix}}:stream`, '2-0', 'e', 'not json');
      await raw.xadd(`{${prefix}}:stream`, '3-0', 'e', JSON.stringify({ id: `${b.epoch}-3`, type: 'cache' }));
      await b.append([{ timestamp: 4, type: 'cache', severity: 'info', message: 'four', metadata: {} }]);
      const deadline = Date.now() + 10_000;
      while (got.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(got.map((e) => e.event.message)).toEqual(['one', 'four']);
      expect(got.map((e) => e.offset)).toEqual([1, 4]);
      expect(b.malformed).toBe(2);
      expect(b.health()).toMatchObject({ ok: true, detail: '2 malformed stream entries skipped' });
      const read = await b.readAfter(0, 10);
      expect(read.events.map((e) => e.offset)).toEqual([1, 4]);
    } finally {
      raw.disconnect();
      await b.close();
      await redis.cleanup(prefix);
    }
  });
});
