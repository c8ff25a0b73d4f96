/**
 * The gateway's metric families (the README lists them), read at scrape from
 * the bus's counters, the telemetry, and one pass over the subscribers for
 * the gauges and the lag histogram. The counters are the same numbers
 * /api/events/stats reports. Labels come from fixed sets only.
 */
import type { Bus } from '../bus.ts';
import { exposition } from './exposition.ts';
import { Registry, type ScalarSample } from './registry.ts';
import { GAP_REASONS, REJECT_REASONS, TRANSPORTS, type Telemetry } from './telemetry.ts';

/** What the metrics need of the gateway. */
export interface GatewayMetricsDeps {
  bus: Pick<Bus, 'backend' | 'running' | 'subscribers' | 'counters'>;
  telemetry: Telemetry;
  runtimeName: string;
  draining(): boolean;
  emitFailures(): number;
  /** The runtime's own process metrics as exposition text (Node: prom-client's defaults), appended as they are. */
  processMetrics?: () => Promise<string> | string;
}

interface Scan {
  subscribers: Record<string, number>;
  queueEvents: number;
  queueBytes: number;
}

const one = (value: number): ScalarSample[] => [{ labels: {}, value }];
const each = <K extends string>(label: string, keys: readonly K[], values: Record<K, number>): ScalarSample[] => keys.map((k) => ({ labels: { [label]: k }, value: values[k] }));

export function gatewayMetrics(deps: GatewayMetricsDeps): { scrape(): Promise<string> } {
  const { bus, telemetry: t } = deps;
  const c = bus.counters;
  let scan: Scan = { subscribers: { sse: 0, ws: 0 }, queueEvents: 0, queueBytes: 0 };
  const r = new Registry();

  r.scalar('counter', 'eventgate_events_published_total', 'Events this instance stored (accepted publishes).', [], () => one(c.published));
  r.scalar('counter', 'eventgate_events_delivered_total', "Events handed to subscribers' transports.", ['transport'], () => each('transport', TRANSPORTS, t.deliveredBy));
  r.scalar(
    'counter',
    'eventgate_events_dropped_total',
    'Events a subscriber lost: by its drop policy, or discarded from its queue when it was disconnected as slow.',
    ['reason'],
    () => [
      { labels: { reason: 'drop_policy' }, value: c.dropped },
      { labels: { reason: 'overflow_discard' }, value: c.overflow_discarded },
    ],
  );
  r.scalar('counter', 'eventgate_slow_disconnects_total', 'Subscribers disconnected because they fell behind their queue limit.', ['transport'], () =>
    each('transport', TRANSPORTS, t.slowDisconnectsBy),
  );
  r.scalar('counter', 'eventgate_publish_rejected_total', 'Publish requests refused, by reason.', ['reason'], () => each('reason', REJECT_REASONS, t.rejected));
  r.scalar('counter', 'eventgate_publish_failures_total', 'Events whose publish failed in the store.', [], () => one(c.publish_failures));
  r.scalar('counter', 'eventgate_emit_failures_total', 'Typed emitter calls that failed.', [], () => one(deps.emitFailures()));
  r.scalar('counter', 'eventgate_subscriptions_total', 'Subscribers opened since start.', [], () => one(c.subscribers_total));
  r.scalar('counter', 'eventgate_replays_total', 'Replays finished, with or without a gap signal first.', ['outcome'], () => [
    { labels: { outcome: 'full' }, value: t.replays.full },
    { labels: { outcome: 'gap' }, value: t.replays.gap },
  ]);
  r.scalar('counter', 'eventgate_gaps_total', 'Gap signals: a replay that could not start at its cursor, or live delivery that broke.', ['reason'], () =>
    each('reason', GAP_REASONS, t.gaps),
  );

  r.scalar('gauge', 'eventgate_subscribers', 'Subscribers connected now.', ['transport'], () =>
    TRANSPORTS.map((k) => ({ labels: { transport: k }, value: scan.subscribers[k] ?? 0 })),
  );
  r.scalar('gauge', 'eventgate_queue_events', 'Events queued for all subscribers.', [], () => one(scan.queueEvents));
  r.scalar('gauge', 'eventgate_queue_bytes', 'Bytes queued for all subscribers.', [], () => one(scan.queueBytes));
  r.scalar('gauge', 'eventgate_history_events', 'Events held in history for replay.', [], () => {
    const w = bus.backend.window();
    return one(w.oldest === null ? 0 : w.head - w.oldest + 1);
  });
  r.scalar('gauge', 'eventgate_backend_up', '1 while the store is reachable.', [], () => one(bus.backend.health().ok ? 1 : 0));
  r.scalar('gauge', 'eventgate_draining', '1 while the gateway drains (shutting down).', [], () => one(deps.draining() ? 1 : 0));
  r.scalar('gauge', 'eventgate_info', 'Always 1; the runtime and the backend as labels.', ['runtime', 'backend'], () => [
    { labels: { runtime: deps.runtimeName, backend: bus.backend.kind }, value: 1 },
  ]);

  r.histogram(
    'eventgate_delivery_latency_seconds',
    "From an event reaching this gateway's bus (its publish accepted, on memory; read from the stream, on Redis) to its bytes being handed to a subscriber's socket; sampled at the first and the last subscriber of each flush run.",
    [],
    () => [t.deliveryLatency.sample()],
  );
  r.histogram('eventgate_subscriber_lag_seconds', "Age of each subscriber's oldest queued event, observed at each scrape of /metrics.", [], () => [t.subscriberLag.sample()]);
  r.histogram('eventgate_publish_batch_events', 'Events per stored publish.', [], () => [t.batchEvents.sample()]);

  return {
    async scrape() {
      const now = Date.now();
      const next: Scan = { subscribers: { sse: 0, ws: 0 }, queueEvents: 0, queueBytes: 0 };
      for (const s of bus.subscribers()) {
        next.subscribers[s.transport] = (next.subscribers[s.transport] ?? 0) + 1;
        next.queueEvents += s.queue.events;
        next.queueBytes += s.queue.eventBytes;
        t.subscriberLag.observe(s.queue.ageMs(now) / 1000);
      }
      scan = next;
      const own = exposition(r);
      const proc = deps.processMetrics ? await deps.processMetrics() : '';
      return proc ? own + (proc.endsWith('\n') ? proc : `${proc}\n`) : own;
    },
  };
}
