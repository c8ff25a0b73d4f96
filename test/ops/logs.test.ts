/**
 * LOG_FORMAT=json: every line the process writes is one JSON object with
 * time, level and msg; refusals are logged with their reason and the
 * client's address, aggregated (a flood of refused publishes is a couple of
 * lines, summed up at the end of the interval or at shutdown); and no line
 * holds a token, whether it was the configured one, a wrong Bearer, or an
 * access_token in a query string.
 *
 * Behind a trusted proxy (TRUST_PROXY) a refusal names the client the
 * gateway judged (the forwarded address) and the proxy; forwarding headers
 * from anyone else are not believed. An auth refusal says why ("no token",
 * "expired", "bad signature", ...). A client that goes away in the middle
 * of its publish is a debug line, not an error with a stack and a 500.
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import net from 'node:net';
import { publishFrom, request } from '../helpers/peer-request.ts';
import { spawnGateway, type GatewayProcess } from '../helpers/process.ts';
import { publish, sampleEvent } from '../helpers/server.ts';
import { SseReader } from '../helpers/sse.ts';
import { hs256, tampered } from '../helpers/tokens.ts';

const CONFIGURED = 'configured-publish-token-5f1c9a';
const WRONG = 'wrong-bearer-token-77d2e0b4';
const QUERY = 'query-access-token-a81f3c60';
const JWT_SECRET = 'logs-test-hs256-secret-of-32-bytes-or-more';
const SECRETS = [CONFIGURED, WRONG, QUERY, JWT_SECRET];

let gw: GatewayProcess;
beforeAll(async () => {
  gw = await spawnGateway({ LOG_FORMAT: 'json', LOG_LEVEL: 'debug', PUBLISH_TOKEN: CONFIGURED, AUTH_JWT_SECRET: JWT_SECRET, REDIS_URL: '' });
}, 60_000);
afterAll(() => {
  if (gw.child.exitCode === null) gw.child.kill('SIGKILL');
});

const lines = () =>
  gw
    .output()
    .split('\n')
    .filter((l) => l !== '');

describe('JSON logs', () => {
  it('write one JSON object per line, with no token after refused publishes and subscriptions, and refusals aggregated', async () => {
    const floods = 40;
    for (let i = 0; i < floods; i++) expect((await publish(gw.url, sampleEvent('cache'), { authorization: `Bearer ${WRONG}` })).status).toBe(401);
    expect((await publish(`${gw.url}`, sampleEvent('cache'), { authorization: `Basic ${Buffer.from(`u:${WRONG}`).toString('base64')}` })).status).toBe(401);
    const q = await fetch(`${gw.url}/api/events?access_token=${QUERY}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${QUERY}` },
      body: JSON.stringify(sampleEvent('cache')),
    });
    expect(q.status).toBe(401);
    // Subscriptions carrying a bad token in the query and the header: refused for the token (401).
    const s = await SseReader.open(`${gw.url}/api/events/stream?access_token=${QUERY}`, { authorization: `Bearer ${WRONG}` });
    expect(s.status).toBeGreaterThanOrEqual(400);
    s.close();
    const wsStatus = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${gw.url.replace('http', 'ws')}/ws/events?access_token=${QUERY}`, { headers: { authorization: `Bearer ${WRONG}` } });
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('open', () => (ws.close(), resolve(101)));
      ws.once('error', () => {});
    });
    expect(wsStatus).toBeGreaterThanOrEqual(400);
    // A good publish and a subscriber that comes and goes, for the debug lines.
    const good = await new SignJWT({ sub: 'logs-test' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(new TextEncoder().encode(JWT_SECRET));
    SECRETS.push(good);
    const ok = await SseReader.open(`${gw.url}/api/events/stream?replay=0`, { authorization: `Bearer ${good}` });
    await ok.until((r) => r.named('ready').length === 1);
    expect((await publish(gw.url, sampleEvent('error'), { authorization: `Bearer ${CONFIGURED}` })).status).toBe(202);
    await ok.until((r) => r.events.length === 1);
    ok.close();

    gw.child.kill('SIGTERM');
    expect(await gw.exited).toBe(0);

    const all = lines();
    const parsed = all.map((l) => {
      let o: any;
      expect(() => (o = JSON.parse(l)), l).not.toThrow();
      return o;
    });
    for (const o of parsed) {
      expect(typeof o.time).toBe('string');
      expect(Number.isNaN(Date.parse(o.time))).toBe(false);
      expect(['debug', 'info', 'warn', 'error']).toContain(o.level);
      expect(typeof o.msg).toBe('string');
    }
    for (const l of all) for (const secret of SECRETS) expect(l).not.toContain(secret);

    const start = parsed.find((o) => o.msg.startsWith('listening on'));
    expect(start).toMatchObject({ level: 'info', backend: 'memory', publish_auth: 'publish_token', config: { publishToken: '[redacted]' } });
    const refused = parsed.filter((o) => /publish(es)? refused/.test(o.msg) && o.reason === 'unauthorized');
    // The first refusal of each kind (the wrong bearers are not tokens at all; the Basic header is no bearer token)
    // at once, with the client's address and why; the rest of a kind summed up in one line (at the interval's end or at shutdown).
    const firsts = refused.filter((o) => o.count === undefined);
    expect(firsts.map((o) => o.why).sort()).toEqual(['malformed token', 'no token']);
    for (const o of firsts) expect(o).toMatchObject({ level: 'warn', status: 401, client: '127.0.0.1' });
    const summaries = refused.filter((o) => o.count !== undefined);
    expect(summaries.map((o) => o.why)).toEqual(['malformed token']);
    expect(firsts.length + summaries.reduce((n, o) => n + o.count, 0)).toBe(floods + 2);
    expect(parsed.some((o) => o.msg === 'subscriber opened' && o.level === 'debug' && o.transport === 'sse')).toBe(true);
    expect(parsed.find((o) => o.msg === 'subscriber ended')).toMatchObject({ level: 'debug', reason: expect.any(String), duration_ms: expect.any(Number), delivered: 1 });
    expect(parsed.some((o) => /SIGTERM: draining/.test(o.msg))).toBe(true);
  }, 60_000);
});

describe('JSON logs of refusals behind a proxy, and of clients that go away', () => {
  const ADMIN = 'logs-test-admin-token-0d93be71';
  const PROXY = '127.0.0.2'; // loopback too on Linux: a proxy on another address of the same host
  const key = new TextEncoder().encode(JWT_SECRET);
  let gw2: GatewayProcess;
  beforeAll(async () => {
    gw2 = await spawnGateway({
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'debug',
      PUBLISH_TOKEN: CONFIGURED,
      AUTH_JWT_SECRET: JWT_SECRET,
      ADMIN_TOKEN: ADMIN,
      TRUST_PROXY: PROXY,
      REDIS_URL: '',
    });
  }, 60_000);
  afterAll(() => {
    if (gw2.child.exitCode === null) gw2.child.kill('SIGKILL');
  });
  const parsed2 = () =>
    gw2
      .output()
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l));

  it('name the judged client (the forwarded one behind TRUST_PROXY, with the proxy) and why an auth refusal was made, never the token', async () => {
    const expired = await hs256({ sub: 'a', expIn: -60, eventgate: { publish: true } }, key);
    const otherKey = await hs256({ sub: 'b', eventgate: { publish: true } }, new TextEncoder().encode('another-secret-of-at-least-32-bytes-long'));
    const noPublish = await hs256({ sub: 'c', eventgate: { subscribe: {} } }, key);
    const forged = tampered(await hs256({ sub: 'd' }, key), { sub: 'e' });
    const tokens = [expired, otherKey, noPublish, forged];
    const via = (client: string, extra: Record<string, string> = {}) => ({ localAddress: PROXY, headers: { 'x-forwarded-for': client, ...extra } });
    // Each case is its own refusal key (path, code, why), so each gets a first line at once, with its client.
    const cases: { send: () => Promise<{ status: number }>; status: number; msg: string; client: string; proxy?: string; why: string }[] = [
      {
        send: () => publishFrom(gw2.url, sampleEvent('cache'), via('203.0.113.1')),
        status: 401,
        msg: 'publish refused: unauthorized (no token)',
        client: '203.0.113.1',
        proxy: PROXY,
        why: 'no token',
      },
      {
        // Forwarding headers from a peer that is not a trusted proxy are not believed.
        send: () => publishFrom(gw2.url, sampleEvent('cache'), { headers: { 'x-forwarded-for': '198.51.100.2', authorization: `Bearer ${expired}` } }),
        status: 401,
        msg: 'publish refused: unauthorized (expired)',
        client: '127.0.0.1',
        why: 'expired',
      },
      {
        send: () => publishFrom(gw2.url, sampleEvent('cache'), { localAddress: PROXY, headers: { forwarded: 'for=203.0.113.3', authorization: `Bearer ${otherKey}` } }),
        status: 401,
        msg: 'publish refused: unauthorized (bad signature)',
        client: '203.0.113.3',
        proxy: PROXY,
        why: 'bad signature',
      },
      {
        send: () => publishFrom(gw2.url, sampleEvent('cache'), via('203.0.113.4', { authorization: `Bearer ${CONFIGURED}x` })),
        status: 401,
        msg: 'publish refused: unauthorized (malformed token)',
        client: '203.0.113.4',
        proxy: PROXY,
        why: 'malformed token',
      },
      {
        send: () => publishFrom(gw2.url, sampleEvent('cache'), via('2001:db8::5', { authorization: `Bearer ${noPublish}` })),
        status: 403,
        msg: 'publish refused: forbidden (no publish grant)',
        client: '2001:db8::5',
        proxy: PROXY,
        why: 'no publish grant',
      },
      {
        send: () => request(`${gw2.url}/api/events/stream`, via('203.0.113.6')),
        status: 401,
        msg: 'access refused on /api/events/stream: unauthorized (no token)',
        client: '203.0.113.6',
        proxy: PROXY,
        why: 'no token',
      },
      {
        send: () => request(`${gw2.url}/api/events/stream?access_token=${forged}`, via('203.0.113.7')),
        status: 401,
        msg: 'access refused on /api/events/stream: unauthorized (bad signature)',
        client: '203.0.113.7',
        proxy: PROXY,
        why: 'bad signature',
      },
      {
        send: () =>
          request(`${gw2.url}/ws/events`, {
            localAddress: PROXY,
            headers: {
              'x-forwarded-for': '203.0.113.8',
              authorization: `Bearer ${expired}`,
              connection: 'Upgrade',
              upgrade: 'websocket',
              'sec-websocket-version': '13',
              'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
            },
          }),
        status: 401,
        msg: 'access refused on /ws/events: unauthorized (expired)',
        client: '203.0.113.8',
        proxy: PROXY,
        why: 'expired',
      },
      {
        send: () => request(`${gw2.url}/api/events/stats`, via('203.0.113.9', { authorization: `Bearer ${noPublish}` })),
        status: 403,
        msg: 'access refused on /api/events/stats: forbidden (no admin grant)',
        client: '203.0.113.9',
        proxy: PROXY,
        why: 'no admin grant',
      },
    ];
    for (const c of cases) expect((await c.send()).status, c.msg).toBe(c.status);
    await new Promise((r) => setTimeout(r, 200));
    const all = parsed2();
    for (const c of cases) {
      const found = all.filter((o) => o.msg === c.msg);
      expect(found, c.msg).toHaveLength(1);
      expect(found[0], c.msg).toMatchObject({ level: 'warn', status: c.status, client: c.client, why: c.why });
      expect(found[0].proxy, c.msg).toBe(c.proxy);
    }
    const text = gw2.output();
    for (const secret of [...tokens, CONFIGURED, ADMIN, JWT_SECRET]) expect(text).not.toContain(secret);
    expect(text).not.toContain('198.51.100.2'); // a header nobody should have believed
  });

  it('a client that closes the connection in the middle of its publish body is a debug line: no error, no stack, no refusal counted', async () => {
    const { port } = new URL(gw2.url);
    const before = gw2.output().length;
    await new Promise<void>((resolve, reject) => {
      const sock = net.connect(Number(port), '127.0.0.1', () => {
        sock.write(
          `POST /api/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${CONFIGURED}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"type":"cache",`,
        );
        setTimeout(() => (sock.destroy(), resolve()), 300);
      });
      sock.on('error', reject);
    });
    const closed = () =>
      gw2
        .output()
        .slice(before)
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l));
    await expect.poll(() => closed().some((o) => o.msg === 'client closed the connection during POST /api/events'), { timeout: 10_000 }).toBe(true);
    const lines = closed();
    expect(lines.find((o) => o.msg === 'client closed the connection during POST /api/events')).toMatchObject({ level: 'debug', client: '127.0.0.1' });
    expect(lines.filter((o) => o.level === 'error' || /unhandled|refused/.test(o.msg))).toEqual([]);
    expect(gw2.output().slice(before)).not.toMatch(/\n\s+at /); // no stack anywhere
    const metrics = await (await fetch(`${gw2.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text();
    expect(metrics).toMatch(/^eventgate_publish_rejected_total\{reason="other"\} 0$/m);
    // The gateway goes on serving.
    expect((await publish(gw2.url, sampleEvent('cache'), { authorization: `Bearer ${CONFIGURED}` })).status).toBe(202);
  });
});
