/**
 * Hostile event input (issue 9, items 6, 9 and 10), over real sockets:
 * metadata nested too deep is a 422 naming the path, and a batch holding it
 * stores nothing, on memory and on Redis; a body that is not valid UTF-8 is a
 * 400 naming the body; metadata keys named `__proto__`, `constructor` and
 * `prototype` are kept as data, and `meta.<field>` filters match own fields only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeServer } from '../../src/runtimes/node/server.ts';
import { uniquePrefix, useRedis, type TestRedis } from '../helpers/redis.ts';
import { publish, sampleEvent, startGateway } from '../helpers/server.ts';
import { SseReader } from '../helpers/sse.ts';
import { WsClient } from '../helpers/ws.ts';

let memory: NodeServer;
let redis: TestRedis;
let prefix: string;
let onRedis: NodeServer;
beforeAll(async () => {
  redis = await useRedis();
  prefix = uniquePrefix('event-input');
  [memory, onRedis] = await Promise.all([startGateway(), startGateway({ REDIS_URL: redis.url, REDIS_PREFIX: prefix })]);
});
afterAll(async () => {
  await Promise.all([memory, onRedis].filter(Boolean).map((g) => g.stop()));
  await redis?.cleanup(prefix);
  await redis?.close();
});

const stats = async (g: NodeServer) => (await fetch(`${g.url}/api/events/stats`)).json();

/** Metadata of a valid cache event with `extra` beside it, as JSON text. */
const cacheWith = (extra: string) => {
  const base = JSON.stringify(sampleEvent('cache'));
  return base.replace(/"metadata":\{/, `"metadata":{${extra},`);
};

/** `levels` objects nested in one another: `{"a":{"a":…1…}}`. */
const nested = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

describe('metadata depth, on every backend', () => {
  for (const backend of ['memory', 'redis'] as const) {
    it(`${backend}: a batch whose second event nests 100,000 levels deep is a 422 naming the path, and stores nothing`, async () => {
      const g = backend === 'memory' ? memory : onRedis;
      const before = await stats(g);
      const res = await publish(g.url, `[${JSON.stringify(sampleEvent('cache'))},${cacheWith(`"deep":${nested(100_000)}`)}]`);
      expect(res.status).toBe(422);
      expect(res.body.error).toBe('validation_failed');
      expect(res.body.problems).toHaveLength(1);
      expect(res.body.problems[0].path).toBe(`[1].metadata.deep${'.a'.repeat(31)}`);
      expect(res.body.problems[0].message).toMatch(/nested deeper than 32 levels/);
      const after = await stats(g);
      expect(after.history_size).toBe(before.history_size);
      expect(after.totals.published).toBe(before.totals.published);
      // The gateway goes on: the next publish is stored and replayed, alone.
      const ok = await publish(g.url, sampleEvent('cache'));
      expect(ok.status).toBe(202);
      const r = await SseReader.open(`${g.url}/api/events/stream?replay=1`);
      await r.until((x) => x.events.length === 1);
      expect(r.events[0].id).toBe(ok.body.ids[0]);
      r.close();
    });
  }

  it('32 levels of metadata are accepted, 33 are not', async () => {
    // The metadata object is level 1, "deep" level 2, then 30 more.
    expect((await publish(memory.url, cacheWith(`"deep":${nested(31)}`))).status).toBe(202);
    const res = await publish(memory.url, cacheWith(`"deep":${nested(32)}`));
    expect(res.status).toBe(422);
    expect(res.body.problems[0].path).toBe(`metadata.deep${'.a'.repeat(31)}`);
    const arrays = await publish(memory.url, cacheWith(`"deep":${'['.repeat(40)}${']'.repeat(40)}`));
    expect(arrays.status).toBe(422);
    expect(arrays.body.problems[0].path).toBe(`metadata.deep${'[0]'.repeat(31)}`);
  });
});

describe('publish bodies are strict UTF-8', () => {
  it.each([
    ['an overlong slash', [0xc0, 0xaf]],
    ['an overlong three-byte form', [0xe0, 0x80, 0xaf]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
    ['a code point past U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['a lone continuation byte', [0x80]],
    ['a cut-off sequence', [0xe2, 0x82]],
  ])('%s is a 400 naming the body, and nothing is published', async (_what, bytes) => {
    const before = (await stats(memory)).totals.published;
    const [head, tail] = cacheWith('"note":"@@"').split('@@');
    const payload = Buffer.concat([Buffer.from(head!), Buffer.from(bytes), Buffer.from(tail!)]);
    const res = await fetch(`${memory.url}/api/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: payload });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_utf8', field: 'body' });
    expect((await stats(memory)).totals.published).toBe(before);
  });

  it('valid UTF-8, astral characters included, is published and delivered as sent', async () => {
    const note = 'café ✓ 𝄞 😀';
    const res = await publish(memory.url, sampleEvent('cache', { note }));
    expect(res.status).toBe(202);
    const r = await SseReader.open(`${memory.url}/api/events/stream?replay=1`);
    await r.until((x) => x.events.length === 1);
    expect(r.events[0].metadata.note).toBe(note);
    r.close();
  });
});

describe('prototype-named metadata keys', () => {
  it('are kept as data, stored and delivered like any other key', async () => {
    const text = cacheWith('"__proto__":{"polluted":true},"constructor":"ctor","prototype":"proto"');
    const res = await publish(memory.url, text);
    expect(res.status).toBe(202);
    const r = await SseReader.open(`${memory.url}/api/events/stream?replay=1`);
    await r.until((x) => x.messages.some((m) => m.event === 'message'));
    const data = r.messages.find((m) => m.event === 'message')!.data;
    expect(data).toContain('"__proto__":{"polluted":true}');
    expect(data).toContain('"constructor":"ctor"');
    expect(data).toContain('"prototype":"proto"');
    r.close();
  });

  it('are filtered on as own fields: meta.__proto__ is not dropped, inherited names match nothing, on SSE and WebSocket', async () => {
    const run = `proto-${Date.now()}`;
    const inherited = { toString: String(Object.prototype.toString), hasOwnProperty: String(Object.prototype.hasOwnProperty), constructor: String(Object) };
    const filters: Record<string, string> = {
      proto: 'meta.__proto__=x',
      ctor: 'meta.constructor=ctor',
      ...Object.fromEntries(Object.entries(inherited).map(([k, v]) => [k, `meta.${k}=${encodeURIComponent(v)}`])),
    };
    const sseUrl = (f: string) => `${memory.url}/api/events/stream?replay=0&meta.run=${run}&${f}`;
    const sse = Object.fromEntries(await Promise.all(Object.entries(filters).map(async ([k, f]) => [k, await SseReader.open(sseUrl(f))] as const)));
    const ws = await WsClient.open(`${memory.url.replace('http', 'ws')}/ws/events?replay=0&meta.run=${run}&${filters.proto}`);
    const wsOwn = await WsClient.open(`${memory.url.replace('http', 'ws')}/ws/events?replay=0&meta.run=${run}`);
    wsOwn.ws.send(JSON.stringify({ op: 'filter', meta: { run, constructor: 'ctor' } }));
    await wsOwn.until((c) => c.messages.some((m) => m.control === 'ack'));
    expect(wsOwn.messages.find((m) => m.control === 'ack').filter.meta).toEqual({ run, constructor: 'ctor' });

    const sent = [
      sampleEvent('cache', { run }),
      cacheWith(`"run":"${run}","__proto__":"x"`),
      cacheWith(`"run":"${run}","constructor":"ctor"`),
      cacheWith(`"run":"${run}","__proto__":"x","constructor":"ctor"`),
      // Matches the inherited names' filters through its own fields only.
      sampleEvent('cache', { run, ...inherited }),
    ];
    const ids: string[] = [];
    for (const e of sent) {
      const r = await publish(memory.url, e);
      expect(r.status).toBe(202);
      ids.push(r.body.ids[0]);
    }
    const [, idProto, idCtor, idBoth, idOwnInherited] = ids;
    const want: Record<string, string[]> = {
      proto: [idProto!, idBoth!],
      ctor: [idCtor!, idBoth!],
      toString: [idOwnInherited!],
      hasOwnProperty: [idOwnInherited!],
      constructor: [idOwnInherited!],
    };
    for (const [k, r] of Object.entries(sse)) {
      await r.until((x) => x.events.some((e) => e.id === want[k]!.at(-1)), 5000, k);
      expect(
        r.events.map((e) => e.id),
        k,
      ).toEqual(want[k]);
    }
    await ws.until((c) => c.messages.some((m) => m.id === idBoth));
    expect(ws.messages.filter((m) => m.type).map((m) => m.id)).toEqual([idProto, idBoth]);
    await wsOwn.until((c) => c.messages.some((m) => m.id === idBoth));
    expect(wsOwn.messages.filter((m) => m.type).map((m) => m.id)).toEqual([idCtor, idBoth]);
    for (const r of Object.values(sse)) r.close();
    ws.close();
    wsOwn.close();
  });

  it('a query parameter named __proto__ or constructor is refused as unknown, not dropped', async () => {
    for (const p of ['__proto__=x', 'constructor=x', 'toString=x']) {
      const res = await fetch(`${memory.url}/api/events/stream?${p}`);
      expect(res.status, p).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'bad_subscription', field: p.split('=')[0] });
    }
  });
});
