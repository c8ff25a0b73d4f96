/**
 * GET /api/events/stats: totals, and per subscriber its transport, filter,
 * queue and lag, so a slow consumer is visible before it is cut off.
 */
import type { Bus } from '../bus.ts';

/** What the stats route needs. */
export interface StatsDeps {
  bus: Pick<Bus, 'backend' | 'running' | 'subscribers' | 'subscriberCount' | 'counters'>;
  runtimeName: string;
  historyCapacity: number;
  startedAt: number;
  draining(): boolean;
  emitFailures(): number;
}

/** `limit` caps the per-subscriber list, most-queued first (the totals always cover everyone). */
export function statsSnapshot(deps: StatsDeps, limit = 1000) {
  const now = Date.now();
  const bus = deps.bus;
  const win = bus.backend.window();
  const byTransport = { sse: 0, ws: 0 };
  let queueSize = 0;
  let queueBytes = 0;
  const subscribers = [];
  for (const s of bus.subscribers()) {
    byTransport[s.transport]++;
    queueSize += s.queuedEvents;
    queueBytes += s.queuedBytes;
    subscribers.push({
      id: s.id,
      transport: s.transport,
      filter: s.filter,
      on_overflow: s.policy,
      connected_ms: now - s.createdAt,
      queued_events: s.queuedEvents,
      queued_bytes: s.queuedBytes,
      lag_ms: s.oldestQueuedMs(now),
      delivered: s.delivered,
      dropped: s.dropped,
      last_event_id: s.lastDelivered,
    });
  }
  subscribers.sort((a, b) => b.queued_bytes - a.queued_bytes || a.id - b.id);
  const listed = subscribers.length > limit ? subscribers.slice(0, limit) : subscribers;
  return {
    running: bus.running && !deps.draining(),
    draining: deps.draining(),
    runtime: deps.runtimeName,
    backend: bus.backend.health(),
    uptime_s: Math.round((now - deps.startedAt) / 1000),
    epoch: win.epoch,
    head: win.head > 0 ? `${win.epoch}-${win.head}` : null,
    active_subscribers: bus.subscriberCount,
    active_by_transport: byTransport,
    queue_size: queueSize,
    queue_bytes: queueBytes,
    history_size: win.oldest === null ? 0 : win.head - win.oldest + 1,
    history_capacity: deps.historyCapacity,
    totals: { ...bus.counters, emit_failures: deps.emitFailures() },
    subscribers_listed: listed.length,
    subscribers: listed,
  };
}
