/**
 * Limits, each reached, answered and counted: concurrent subscriptions per
 * client address (429, on SSE and the WebSocket upgrade, and the slot comes
 * back when a subscriber leaves), the publish rate per token subject or
 * address (429 with Retry-After; a batch over the burst says so), and the
 * WebSocket client message rate (close 1008).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeServer } from '../../src/runtimes/node/server.ts';
import { publish, sampleEvent, startGateway } from '../helpers/server.ts';
import { SseReader } from '../helpers/sse.ts';
import { hs256, SECRET } from '../helpers/tokens.ts';
import { WsClient } from '../helpers/ws.ts';

const PUBLISH_TOKEN = 'limits-publish-0123';
const ADMIN_TOKEN = 'limits-admin-0123456789';
let gw: NodeServer;
beforeAll(async () => {
  gw = await startGateway({
    AUTH_JWT_SECRET: SECRET,
    SUBSCRIBE_AUTH: 'off',
    PUBLISH_TOKEN,
    ADMIN_TOKEN,
    MAX_SUBSCRIBERS_PER_IP: '2',
    PUBLISH_RATE: '5',
    PUBLISH_BURST: '5',
    WS_MESSAGE_RATE: '5',
  });
});
afterAll(() => gw.stop());

const stats = async () => (await fetch(`${gw.url}/api/events/stats`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json();
const wsUrl = () => `${gw.url.replace('http', 'ws')}/ws/events?replay=0`;

describe('limits', () => {
  it('MAX_SUBSCRIBERS_PER_IP: the next subscription from the address is 429 on SSE and WS; a place comes back when one leaves', async () => {
    const a = await SseReader.open(`${gw.url}/api/events/stream?replay=0`);
    const b = await WsClient.open(wsUrl());
    await b.ready();
    const c = await SseReader.open(`${gw.url}/api/events/stream?replay=0`);
    expect(c.status).toBe(429);
    await c.until((x) => x.closed);
    expect(JSON.parse(c.raw)).toMatchObject({ error: 'too_many_subscriptions', field: 'client' });
    await expect(WsClient.open(wsUrl())).rejects.toMatchObject({ status: 429 });
    a.close();
    // Wait for the gateway to see the SSE client go (a condition, not a delay).
    for (let s = await stats(); s.active_subscribers > 1; s = await stats()) await new Promise((r) => setTimeout(r, 20));
    const d = await SseReader.open(`${gw.url}/api/events/stream?replay=0`);
    expect(d.status).toBe(200);
    d.close();
    b.close();
    expect((await stats()).totals.subscribers_per_ip_refused).toBe(2);
  });

  it('PUBLISH_RATE: past the burst, 429 with Retry-After and nothing stored; per token subject; a batch over the burst says so', async () => {
    const auth = { authorization: `Bearer ${PUBLISH_TOKEN}` };
    const before = (await stats()).totals.published;
    const ok = await publish(
      gw.url,
      Array.from({ length: 5 }, () => sampleEvent('cache')),
      auth,
    );
    expect(ok.status).toBe(202);
    const over = await publish(gw.url, sampleEvent('cache'), auth);
    expect(over.status).toBe(429);
    expect(over.body).toMatchObject({ error: 'rate_limited' });
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Another publisher (a token subject) has its own bucket.
    const other = await publish(gw.url, sampleEvent('cache'), { authorization: `Bearer ${await hs256({ sub: 'svc-b', eventgate: { publish: true } })}` });
    expect(other.status).toBe(202);
    const huge = await publish(
      gw.url,
      Array.from({ length: 6 }, () => sampleEvent('cache')),
      { authorization: `Bearer ${await hs256({ sub: 'svc-c', eventgate: { publish: true } })}` },
    );
    expect(huge.status).toBe(429);
    expect(huge.body).toMatchObject({ error: 'rate_limited', field: 'body', message: expect.stringContaining('PUBLISH_BURST') });
    const s = await stats();
    expect(s.totals.published - before).toBe(6);
    expect(s.totals.publish_rate_limited).toBe(7);
  });

  it('WS_MESSAGE_RATE: a client sending faster is closed with 1008, and counted', async () => {
    const c = await WsClient.open(wsUrl());
    await c.ready();
    for (let i = 0; i < 20; i++) c.send({ op: 'ping' });
    await c.until((x) => x.closeCode !== undefined);
    expect(c.closeCode).toBe(1008);
    expect(c.closeReason).toMatch(/WS_MESSAGE_RATE/);
    // Never all 20 answered: the socket closes at the first message past the burst (5).
    expect(c.controls('pong').length).toBeLessThan(20);
    expect((await stats()).totals.ws_rate_closed).toBe(1);
  });
});
