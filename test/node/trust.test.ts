/**
 * Who the gateway trusts (issue 9, items 3 and 7), over real sockets: a
 * forwarded request is loopback only through a proxy in TRUST_PROXY, and then
 * the client judged is the rightmost forwarded address that is not a trusted
 * proxy; a peer the runtime cannot report is never loopback; the gateway's
 * own origin is PUBLIC_URL or where it listens, never the Host header, so
 * DNS rebinding is refused; loopback origins are allowed only on a
 * loopback-only gateway with no ALLOWED_ORIGINS; SSE and WebSocket decide alike.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway } from '../../src/index.ts';
import type { NodeServer } from '../../src/runtimes/node/server.ts';
import { forwardingProxy, publishFrom, request, type ForwardingProxy } from '../helpers/peer-request.ts';
import { sampleEvent, startGateway } from '../helpers/server.ts';
import { WsClient } from '../helpers/ws.ts';

/** The trusted proxy's address: loopback, but not the one the tests' own clients use. */
const PROXY_ADDRESS = '127.0.0.2';

let open: NodeServer; // no token, loopback only, no ALLOWED_ORIGINS, no TRUST_PROXY
let trusting: NodeServer; // the same, with TRUST_PROXY
let network: NodeServer; // no token, listening on every address
let behind: ForwardingProxy; // a reverse proxy in front of `open`, as nginx on the same host
let trustedProxy: ForwardingProxy; // one in front of `trusting`, leaving from the trusted address
beforeAll(async () => {
  open = await startGateway();
  trusting = await startGateway({ TRUST_PROXY: `${PROXY_ADDRESS}, 10.0.0.0/8` });
  network = await startGateway({ HOST: '0.0.0.0' });
  behind = await forwardingProxy(open.url, '127.0.0.1');
  trustedProxy = await forwardingProxy(trusting.url, PROXY_ADDRESS);
});
afterAll(async () => {
  await behind?.close();
  await trustedProxy?.close();
  await Promise.all([open, trusting, network].filter(Boolean).map((g) => g.stop()));
});

const event = () => sampleEvent('cache');
const hostOf = (g: NodeServer) => new URL(g.url).host;
const wsUrl = (g: NodeServer, q = 'replay=0') => `${g.url.replace('http', 'ws')}/ws/events?${q}`;
const wsStatus = (url: string, headers: Record<string, string>) =>
  WsClient.open(url, headers).then(
    (c) => (c.close(), 101),
    (e: { status?: number }) => e.status,
  );

describe('loopback trust: forwarded requests', () => {
  it('a publish relayed by a proxy on the same host is refused when TRUST_PROXY does not list the proxy', async () => {
    expect((await publishFrom(open.url, event())).status).toBe(202); // direct, from loopback
    const relayed = await publishFrom(behind.url, event(), { headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(relayed.status).toBe(403);
    expect(relayed.json()).toMatchObject({ error: 'forbidden', field: 'Authorization' });
    // Even a local client is not loopback through an untrusted hop, and neither header is believed.
    expect((await publishFrom(behind.url, event())).status).toBe(403);
    expect((await publishFrom(open.url, event(), { headers: { 'x-forwarded-for': '127.0.0.1' } })).status).toBe(403);
    expect((await publishFrom(open.url, event(), { headers: { forwarded: 'for=127.0.0.1' } })).status).toBe(403);
    expect((await publishFrom(open.url, event(), { headers: { 'x-forwarded-for': '' } })).status).toBe(403);
  });

  it('through a trusted proxy, the client judged is the rightmost forwarded address that is not a trusted proxy', async () => {
    const via = (xff?: string, extra: Record<string, string> = {}) =>
      publishFrom(trusting.url, event(), { localAddress: PROXY_ADDRESS, headers: { ...(xff === undefined ? {} : { 'x-forwarded-for': xff }), ...extra } }).then((r) => r.status);
    expect(await via('203.0.113.9')).toBe(403);
    expect(await via('127.0.0.1')).toBe(202);
    expect(await via('203.0.113.9, 127.0.0.1')).toBe(202); // the leftmost was written by the client: not believed
    expect(await via('127.0.0.1, 203.0.113.9')).toBe(403);
    expect(await via('203.0.113.9, 10.1.2.3')).toBe(403); // 10.1.2.3 is a trusted proxy, skipped
    expect(await via('127.0.0.1, 10.1.2.3, 127.0.0.2')).toBe(202);
    expect(await via('unknown')).toBe(403);
    expect(await via(undefined, { forwarded: 'for="[::1]:4711";proto=http' })).toBe(202);
    expect(await via(undefined, { forwarded: 'for=127.0.0.1, for=198.51.100.7' })).toBe(403);
    expect(await via(undefined, { forwarded: 'for=_hidden' })).toBe(403);
    // Both headers, naming different clients: unknown, so not loopback.
    expect(await via('127.0.0.1', { forwarded: 'for=203.0.113.9' })).toBe(403);
    // A peer that is not in TRUST_PROXY is not believed, whatever it says.
    expect((await publishFrom(trusting.url, event(), { headers: { 'x-forwarded-for': '127.0.0.1' } })).status).toBe(403);
    // And through a real proxy that appends the client's address, as nginx does: here the client is on loopback.
    expect((await publishFrom(trustedProxy.url, event())).status).toBe(202);
    expect((await publishFrom(trustedProxy.url, event(), { headers: { 'x-forwarded-for': '127.0.0.1' } })).status).toBe(202);
  });

  it('a gateway served through another server, whose runtime reports no peer address, lets nobody publish without a token', async () => {
    const gw = createGateway({ logger: () => {} });
    const server = await new Promise<Server>((resolve) => {
      const s = serve({ fetch: gw.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server));
    });
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const res = await publishFrom(url, event());
      expect(res.status).toBe(403);
      expect(res.json()).toMatchObject({ error: 'forbidden' });
    } finally {
      await new Promise((r) => server.close(r));
      await gw.close();
    }
  });
});

describe('DNS rebinding: the Host header names nothing the gateway trusts', () => {
  it("refuses publish, SSE, stats and the WebSocket upgrade when Host and Origin both carry an attacker's name", async () => {
    const port = new URL(open.url).port;
    const headers = { host: `rebind.example:${port}`, origin: `http://rebind.example:${port}` };
    const pub = await publishFrom(open.url, event(), { headers });
    expect(pub.status).toBe(403);
    const sse = await request(`${open.url}/api/events/stream?replay=0`, { headers });
    expect(sse.status).toBe(403);
    expect((await request(`${open.url}/api/events/stats`, { headers })).status).toBe(403);
    expect(await wsStatus(wsUrl(open), headers)).toBe(403);
    // A browser sends no Origin on a same-origin GET: the Host alone must be refused.
    const bare = await request(`${open.url}/api/events/stats`, { headers: { host: `rebind.example:${port}` } });
    expect(bare.status).toBe(403);
    expect(bare.json()).toMatchObject({ error: 'host_not_allowed', field: 'Host' });
    expect((await request(`${open.url}/api/events/stream?replay=0`, { headers: { host: `rebind.example:${port}` } })).status).toBe(403);
    // Its own names still work.
    for (const host of [hostOf(open), `localhost:${port}`]) {
      expect((await request(`${open.url}/api/events/stats`, { headers: { host, origin: `http://${host}` } })).status).toBe(200);
    }
  });

  it("with PUBLIC_URL, that name is the gateway's own: its Host and origin are accepted on both transports", async () => {
    const gw = await startGateway({ PUBLIC_URL: 'https://events.example.com/base/' });
    try {
      const headers = { host: 'events.example.com', origin: 'https://events.example.com' };
      const sse = await request(`${gw.url}/api/events/stream?replay=0`, { headers });
      expect(sse.status).toBe(200);
      expect(sse.headers['access-control-allow-origin']).toBe('https://events.example.com');
      expect(await wsStatus(wsUrl(gw), headers)).toBe(101);
      expect((await publishFrom(gw.url, event(), { headers })).status).toBe(202); // from loopback, its own origin
      expect((await request(`${gw.url}/api/events/stats`, { headers: { host: 'other.example.com' } })).status).toBe(403);
    } finally {
      await gw.stop();
    }
  });
});

describe('browser origins', () => {
  it('allow loopback origins on any port while the gateway listens on loopback only and no ALLOWED_ORIGINS is set', async () => {
    for (const origin of ['http://localhost:3000', 'http://127.0.0.1:5173', 'http://[::1]:8080']) {
      const sse = await request(`${open.url}/api/events/stream?replay=0`, { headers: { origin } });
      expect(sse.status, origin).toBe(200);
      expect(await wsStatus(wsUrl(open), { origin }), origin).toBe(101);
    }
  });

  it('refuse loopback origins of other ports when the gateway listens on every address; its own origins pass', async () => {
    for (const origin of ['http://localhost:3000', 'http://127.0.0.1:5173']) {
      const sse = await request(`${network.url}/api/events/stream?replay=0`, { headers: { origin } });
      expect(sse.status, origin).toBe(403);
      expect(await wsStatus(wsUrl(network), { origin }), origin).toBe(403);
      expect((await publishFrom(network.url, event(), { headers: { origin } })).status, origin).toBe(403);
    }
    const port = new URL(network.url).port;
    for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`]) {
      expect((await request(`${network.url}/api/events/stream?replay=0`, { headers: { origin } })).status, origin).toBe(200);
      expect(await wsStatus(wsUrl(network), { origin }), origin).toBe(101);
    }
  });

  it('an empty Origin is refused alike on SSE and WebSocket', async () => {
    const sse = await request(`${open.url}/api/events/stream?replay=0`, { headers: { origin: '' } });
    expect(sse.status).toBe(403);
    expect(sse.json()).toMatchObject({ error: 'origin_not_allowed', field: 'Origin' });
    expect(await wsStatus(wsUrl(open), { origin: '' })).toBe(403);
    expect(await wsStatus(wsUrl(open), { origin: 'null' })).toBe(403);
    expect((await request(`${open.url}/api/events/stream?replay=0`, { headers: { origin: 'null' } })).status).toBe(403);
  });
});

describe('configuration', () => {
  it('refuses a bad TRUST_PROXY or PUBLIC_URL naming the variable', async () => {
    await expect(startGateway({ TRUST_PROXY: '10.0.0.0/33' })).rejects.toThrow(/TRUST_PROXY/);
    await expect(startGateway({ TRUST_PROXY: 'nginx' })).rejects.toThrow(/TRUST_PROXY/);
    await expect(startGateway({ PUBLIC_URL: 'events.example.com' })).rejects.toThrow(/PUBLIC_URL/);
  });
});
