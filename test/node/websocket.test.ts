/**
 * The WebSocket protocol: filter changes in place, clear answers to bad
 * messages, 1009 for oversized ones, origin refusal, protocol pings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeServer } from '../../src/runtimes/node/server.ts';
import { publish, sampleEvent, startGateway } from '../helpers/server.ts';
import { SseReader } from '../helpers/sse.ts';
import { WsClient } from '../helpers/ws.ts';

let gw: NodeServer;
let ws0: string;
beforeAll(async () => {
  gw = await startGateway({ MAX_WS_MESSAGE_BYTES: '1024', WS_PING_MS: '200', ALLOWED_ORIGINS: 'https://dash.example.com' });
  ws0 = gw.url.replace('http', 'ws');
});
afterAll(() => gw.stop());

describe('WebSocket', () => {
  it('changes its filter without reconnecting, acknowledges, and applies it to what follows', async () => {
    const c = await WsClient.open(`${ws0}/ws/events?replay=0&types=cache`);
    await c.ready();
    const a = await publish(gw.url, [sampleEvent('cache'), sampleEvent('error')]);
    await c.until((x) => x.events.length === 1);
    c.send({ op: 'filter', types: ['error'], min_severity: 'warning' });
    await c.until((x) => x.controls('ack').length === 1);
    expect(c.controls('ack')[0]).toEqual({ control: 'ack', op: 'filter', filter: { types: ['error'], min_severity: 'warning' } });
    const b = await publish(gw.url, [sampleEvent('cache'), sampleEvent('error')]);
    await c.until((x) => x.events.length === 2);
    expect(c.events.map((e) => e.id)).toEqual([a.body.ids[0], b.body.ids[1]]);
    // The `meta.<field>` spelling of the query string works in messages too.
    c.send({ op: 'filter', 'meta.component': 'router' });
    await c.until((x) => x.controls('ack').length === 2);
    expect(c.controls('ack')[1].filter).toEqual({ meta: { component: 'router' } });
    c.close();
  });

  it('answers malformed messages with an error message and keeps the socket', async () => {
    const c = await WsClient.open(`${ws0}/ws/events?replay=0`);
    await c.ready();
    c.send('{not json');
    c.send('[1,2]');
    c.send({ op: 'explode' });
    c.send({ op: 'filter', types: ['nope'] });
    await c.until((x) => x.controls('error').length === 4);
    expect(c.controls('error').map((e) => e.error)).toEqual(['bad_message', 'bad_message', 'unknown_op', 'bad_filter']);
    expect(c.controls('error')[3]).toMatchObject({ field: 'types', message: expect.stringContaining('"nope"') });
    const res = await publish(gw.url, sampleEvent('cgrag'));
    await c.until((x) => x.events.length === 1);
    expect(c.events[0].id).toBe(res.body.ids[0]);
    expect(c.closeCode).toBeUndefined();
    c.close();
  });

  it('closes with 1009 on an oversized message, and nobody else notices', async () => {
    const other = await WsClient.open(`${ws0}/ws/events?replay=0`);
    const c = await WsClient.open(`${ws0}/ws/events?replay=0`);
    await c.ready();
    await other.ready();
    c.send({ op: 'filter', pad: 'x'.repeat(4096) });
    await c.until((x) => x.closeCode !== undefined);
    expect(c.closeCode).toBe(1009);
    const res = await publish(gw.url, sampleEvent('cgrag'));
    await other.until((x) => x.events.some((e) => e.id === res.body.ids[0]));
    other.close();
  });

  it('refuses a browser origin that is not allowed before the upgrade, and on SSE (loopback ones too, ALLOWED_ORIGINS being set); allows listed and same-origin ones', async () => {
    for (const origin of ['https://evil.example', 'http://localhost:3000']) {
      const refused = await WsClient.open(`${ws0}/ws/events`, { origin }).catch((e) => e);
      expect(refused.status).toBe(403);
      expect(JSON.parse(refused.body)).toMatchObject({ error: 'origin_not_allowed', field: 'Origin' });
      const sse = await fetch(`${gw.url}/api/events/stream`, { headers: { origin } });
      expect(sse.status).toBe(403);
    }
    for (const origin of ['https://dash.example.com', gw.url]) {
      const ok = await WsClient.open(`${ws0}/ws/events`, { origin });
      ok.close();
      const r = await SseReader.open(`${gw.url}/api/events/stream`, { origin });
      expect(r.status).toBe(200);
      expect(r.headers.get('access-control-allow-origin')).toBe(origin);
      r.close();
    }
    const pre = await fetch(`${gw.url}/api/events/stream`, { method: 'OPTIONS', headers: { origin: 'https://dash.example.com', 'access-control-request-headers': 'last-event-id' } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-headers')).toMatch(/Last-Event-ID/);
  });

  it('pings to keep the connection alive, and closes a peer that stops answering', async () => {
    const c = await WsClient.open(`${ws0}/ws/events?replay=0`);
    let pings = 0;
    c.ws.on('ping', () => pings++);
    await expect.poll(() => pings, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
    expect(c.closeCode).toBeUndefined();
    // A peer that no longer answers pings (ws answers automatically; stop its socket reading) is terminated.
    const dead = await WsClient.open(`${ws0}/ws/events?replay=0`);
    await dead.ready();
    dead.ws.pause();
    const count = async () => (await (await fetch(`${gw.url}/api/events/stats`)).json()).active_by_transport.ws;
    await expect.poll(count, { timeout: 5000 }).toBe(1);
    c.close();
  });

  it('answers a plain GET on the WebSocket endpoint with 426', async () => {
    const res = await fetch(`${gw.url}/ws/events`);
    expect(res.status).toBe(426);
    expect(await res.json()).toMatchObject({ error: 'upgrade_required' });
  });
});
