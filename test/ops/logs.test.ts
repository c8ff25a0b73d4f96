/**
 * LOG_FORMAT=json: every line the process writes is one JSON object with
 * time, level and msg; refusals are logged with their reason and the
 * client's address, aggregated (a flood of refused publishes is a couple of
 * lines, summed up at the end of the interval or at shutdown); and no line
 * holds a token, whether it was the configured one, a wrong Bearer, or an
 * access_token in a query string.
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { spawnGateway, type GatewayProcess } from '../helpers/process.ts';
import { publish, sampleEvent } from '../helpers/server.ts';
import { SseReader } from '../helpers/sse.ts';

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
    // The first refusal at once, with the client's address; the rest summed up in one line (at the interval's end or at shutdown).
    expect(refused[0]).toMatchObject({ level: 'warn', status: 401, client: '127.0.0.1' });
    expect(refused.length).toBeLessThanOrEqual(3);
    const counted = refused.slice(1).reduce((n, o) => n + (o.count ?? 0), 0);
    expect(counted).toBe(floods + 2 - 1);
    expect(parsed.some((o) => o.msg === 'subscriber opened' && o.level === 'debug' && o.transport === 'sse')).toBe(true);
    expect(parsed.find((o) => o.msg === 'subscriber ended')).toMatchObject({ level: 'debug', reason: expect.any(String), duration_ms: expect.any(Number), delivered: 1 });
    expect(parsed.some((o) => /SIGTERM: draining/.test(o.msg))).toBe(true);
  }, 60_000);
});
