/**
 * GET /metrics read by a real Prometheus: a known workload published to two
 * subscribers (SSE with a type filter, WebSocket with none) reads back
 * through Prometheus's HTTP API as exactly what happened, and agrees with
 * /api/events/stats; the exposition passes `promtool check metrics`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeServer } from '../../src/runtimes/node/server.ts';
import { publish, sampleEvent, startGateway, TYPES } from '../helpers/server.ts';
import { SseReader } from '../helpers/sse.ts';
import { WsClient } from '../helpers/ws.ts';
import { promtoolCheck, startPrometheus, type RunningPrometheus } from './prometheus.ts';

let gw: NodeServer;
let prom: RunningPrometheus;
beforeAll(async () => {
  gw = await startGateway();
  prom = await startPrometheus(`127.0.0.1:${gw.port}`);
}, 60_000);
afterAll(async () => {
  await prom?.stop();
  await gw?.stop();
});

/** Batches of 1, 4 and 20 events cycling through the six types (25 events). */
function workload(): Record<string, unknown>[][] {
  const sizes = [1, 4, 20];
  let i = 0;
  return sizes.map((n) => Array.from({ length: n }, () => sampleEvent(TYPES[i++ % TYPES.length]!)));
}

describe('Prometheus scraping /metrics', () => {
  it('reads back the published and delivered counts of a known workload, per transport, matching the stats', async () => {
    await prom.until('up{job="eventgate"}', 1);
    const sse = await SseReader.open(`${gw.url}/api/events/stream?replay=0&types=error,cache`);
    const ws = await WsClient.open(`${gw.url.replace('http', 'ws')}/ws/events?replay=0`);
    await sse.until((r) => r.named('ready').length === 1);
    await ws.ready();
    const batches = workload();
    for (const b of batches) expect((await publish(gw.url, b)).status).toBe(202);
    const all = batches.flat();
    const forSse = all.filter((e) => e.type === 'error' || e.type === 'cache').length;
    const bad = await fetch(`${gw.url}/api/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' });
    expect(bad.status).toBe(400);
    await ws.until((c) => c.events.length === all.length);
    await sse.until((r) => r.events.length === forSse);

    await prom.until('eventgate_events_published_total', all.length);
    await prom.until('eventgate_events_delivered_total{transport="ws"}', all.length);
    await prom.until('eventgate_events_delivered_total{transport="sse"}', forSse);
    await prom.until('sum(eventgate_events_delivered_total)', all.length + forSse);
    await prom.until('eventgate_publish_rejected_total{reason="invalid_json"}', 1);
    await prom.until('eventgate_publish_batch_events_count', batches.length);
    await prom.until('eventgate_publish_batch_events_sum', all.length);
    await prom.until('sum(eventgate_subscribers)', 2);
    await prom.until('eventgate_replays_total{outcome="full"}', 2);
    expect(await prom.value('eventgate_events_dropped_total{reason="drop_policy"}')).toBe(0);
    expect(await prom.value('process_resident_memory_bytes')).toBeGreaterThan(0);

    const stats = (await (await fetch(`${gw.url}/api/events/stats`)).json()) as any;
    expect(stats.totals.published).toBe(await prom.value('eventgate_events_published_total'));
    expect(stats.totals.delivered).toBe(await prom.value('sum(eventgate_events_delivered_total)'));
    expect(stats.totals.slow_disconnects).toBe(await prom.value('sum(eventgate_slow_disconnects_total)'));
    sse.close();
    ws.close();
  }, 90_000);

  it('serves an exposition that promtool check metrics finds no problem in, with HELP and TYPE for every family', async () => {
    const res = await fetch(`${gw.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    expect(promtoolCheck(text)).toEqual({ status: 0, problems: '' });
    for (const name of [
      'eventgate_events_published_total',
      'eventgate_events_delivered_total',
      'eventgate_events_dropped_total',
      'eventgate_slow_disconnects_total',
      'eventgate_publish_rejected_total',
      'eventgate_replays_total',
      'eventgate_gaps_total',
      'eventgate_subscribers',
      'eventgate_queue_events',
      'eventgate_queue_bytes',
      'eventgate_history_events',
      'eventgate_backend_up',
      'eventgate_draining',
      'eventgate_delivery_latency_seconds',
      'eventgate_subscriber_lag_seconds',
      'eventgate_publish_batch_events',
      'process_resident_memory_bytes',
      'process_cpu_seconds_total',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
      expect(text).toContain(`# HELP ${name} `);
    }
    expect(text).not.toMatch(/nodejs_active_(handles|requests|resources)_total/);
  });
});
