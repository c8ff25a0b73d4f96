/**
 * What the gateway trusts, and hostile event input (issue 9, items 3, 5, 6,
 * 7, 9, 10), on every runtime. These run against their own gateway, TRUST_ENV:
 * no token (so loopback decides who publishes), no ALLOWED_ORIGINS, a
 * PUBLIC_URL, and trusted proxies: 127.0.0.2, which the checks connect
 * from, and 10.0.0.0/8, which they name in forwarded chains.
 */
import { describe, expect, it } from 'vitest';
import { forwardingProxy, publishFrom, request } from '../../helpers/peer-request.ts';
import { WsClient } from '../../helpers/ws.ts';
import { runMarker, sample, sse, sseReady, ws } from './client.ts';
import { itNeeds, type Limits, type Target } from './target.ts';

/** The trusted proxy's address: loopback, but not the one the checks' other clients leave from. */
const PROXY = '127.0.0.2';

/** The name browsers reach this gateway by. */
const PUBLIC_HOST = 'events.example.com';

/**
 * MAX_BODY_BYTES is raised to carry metadata nested 100,000 levels deep
 * (600 kB), and MAX_WS_MESSAGE_BYTES to carry a 50 kB filter.
 */
export const TRUST_ENV: Record<string, string> = {
  PUBLISH_TOKEN: '',
  ALLOWED_ORIGINS: '',
  TRUST_PROXY: `${PROXY}, 10.0.0.0/8`,
  PUBLIC_URL: `https://${PUBLIC_HOST}/base/`,
  MAX_BODY_BYTES: '1048576',
  MAX_WS_MESSAGE_BYTES: '65536',
};

const wsStatus = (t: Target, headers: Record<string, string>) =>
  WsClient.open(`${t.url.replace(/^http/, 'ws')}/ws/events?replay=0`, headers).then(
    (c) => (c.close(), 101),
    (e: { status?: number }) => e.status,
  );

/** `levels` objects nested in one another: `{"a":{"a":…1…}}`. */
const nested = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

/** Events of `run` replayed from history, by id: what the store holds of them. */
async function stored(t: Target, run: string): Promise<string[]> {
  const r = await sse(t, `replay=50&meta.run=${run}`);
  await r.until((x) => x.named('ready').length > 0, 10_000, 'ready');
  r.close();
  return r.events.map((e) => e.id);
}

export function trustChecks(t: () => Target, limits: Limits): void {
  describe('trust', () => {
    it('lets a loopback client publish without a token, but not a forwarded request from a proxy that is not trusted', async () => {
      const run = runMarker();
      expect((await publishFrom(t().url, sample('cache', run))).status).toBe(202);
      const forwarded = await publishFrom(t().url, sample('cache', run), { headers: { 'x-forwarded-for': '203.0.113.9' } });
      expect(forwarded.status).toBe(403);
      expect(forwarded.json()).toMatchObject({ error: 'forbidden', field: 'Authorization', message: expect.stringContaining('loopback') });
      // Even a local client is not loopback through an untrusted hop, and neither header is believed.
      expect((await publishFrom(t().url, sample('cache', run), { headers: { 'x-forwarded-for': '127.0.0.1' } })).status).toBe(403);
      expect((await publishFrom(t().url, sample('cache', run), { headers: { forwarded: 'for=127.0.0.1' } })).status).toBe(403);
      if (limits.empty_origin === undefined) {
        expect((await publishFrom(t().url, sample('cache', run), { headers: { 'x-forwarded-for': '' } })).status).toBe(403);
      }
      // A reverse proxy on the same host (as nginx on 127.0.0.1) that TRUST_PROXY does not list: every client behind it is refused.
      const behind = await forwardingProxy(t().url, '127.0.0.1');
      try {
        expect((await publishFrom(behind.url, sample('cache', run))).status).toBe(403);
        expect((await publishFrom(behind.url, sample('cache', run), { headers: { 'x-forwarded-for': '203.0.113.9' } })).status).toBe(403);
      } finally {
        await behind.close();
      }
    });

    it('through a trusted proxy, judges the rightmost forwarded address that is not a trusted proxy', async () => {
      const run = runMarker();
      const via = async (xff?: string, extra: Record<string, string> = {}) =>
        (await publishFrom(t().url, sample('cache', run), { localAddress: PROXY, headers: { ...(xff === undefined ? {} : { 'x-forwarded-for': xff }), ...extra } })).status;
      expect(await via('203.0.113.9')).toBe(403);
      expect(await via('127.0.0.1')).toBe(202);
      expect(await via('203.0.113.9, 127.0.0.1')).toBe(202); // the leftmost was written by the client: not believed
      expect(await via('127.0.0.1, 203.0.113.9')).toBe(403);
      expect(await via('127.0.0.1, 127.0.0.2')).toBe(202);
      expect(await via('203.0.113.9, 10.1.2.3')).toBe(403); // 10.1.2.3 is a trusted proxy, skipped
      expect(await via('127.0.0.1, 10.1.2.3, 127.0.0.2')).toBe(202);
      expect(await via('unknown')).toBe(403);
      expect(await via(undefined, { forwarded: 'for="[::1]:4711";proto=http' })).toBe(202);
      expect(await via(undefined, { forwarded: 'for=127.0.0.1, for=198.51.100.7' })).toBe(403);
      expect(await via(undefined, { forwarded: 'for=_hidden' })).toBe(403);
      // Both headers, naming different clients: unknown, so not loopback.
      expect(await via('127.0.0.1', { forwarded: 'for=203.0.113.9' })).toBe(403);
      const proxy = await forwardingProxy(t().url, PROXY); // appends the client's address, as nginx does
      try {
        expect((await publishFrom(proxy.url, sample('cache', run))).status).toBe(202);
        expect((await publishFrom(proxy.url, sample('cache', run), { headers: { 'x-forwarded-for': '127.0.0.1' } })).status).toBe(202);
      } finally {
        await proxy.close();
      }
    });

    it("refuses DNS rebinding (Host and Origin both an attacker's name) on publish, SSE and stats", async () => {
      const port = new URL(t().url).port;
      const headers = { host: `rebind.example:${port}`, origin: `http://rebind.example:${port}` };
      expect((await publishFrom(t().url, sample('cache', runMarker()), { headers })).status).toBe(403);
      expect((await request(`${t().url}/api/events/stream?replay=0`, { headers })).status).toBe(403);
      expect((await request(`${t().url}/api/events/stats`, { headers })).status).toBe(403);
    });

    itNeeds(limits, 'ws', 'refuses DNS rebinding on the WebSocket upgrade', async () => {
      const port = new URL(t().url).port;
      expect(await wsStatus(t(), { host: `rebind.example:${port}`, origin: `http://rebind.example:${port}` })).toBe(403);
    });

    itNeeds(limits, 'knows_own_origin', "refuses a foreign Host with no Origin (a rebinding page's same-origin GET) on a loopback-only gateway; its own names pass", async () => {
      const port = new URL(t().url).port;
      const host = `rebind.example:${port}`;
      const stats = await request(`${t().url}/api/events/stats`, { headers: { host } });
      expect(stats.status).toBe(403);
      expect(stats.json()).toMatchObject({ error: 'host_not_allowed', field: 'Host' });
      expect((await request(`${t().url}/api/events/stream?replay=0`, { headers: { host } })).status).toBe(403);
      for (const own of [new URL(t().url).host, `localhost:${port}`]) {
        expect((await request(`${t().url}/api/events/stats`, { headers: { host: own, origin: `http://${own}` } })).status, own).toBe(200);
      }
    });

    itNeeds(limits, 'ws', "takes PUBLIC_URL's name as its own: its Host and origin are accepted on SSE, WebSocket and publish", async () => {
      const headers = { host: PUBLIC_HOST, origin: `https://${PUBLIC_HOST}` };
      const stream = await request(`${t().url}/api/events/stream?replay=0`, { headers });
      expect(stream.status).toBe(200);
      expect(stream.headers['access-control-allow-origin']).toBe(`https://${PUBLIC_HOST}`);
      expect(await wsStatus(t(), headers)).toBe(101);
      expect((await publishFrom(t().url, sample('cache', runMarker()), { headers })).status).toBe(202); // from loopback, its own origin
      if (limits.knows_own_origin === undefined) {
        expect((await request(`${t().url}/api/events/stats`, { headers: { host: 'other.example.com' } })).status).toBe(403);
      }
    });

    itNeeds(
      limits,
      ['knows_own_origin', 'ws'],
      'allows its own origin and, listening on loopback only with no ALLOWED_ORIGINS, loopback origins on any port, alike on SSE and WebSocket',
      async () => {
        for (const origin of [t().url, 'http://localhost:3000', 'http://127.0.0.1:5173', 'http://[::1]:8080']) {
          const r = await request(`${t().url}/api/events/stream?replay=0`, { headers: { origin } });
          expect(r.status, origin).toBe(200);
          expect(r.headers['access-control-allow-origin'], origin).toBe(origin);
          expect(await wsStatus(t(), { origin }), origin).toBe(101);
        }
        expect((await request(`${t().url}/api/events/stream?replay=0`, { headers: { origin: 'https://evil.example' } })).status).toBe(403);
        expect(await wsStatus(t(), { origin: 'https://evil.example' })).toBe(403);
      },
    );

    itNeeds(limits, ['empty_origin', 'ws'], 'refuses an empty Origin alike on SSE and WebSocket', async () => {
      const r = await request(`${t().url}/api/events/stream?replay=0`, { headers: { origin: '' } });
      expect(r.status).toBe(403);
      expect(r.json()).toMatchObject({ error: 'origin_not_allowed', field: 'Origin' });
      expect(await wsStatus(t(), { origin: '' })).toBe(403);
    });

    itNeeds(limits, 'ws', 'refuses the origin `null` (a sandboxed page, a file) alike on SSE and WebSocket', async () => {
      const r = await request(`${t().url}/api/events/stream?replay=0`, { headers: { origin: 'null' } });
      expect(r.status).toBe(403);
      expect(r.json()).toMatchObject({ error: 'origin_not_allowed', field: 'Origin' });
      expect(await wsStatus(t(), { origin: 'null' })).toBe(403);
    });
  });

  describe('hostile event input', () => {
    it('refuses a batch whose second event nests 100,000 levels deep with a 422 naming the path, and stores nothing of it', async () => {
      const run = runMarker();
      const deep = nested(100_000);
      const second = JSON.stringify(sample('cache', run)).replace('"metadata":{', `"metadata":{"deep":${deep},`);
      const res = await publishFrom(t().url, `[${JSON.stringify(sample('cache', run))},${second}]`);
      expect(res.status).toBe(422);
      expect(res.json().problems).toEqual([{ path: `[1].metadata.deep${'.a'.repeat(31)}`, message: expect.stringMatching(/nested deeper than 32 levels/) }]);
      const after = await publishFrom(t().url, sample('cache', run));
      expect(after.status).toBe(202);
      expect(await stored(t(), run)).toEqual(after.json().ids);
    });

    itNeeds(limits, 'ws', 'acknowledges a WebSocket filter of 50 kB by its size, never echoing it, and a small one by echoing it', async () => {
      const run = runMarker();
      const c = await ws(t(), `replay=0&meta.run=${run}`);
      await c.ready();
      c.send({ op: 'filter', meta: { run } });
      c.send({ op: 'filter', meta: { run, pad: 'y'.repeat(50_000) } });
      await c.until((x) => x.controls('ack').length === 2, 10_000, 'two acks');
      expect(c.controls('ack')[0]).toEqual({ control: 'ack', op: 'filter', filter: { meta: { run } } });
      expect(c.controls('ack')[1]).toEqual({ control: 'ack', op: 'filter', filter_bytes: expect.any(Number) });
      expect(c.controls('ack')[1].filter_bytes).toBeGreaterThan(50_000);
      c.close();
    });

    it('accepts metadata nested 32 levels deep and refuses 33, objects or arrays, with a 422 naming the path', async () => {
      const run = runMarker();
      const withDeep = (deep: string) => JSON.stringify(sample('cache', run)).replace('"metadata":{', `"metadata":{"deep":${deep},`);
      // The metadata object is level 1, "deep" level 2, then 30 more.
      expect((await publishFrom(t().url, withDeep(nested(31)))).status).toBe(202);
      const objects = await publishFrom(t().url, withDeep(nested(32)));
      expect(objects.status).toBe(422);
      expect(objects.json().problems[0].path).toBe(`metadata.deep${'.a'.repeat(31)}`);
      const arrays = await publishFrom(t().url, withDeep(`${'['.repeat(40)}${']'.repeat(40)}`));
      expect(arrays.status).toBe(422);
      expect(arrays.json().problems[0].path).toBe(`metadata.deep${'[0]'.repeat(31)}`);
    });

    it('refuses a body that is not valid UTF-8 with a 400 naming the body, and stores nothing of it', async () => {
      const run = runMarker();
      const [head, tail] = JSON.stringify(sample('cache', run, { note: '@@' })).split('@@');
      for (const [what, bytes] of [
        ['an overlong slash', [0xc0, 0xaf]],
        ['an overlong three-byte form', [0xe0, 0x80, 0xaf]],
        ['an encoded surrogate', [0xed, 0xa0, 0x80]],
        ['a code point past U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
        ['a lone continuation byte', [0x80]],
        ['a cut-off sequence', [0xe2, 0x82]],
      ] as const) {
        const res = await publishFrom(t().url, Buffer.concat([Buffer.from(head!), Buffer.from(bytes), Buffer.from(tail!)]));
        expect(res.status, what).toBe(400);
        expect(res.json(), what).toMatchObject({ error: 'invalid_utf8', field: 'body' });
      }
      expect(await stored(t(), run)).toEqual([]);
    });

    it('publishes valid UTF-8, astral characters included, and delivers it as sent', async () => {
      const run = runMarker();
      const note = 'café ✓ 𝄞 😀';
      const res = await publishFrom(t().url, sample('cache', run, { note }));
      expect(res.status).toBe(202);
      const r = await sse(t(), `replay=1&meta.run=${run}`);
      await r.until((x) => x.events.length === 1, 10_000, 'the event');
      expect(r.events[0].metadata.note).toBe(note);
      r.close();
    });

    it('keeps metadata keys named __proto__, constructor and prototype as data, stored and delivered like any other key', async () => {
      const run = runMarker();
      const body = JSON.stringify(sample('cache', run)).replace('"metadata":{', '"metadata":{"__proto__":{"polluted":true},"constructor":"ctor","prototype":"proto",');
      const res = await publishFrom(t().url, body);
      expect(res.status).toBe(202);
      const r = await sse(t(), `replay=1&meta.run=${run}`);
      await r.until((x) => x.messages.some((m) => m.event === 'message'), 10_000, 'the event');
      const data = r.messages.find((m) => m.event === 'message')!.data;
      expect(data).toContain('"__proto__":{"polluted":true}');
      expect(data).toContain('"constructor":"ctor"');
      expect(data).toContain('"prototype":"proto"');
      r.close();
    });

    itNeeds(limits, 'ws', 'filters meta.<field> on own fields only: meta.__proto__ is not dropped, inherited names match nothing, on SSE and WebSocket', async () => {
      const run = runMarker();
      const withKeys = (extra: string) => JSON.stringify(sample('cache', run)).replace('"metadata":{', `"metadata":{${extra},`);
      const inherited = { toString: String(Object.prototype.toString), hasOwnProperty: String(Object.prototype.hasOwnProperty), constructor: String(Object) };
      const filters: Record<string, string> = {
        proto: 'meta.__proto__=x',
        ctor: 'meta.constructor=ctor',
        ...Object.fromEntries(Object.entries(inherited).map(([k, v]) => [k, `meta.${k}=${encodeURIComponent(v)}`])),
      };
      const readers = Object.fromEntries(await Promise.all(Object.entries(filters).map(async ([k, f]) => [k, await sse(t(), `replay=0&meta.run=${run}&${f}`)] as const)));
      const wsProto = await ws(t(), `replay=0&meta.run=${run}&${filters.proto}`);
      const wsCtor = await ws(t(), `replay=0&meta.run=${run}`);
      await Promise.all([...Object.values(readers).map(sseReady), wsProto.ready(), wsCtor.ready()]);
      wsCtor.send({ op: 'filter', meta: { run, constructor: 'ctor' } });
      await wsCtor.until((c) => c.controls('ack').length === 1, 10_000, 'the ack');
      expect(wsCtor.controls('ack')[0].filter.meta).toEqual({ run, constructor: 'ctor' });

      const ids: string[] = [];
      for (const body of [
        JSON.stringify(sample('cache', run)),
        withKeys('"__proto__":"x"'),
        withKeys('"constructor":"ctor"'),
        // Matches the inherited names' filters through its own fields only.
        JSON.stringify(sample('cache', run, inherited)),
        withKeys('"__proto__":"x","constructor":"ctor"'), // the fence: proto, ctor and their WebSockets match it
      ]) {
        const res = await publishFrom(t().url, body);
        expect(res.status).toBe(202);
        ids.push(res.json().ids[0]);
      }
      const [, idProto, idCtor, idOwnInherited, idBoth] = ids;
      const want: Record<string, string[]> = {
        proto: [idProto!, idBoth!],
        ctor: [idCtor!, idBoth!],
        toString: [idOwnInherited!],
        hasOwnProperty: [idOwnInherited!],
        constructor: [idOwnInherited!],
      };
      // The fence for the inherited names' readers: the fence event reached the others, published after.
      await readers.proto!.until((x) => x.events.some((e) => e.id === idBoth), 10_000, 'the fence');
      for (const [k, r] of Object.entries(readers)) {
        await r.until((x) => x.events.some((e) => e.id === want[k]!.at(-1)), 10_000, k);
        expect(
          r.events.map((e) => e.id),
          k,
        ).toEqual(want[k]);
      }
      expect(readers.proto!.events[1].metadata).toMatchObject({ constructor: 'ctor' });
      expect(Object.getOwnPropertyDescriptor(readers.proto!.events[0].metadata, '__proto__')?.value).toBe('x');
      await wsProto.until((c) => c.events.some((e) => e.id === idBoth), 10_000, 'the fence');
      expect(wsProto.events.map((e) => e.id)).toEqual([idProto, idBoth]);
      await wsCtor.until((c) => c.events.some((e) => e.id === idBoth), 10_000, 'the fence');
      expect(wsCtor.events.map((e) => e.id)).toEqual([idCtor, idBoth]);
      for (const r of Object.values(readers)) r.close();
      wsProto.close();
      wsCtor.close();
    });
  });
}
