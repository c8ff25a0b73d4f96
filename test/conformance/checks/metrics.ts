/**
 * Operators' endpoints on every runtime: GET /metrics is Prometheus text
 * that `promtool check metrics` finds no problem in, with every family the
 * README lists; its counters move with what happened and agree with
 * /api/events/stats; the probes answer; /api/ops answers JSON.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { publish, publishOk, runMarker, sample, sse, sseReady, stats } from './client.ts';
import type { Target } from './target.ts';

const FAMILIES = [
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
];

async function scrape(t: Target): Promise<{ text: string; value(sample: string): number }> {
  const res = await fetch(`${t.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  const text = await res.text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    values.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return {
    text,
    value(s) {
      const v = values.get(s);
      if (v === undefined) throw new Error(`no sample ${s} in /metrics`);
      return v;
    },
  };
}

export function metricsChecks(t: () => Target): void {
  describe('metrics and probes', () => {
    it('serves /metrics as Prometheus text that promtool check metrics finds no problem in', async () => {
      const { text } = await scrape(t());
      for (const name of FAMILIES) expect(text, name).toMatch(new RegExp(`^# HELP ${name} .+\\n# TYPE ${name} (counter|gauge|histogram)$`, 'm'));
      const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect({ status: r.status, problems: `${r.stdout}${r.stderr}`.trim() }).toEqual({ status: 0, problems: '' });
      expect(text).toMatch(new RegExp(`^eventgate_info\\{runtime="${t().runtime}",backend="[a-z_-]+"\\} 1$`, 'm'));
      // The runtime's own process metrics, where it has them (not on Workers: an isolate has no process to measure).
      if (t().runtime !== 'workers') expect(text).toMatch(/^process_resident_memory_bytes \d+(\.\d+)?(e\+\d+)?$/m);
    });

    it('counts a published batch, its delivery to an SSE subscriber and a refused publish, the same as the stats', async () => {
      const run = runMarker();
      const r = await sse(t(), `replay=0&meta.run=${run}`);
      await sseReady(r);
      const before = await scrape(t());
      await publishOk(t(), [sample('error', run), sample('cache', run), sample('cgrag', run)]);
      expect((await publish(t(), '{not json', { 'content-type': 'application/json' })).status).toBe(400);
      await r.until((x) => x.events.length === 3);
      const after = await scrape(t());
      const s = await stats(t());
      const moved = (name: string) => after.value(name) - before.value(name);
      expect(moved('eventgate_events_published_total')).toBe(3);
      expect(moved('eventgate_events_delivered_total{transport="sse"}')).toBeGreaterThanOrEqual(3);
      expect(moved('eventgate_publish_rejected_total{reason="invalid_json"}')).toBe(1);
      expect(moved('eventgate_publish_batch_events_count')).toBe(1);
      expect(after.value('eventgate_events_published_total')).toBe(s.totals.published);
      expect(after.value('eventgate_events_delivered_total{transport="sse"}') + after.value('eventgate_events_delivered_total{transport="ws"}')).toBe(s.totals.delivered);
      expect(after.value('eventgate_events_dropped_total{reason="drop_policy"}')).toBe(s.totals.dropped);
      expect(after.value('eventgate_slow_disconnects_total{transport="sse"}') + after.value('eventgate_slow_disconnects_total{transport="ws"}')).toBe(s.totals.slow_disconnects);
      expect(after.value('eventgate_subscribers{transport="sse"}')).toBeGreaterThanOrEqual(1);
      expect(after.value('eventgate_backend_up')).toBe(1);
      expect(after.value('eventgate_draining')).toBe(0);
      r.close();
    });

    it('answers the probes: /health/live 200, /health/ready 200 while it can serve', async () => {
      const live = await fetch(`${t().url}/health/live`);
      expect(live.status).toBe(200);
      expect(await live.json()).toEqual({ status: 'ok' });
      const ready = await fetch(`${t().url}/health/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ok', backend: { ok: true } });
    });

    it('answers /api/ops with five minutes of per-second series by severity and the subscribers by transport', async () => {
      const res = await fetch(`${t().url}/api/ops`);
      expect(res.status).toBe(200);
      const o = (await res.json()) as any;
      for (const k of ['published_per_s', 'delivered_per_s']) {
        for (const sev of ['info', 'warning', 'error']) expect(o[k][sev]).toHaveLength(300);
      }
      expect(o.subscribers).toMatchObject({ total: expect.any(Number), sse: expect.any(Number), ws: expect.any(Number) });
      expect(Array.isArray(o.laggards)).toBe(true);
    });
  });
}
