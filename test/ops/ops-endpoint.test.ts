/**
 * GET /api/ops, the operations view's data, against a real gateway: the
 * per-second series count what was published and delivered, by severity;
 * subscribers by transport; the most-behind list names the stalled
 * subscribers, most behind first, and no subscriber that keeps up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeServer } from '../../src/runtimes/node/server.ts';
import { publish, sampleEvent, startGateway } from '../helpers/server.ts';
import { SseReader } from '../helpers/sse.ts';
import { StalledClient } from '../helpers/stalled.ts';
import { WsClient } from '../helpers/ws.ts';

let gw: NodeServer;
beforeAll(async () => {
  gw = await startGateway({ QUEUE_MAX_EVENTS: '100000', QUEUE_MAX_BYTES: '268435456', MAX_BODY_BYTES: '8388608' });
});
afterAll(() => gw.stop());

const ops = async () => (await fetch(`${gw.url}/api/ops`)).json() as Promise<any>;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const pad = 'x'.repeat(16 * 1024);

describe('GET /api/ops', () => {
  it('counts published and delivered events per second by severity, and subscribers by transport', async () => {
    const sse = await SseReader.open(`${gw.url}/api/events/stream?replay=0&severity=error`);
    const ws = await WsClient.open(`${gw.url.replace('http', 'ws')}/ws/events?replay=0`);
    await sse.until((r) => r.named('ready').length === 1);
    await ws.ready();
    const batch = [sampleEvent('error'), sampleEvent('error'), sampleEvent('cache', {}, 'warning'), sampleEvent('cgrag', {}, 'info'), sampleEvent('cgrag', {}, 'info')];
    expect((await publish(gw.url, batch)).status).toBe(202);
    await ws.until((c) => c.events.length === 5);
    await sse.until((r) => r.events.length === 2);
    // The current second is still filling: wait until it has passed into the series.
    await expect.poll(async () => sum((await ops()).published_per_s.info), { timeout: 5000 }).toBe(2);
    const o = await ops();
    expect({ info: sum(o.published_per_s.info), warning: sum(o.published_per_s.warning), error: sum(o.published_per_s.error) }).toEqual({ info: 2, warning: 1, error: 2 });
    expect({ info: sum(o.delivered_per_s.info), warning: sum(o.delivered_per_s.warning), error: sum(o.delivered_per_s.error) }).toEqual({ info: 2, warning: 1, error: 4 });
    expect(o.subscribers).toEqual({ total: 2, sse: 1, ws: 1 });
    expect(o.laggards).toEqual([]);
    expect(o.published_per_s.info).toHaveLength(300);
    sse.close();
    ws.close();
    await expect.poll(async () => (await ops()).subscribers.total).toBe(0);
  });

  it('lists the stalled subscribers, most behind first, with transport, filter, queue and lag, and not the one that reads', async () => {
    const first = await StalledClient.open(gw.url, '/api/events/stream?replay=0&types=cache');
    const reader = await SseReader.open(`${gw.url}/api/events/stream?replay=0&types=cache`);
    await reader.until((r) => r.named('ready').length === 1);
    const big = () => Array.from({ length: 50 }, () => sampleEvent('cache', { pad }));
    for (let i = 0; i < 10; i++) expect((await publish(gw.url, big())).status).toBe(202);
    const second = await StalledClient.open(gw.url, '/ws/events?replay=0&types=cache&min_severity=info', true);
    for (let i = 0; i < 10; i++) expect((await publish(gw.url, big())).status).toBe(202);
    await reader.until((r) => r.events.length === 1000, 30_000, 'every event');
    await expect.poll(async () => (await ops()).laggards.length, { timeout: 10_000 }).toBe(2);
    const o = await ops();
    const [a, b] = o.laggards;
    expect(a).toMatchObject({ transport: 'sse', filter: { types: ['cache'] }, queued_events: expect.any(Number) });
    expect(b).toMatchObject({ transport: 'ws', filter: { types: ['cache'], min_severity: 'info' } });
    expect(a.lag_ms).toBeGreaterThanOrEqual(b.lag_ms);
    expect(a.queued_events).toBeGreaterThan(0);
    expect(b.queued_events).toBeGreaterThan(0);
    expect(o.queue_events).toBeGreaterThanOrEqual(a.queued_events + b.queued_events);
    first.destroy();
    second.destroy();
    reader.close();
  }, 60_000);
});
