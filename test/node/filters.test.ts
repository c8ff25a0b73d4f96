/**
 * Every filter, on both transports: the same query, the same events, in the
 * same order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeServer } from '../../src/runtimes/node/server.ts';
import { publish, sampleEvent, startGateway } from '../helpers/server.ts';
import { SseReader } from '../helpers/sse.ts';
import { WsClient } from '../helpers/ws.ts';

let gw: NodeServer;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(() => gw.stop());

const mix = () => [
  sampleEvent('query_route', { query_id: 'abc123' }),
  sampleEvent('cgrag', { query_id: 'abc123' }),
  sampleEvent('cgrag', { query_id: 'zzz' }, 'warning'),
  sampleEvent('error', { component: 'router' }),
  sampleEvent('cache', {}, 'warning'),
  sampleEvent('performance', { current_value: 500, threshold_value: 200, action_required: false }),
  sampleEvent('model_state', { port: 9001 }),
];

async function both(query: string): Promise<{ sse: any[]; ws: any[]; ids: string[] }> {
  const sse = await SseReader.open(`${gw.url}/api/events/stream?replay=0&${query}`);
  const ws = await WsClient.open(`${gw.url.replace('http', 'ws')}/ws/events?replay=0&${query}`);
  await sse.until((r) => r.named('ready').length === 1);
  await ws.ready();
  const res = await publish(gw.url, mix());
  expect(res.status).toBe(202);
  // A marker that matches nothing but everything-filters tells us the stream has caught up.
  const marker = await publish(gw.url, sampleEvent('error', { component: 'marker', query_id: 'abc123' }, 'error'));
  const markerId = marker.body.ids[0];
  const seen = (evs: any[]) => evs.some((e) => e.id === markerId) || false;
  // Wait until every transport got what it will get: the marker, or (when filtered out) a short settle.
  await Promise.all([sse.until((r) => seen(r.events), 1500).catch(() => {}), ws.until((c) => seen(c.events), 1500).catch(() => {})]);
  sse.close();
  ws.close();
  const strip = (evs: any[]) => evs.filter((e) => e.id !== markerId);
  return { sse: strip(sse.events), ws: strip(ws.events), ids: res.body.ids };
}

describe('filters on SSE and WebSocket', () => {
  it('types= keeps only the listed types, in publish order, on both transports', async () => {
    const r = await both('types=cgrag,error');
    expect(r.sse.map((e) => e.type)).toEqual(['cgrag', 'cgrag', 'error']);
    expect(r.ws.map((e) => e.id)).toEqual(r.sse.map((e) => e.id));
  });

  it('severity= keeps the listed severities', async () => {
    const r = await both('severity=warning');
    expect(r.sse.map((e) => e.severity)).toEqual(['warning', 'warning', 'warning']);
    expect(r.sse.map((e) => e.type)).toEqual(['cgrag', 'cache', 'performance']);
    expect(r.ws.map((e) => e.id)).toEqual(r.sse.map((e) => e.id));
  });

  it('min_severity= keeps that severity and above', async () => {
    const r = await both('min_severity=warning&types=cgrag,error,cache,performance');
    expect(r.sse.map((e) => `${e.type}:${e.severity}`)).toEqual(['cgrag:warning', 'error:error', 'cache:warning', 'performance:warning']);
    expect(r.ws.map((e) => e.id)).toEqual(r.sse.map((e) => e.id));
  });

  it('meta.<field>= follows one query through every type', async () => {
    const r = await both('meta.query_id=abc123&types=query_route,cgrag');
    expect(r.sse.map((e) => e.type)).toEqual(['query_route', 'cgrag']);
    expect(r.sse.every((e) => e.metadata.query_id === 'abc123')).toBe(true);
    expect(r.ws.map((e) => e.id)).toEqual(r.sse.map((e) => e.id));
  });

  it('meta.<field>= compares numbers by their text', async () => {
    const r = await both('meta.port=9001');
    expect(r.sse.map((e) => e.type)).toEqual(['model_state']);
    expect(r.ws.map((e) => e.id)).toEqual(r.sse.map((e) => e.id));
  });

  it('refuses an unknown type, severity or parameter with 400 JSON before any stream opens', async () => {
    for (const [q, field] of [
      ['types=cgrag,bogus', 'types'],
      ['severity=loud', 'severity'],
      ['min_severity=loud', 'min_severity'],
      ['colour=red', 'colour'],
      ['replay=-1', 'replay'],
      ['on_overflow=explode', 'on_overflow'],
      ['last_event_id=not-a-cursor!', 'last_event_id'],
    ]) {
      const res = await fetch(`${gw.url}/api/events/stream?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      expect(await res.json()).toMatchObject({ error: 'bad_subscription', field });
      const ws = await WsClient.open(`${gw.url.replace('http', 'ws')}/ws/events?${q}`).catch((e) => e);
      expect(ws.status, q).toBe(400);
      expect(JSON.parse(ws.body)).toMatchObject({ error: 'bad_subscription', field });
    }
  });
});
