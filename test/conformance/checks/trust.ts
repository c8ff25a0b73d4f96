/**
 * What the gateway trusts, and hostile event input (issue 9, items 3, 6, 7,
 * 9, 10), on every runtime. These run against their own gateway, TRUST_ENV:
 * no token (so loopback decides who publishes), no ALLOWED_ORIGINS, and one
 * trusted proxy address, 127.0.0.2, which the checks connect from.
 */
import { describe, expect, it } from 'vitest';
import { forwardingProxy, publishFrom, request } from '../../helpers/peer-request.ts';
import { WsClient } from '../../helpers/ws.ts';
import { runMarker, sample, sse } from './client.ts';
import { itNeeds, type Limits, type Target } from './target.ts';

/** The trusted proxy's address: loopback, but not the one the checks' other clients leave from. */
const PROXY = '127.0.0.2';

/** MAX_BODY_BYTES is raised to carry metadata nested 100,000 levels deep (600 kB). */
export const TRUST_ENV: Record<string, string> = { PUBLISH_TOKEN: '', ALLOWED_ORIGINS: '', TRUST_PROXY: PROXY, MAX_BODY_BYTES: '1048576' };

const wsStatus = (t: Target, headers: Record<string, string>) =>
  WsClient.open(`${t.url.replace(/^http/, 'ws')}/ws/events?replay=0`, headers).then(
    (c) => (c.close(), 101),
    (e: { status?: number }) => e.status,
  );

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
      expect(forwarded.json()).toMatchObject({ error: 'forbidden' });
      expect((await publishFrom(t().url, sample('cache', run), { headers: { 'x-forwarded-for': '127.0.0.1' } })).status).toBe(403);
      expect((await publishFrom(t().url, sample('cache', run), { headers: { forwarded: 'for=127.0.0.1' } })).status).toBe(403);
    });

    it('through a trusted proxy, judges the rightmost forwarded address that is not a trusted proxy', async () => {
      const run = runMarker();
      const via = async (xff: string) => (await publishFrom(t().url, sample('cache', run), { localAddress: PROXY, headers: { 'x-forwarded-for': xff } })).status;
      expect(await via('203.0.113.9')).toBe(403);
      expect(await via('127.0.0.1')).toBe(202);
      expect(await via('203.0.113.9, 127.0.0.1')).toBe(202);
      expect(await via('127.0.0.1, 203.0.113.9')).toBe(403);
      expect(await via('127.0.0.1, 127.0.0.2')).toBe(202);
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

    itNeeds(limits, 'knows_own_origin', "refuses a foreign Host with no Origin (a rebinding page's same-origin GET) on a loopback-only gateway", async () => {
      const host = `rebind.example:${new URL(t().url).port}`;
      const stats = await request(`${t().url}/api/events/stats`, { headers: { host } });
      expect(stats.status).toBe(403);
      expect(stats.json()).toMatchObject({ error: 'host_not_allowed', field: 'Host' });
      expect((await request(`${t().url}/api/events/stream?replay=0`, { headers: { host } })).status).toBe(403);
    });

    itNeeds(
      limits,
      ['knows_own_origin', 'ws'],
      'allows its own origin and, listening on loopback only with no ALLOWED_ORIGINS, loopback origins on any port, alike on SSE and WebSocket',
      async () => {
        for (const origin of [t().url, 'http://localhost:3000', 'http://127.0.0.1:5173']) {
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
  });

  describe('hostile event input', () => {
    it('refuses a batch whose second event nests 100,000 levels deep with a 422 naming the path, and stores nothing of it', async () => {
      const run = runMarker();
      const deep = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
      const second = JSON.stringify(sample('cache', run)).replace('"metadata":{', `"metadata":{"deep":${deep},`);
      const res = await publishFrom(t().url, `[${JSON.stringify(sample('cache', run))},${second}]`);
      expect(res.status).toBe(422);
      expect(res.json().problems).toEqual([{ path: `[1].metadata.deep${'.a'.repeat(31)}`, message: expect.stringMatching(/nested deeper than 32 levels/) }]);
      const after = await publishFrom(t().url, sample('cache', run));
      expect(after.status).toBe(202);
      expect(await stored(t(), run)).toEqual(after.json().ids);
    });

    it('refuses a body that is not valid UTF-8 (overlong, surrogate, past U+10FFFF) with a 400 naming the body', async () => {
      const run = runMarker();
      const [head, tail] = JSON.stringify(sample('cache', run, { note: '@@' })).split('@@');
      for (const bytes of [
        [0xc0, 0xaf],
        [0xed, 0xa0, 0x80],
        [0xf4, 0x90, 0x80, 0x80],
      ]) {
        const res = await publishFrom(t().url, Buffer.concat([Buffer.from(head!), Buffer.from(bytes), Buffer.from(tail!)]));
        expect(res.status, bytes.join(' ')).toBe(400);
        expect(res.json()).toMatchObject({ error: 'invalid_utf8', field: 'body' });
      }
      expect(await stored(t(), run)).toEqual([]);
    });

    it('keeps metadata keys named __proto__, constructor and prototype as data, and matches meta.<field> on own fields only', async () => {
      const run = runMarker();
      const withKeys = (extra: string) => JSON.stringify(sample('cache', run)).replace('"metadata":{', `"metadata":{${extra},`);
      const proto = await sse(t(), `replay=0&meta.run=${run}&meta.__proto__=x`);
      const inherited = await sse(t(), `replay=0&meta.run=${run}&meta.toString=${encodeURIComponent(String(Object.prototype.toString))}`);
      await Promise.all([proto, inherited].map((r) => r.until((x) => x.named('ready').length > 0, 10_000, 'ready')));
      const own = String(Object.prototype.toString);
      const ids: string[] = [];
      for (const body of [
        withKeys('"plain":1'),
        withKeys('"__proto__":"x","constructor":"c","prototype":"p"'),
        JSON.stringify(sample('cache', run, { toString: own })),
        withKeys(`"__proto__":"x","toString":${JSON.stringify(own)}`), // the fence: both match it
      ]) {
        const res = await publishFrom(t().url, body);
        expect(res.status).toBe(202);
        ids.push(res.json().ids[0]);
      }
      for (const r of [proto, inherited]) await r.until((x) => x.events.some((e) => e.id === ids[3]), 10_000, 'the fence');
      expect(proto.events.map((e) => e.id)).toEqual([ids[1], ids[3]]);
      expect(proto.events[0].metadata).toMatchObject({ constructor: 'c', prototype: 'p' });
      expect(Object.getOwnPropertyDescriptor(proto.events[0].metadata, '__proto__')?.value).toBe('x');
      expect(inherited.events.map((e) => e.id)).toEqual([ids[2], ids[3]]);
      proto.close();
      inherited.close();
    });
  });
}
