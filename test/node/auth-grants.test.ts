/**
 * Grants: the `eventgate` claim bounds what a token may receive, publish and
 * see. A request outside the grant is 403 naming the field before any stream
 * opens; granted meta always applies; a WebSocket filter op outside it is an
 * error control and the filter stays; publish grants are checked per event
 * and nothing of a refused batch is stored; PUBLISH_TOKEN keeps working;
 * stats needs admin (the claim or ADMIN_TOKEN).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway } from '../../src/index.ts';
import type { NodeServer } from '../../src/runtimes/node/server.ts';
import { publish, sampleEvent, startGateway } from '../helpers/server.ts';
import { SseReader } from '../helpers/sse.ts';
import { hs256 } from '../helpers/tokens.ts';
import { SECRET } from '../helpers/tokens.ts';
import { WsClient } from '../helpers/ws.ts';

const PUBLISH_TOKEN = 'publish-token-0123456789';
const ADMIN_TOKEN = 'admin-token-0123456789abcdef';
let gw: NodeServer;
beforeAll(async () => {
  gw = await startGateway({ AUTH_JWT_SECRET: SECRET, PUBLISH_TOKEN, ADMIN_TOKEN });
});
afterAll(() => gw.stop());

const acme = { subscribe: { types: ['error', 'performance'], min_severity: 'warning', meta: { tenant: 'acme' } } };
const pub = (body: unknown, token = PUBLISH_TOKEN) => publish(gw.url, body, { authorization: `Bearer ${token}` });
const open = (query: string, token: string) => SseReader.open(`${gw.url}/api/events/stream?${query}`, { authorization: `Bearer ${token}` });
async function refusal(r: SseReader) {
  await r.until((x) => x.closed);
  return { status: r.status, body: JSON.parse(r.raw) };
}

describe('subscribe grants', () => {
  it('answers a request outside the grant with 403 naming the field, before any stream opens', async () => {
    const t = await hs256({ eventgate: acme });
    for (const [query, field] of [
      ['types=cache', 'types'],
      ['types=error,cache', 'types'],
      ['severity=info', 'severity'],
      ['min_severity=info', 'min_severity'],
      ['meta.tenant=globex', 'meta.tenant'],
    ] as const) {
      const r = await open(query, t);
      expect(r.headers.get('content-type'), query).toMatch(/application\/json/);
      expect(await refusal(r), query).toMatchObject({ status: 403, body: { error: 'forbidden', field } });
    }
  });

  it('applies the grant when the request asks for less: its types, its severity floor and its meta, always', async () => {
    const t = await hs256({ eventgate: acme });
    const r = await open('replay=0&meta.component=router', t);
    await r.until((x) => x.named('ready').length > 0);
    expect(r.named('ready')[0].filter).toEqual({ types: ['error', 'performance'], min_severity: 'warning', meta: { component: 'router', tenant: 'acme' } });
    const sent = [
      sampleEvent('error', { tenant: 'acme' }, 'error'), // in
      sampleEvent('error', { tenant: 'globex' }, 'error'), // other tenant
      sampleEvent('error', { tenant: 'acme' }, 'info'), // below the floor
      sampleEvent('cache', { tenant: 'acme' }), // type outside
      sampleEvent('performance', { tenant: 'acme' }, 'warning'), // in
    ];
    const { body } = await pub(sent);
    await r.until((x) => x.events.length === 2);
    const fence = await pub(sampleEvent('error', { tenant: 'acme' }, 'error'));
    await r.until((x) => x.events.length === 3);
    expect(r.events.map((e) => e.id)).toEqual([body.ids[0], body.ids[4], fence.body.ids[0]]);
    r.close();
  });

  it('a WebSocket filter op outside the grant gets error forbidden and the filter stays', async () => {
    const t = await hs256({ eventgate: acme });
    const c = await WsClient.open(`${gw.url.replace('http', 'ws')}/ws/events?replay=0&types=error&access_token=${t}`);
    await c.ready();
    c.send({ op: 'filter', types: ['cache'] });
    c.send({ op: 'filter', 'meta.tenant': 'globex' });
    await c.until((x) => x.controls('error').length === 2);
    expect(c.controls('error').map((e) => [e.error, e.field])).toEqual([
      ['forbidden', 'types'],
      ['forbidden', 'meta.tenant'],
    ]);
    const { body } = await pub([sampleEvent('cache', { tenant: 'acme' }), sampleEvent('error', { tenant: 'globex' }, 'error'), sampleEvent('error', { tenant: 'acme' }, 'error')]);
    await c.until((x) => x.events.length === 1);
    c.send({ op: 'filter', types: ['performance'] });
    await c.until((x) => x.controls('ack').length === 1);
    expect(c.controls('ack')[0].filter).toEqual({ types: ['performance'], min_severity: 'warning', meta: { tenant: 'acme' } });
    expect(c.events.map((e) => e.id)).toEqual([body.ids[2]]);
    c.close();
  });
});

describe('publish grants', () => {
  it('publish: {types} lets those types in; a batch with another is 403 naming [i].type and nothing is stored', async () => {
    const t = await hs256({ sub: 'cache-writer', eventgate: { publish: { types: ['cache'] } } });
    const watcher = await open('replay=0', await hs256({}));
    await watcher.until((x) => x.named('ready').length > 0);
    const refused = await pub([sampleEvent('cache'), sampleEvent('cache'), sampleEvent('error')], t);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: 'forbidden', field: '[2].type' });
    const single = await pub(sampleEvent('error'), t);
    expect(single.body).toMatchObject({ error: 'forbidden', field: 'type' });
    const ok = await pub([sampleEvent('cache')], t);
    expect(ok.status).toBe(202);
    await watcher.until((x) => x.events.length >= 1);
    expect(watcher.events.map((e) => e.id)).toEqual(ok.body.ids);
    watcher.close();
  });

  it('publish: true may publish anything; a token without publish cannot; PUBLISH_TOKEN keeps working; a bad token is 401', async () => {
    expect((await pub(sampleEvent('error'), await hs256({ eventgate: { publish: true } }))).status).toBe(202);
    const none = await pub(sampleEvent('cache'), await hs256({ eventgate: { subscribe: {} } }));
    expect(none.status).toBe(403);
    expect(none.body).toMatchObject({ error: 'forbidden', field: 'token' });
    expect((await pub(sampleEvent('cache'))).status).toBe(202);
    const bad = await pub(sampleEvent('cache'), await hs256({ expIn: -10, eventgate: { publish: true } }));
    expect(bad.status).toBe(401);
    expect(bad.body).toMatchObject({ error: 'unauthorized', field: 'token', message: 'token expired' });
    expect((await publish(gw.url, sampleEvent('cache'))).status).toBe(401);
  });
});

describe('admin', () => {
  it('stats needs ADMIN_TOKEN or an admin grant once auth is configured, even from loopback', async () => {
    const get = (headers: Record<string, string> = {}, q = '') => fetch(`${gw.url}/api/events/stats${q}`, { headers });
    const none = await get();
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect((await get({ authorization: `Bearer ${PUBLISH_TOKEN}` })).status).toBe(401);
    const plain = await get({ authorization: `Bearer ${await hs256({})}` });
    expect(plain.status).toBe(403);
    expect(await plain.json()).toMatchObject({ error: 'forbidden', field: 'token' });
    expect((await get({ authorization: `Bearer ${ADMIN_TOKEN}` })).status).toBe(200);
    const admin = await hs256({ eventgate: { admin: true } });
    const viaQuery = await get({}, `?access_token=${admin}`);
    expect(viaQuery.status).toBe(200);
    const stats = await viaQuery.text();
    expect(stats).not.toContain(admin);
    expect(JSON.parse(stats).totals).toMatchObject({ auth_refused: expect.any(Number), auth_forbidden: expect.any(Number) });
  });

  it('without any auth configured, stats answers loopback clients only', async () => {
    const open = await startGateway({});
    try {
      expect((await fetch(`${open.url}/api/events/stats`)).status).toBe(200);
    } finally {
      await open.stop();
    }
    const remote = createGateway({ runtime: { name: 'test', remoteAddress: () => '203.0.113.9' }, logger: () => {} });
    const res = await remote.app.request('/api/events/stats');
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: 'forbidden', field: 'token', message: expect.stringContaining('loopback') });
    await remote.close();
  });
});
