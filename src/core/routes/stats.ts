/**
 * GET /api/events/stats: totals, and per subscriber its transport, filter,
 * queue and lag, so a slow consumer is visible before it is cut off.
 */
import type { AuthCounters } from '../auth/limits.ts';
import type { Bus } from '../bus.ts';
import type { Subscriber } from '../subscriber.ts';
import { topK } from '../top-k.ts';

/** The most subscribers one answer lists (`limit` above it is capped). */
export const STATS_LIST_MAX = 10_000;

const ranksBefore = (a: Subscriber<any>, b: Subscriber<any>) => a.queue.eventBytes > b.queue.eventBytes || (a.queue.eventBytes === b.queue.eventBytes && a.id < b.id);

/** What the stats route needs. */
export interface StatsDeps {
  bus: Pick<Bus, 'backend' | 'running' | 'subscribers' | 'subscriberCount' | 'counters'>;
  /** Refusals by the auth checks and the limits. */
  auth?: AuthCounters;
  runtimeName: string;
  historyCapacity: number;
  startedAt: number;
  draining(): boolean;
  emitFailures(): number;
}

/**
 * `limit` caps the per-subscriber list (at most STATS_LIST_MAX), most-queued
 * first; the totals always cover everyone. The listed ones are chosen with a
 * bounded heap and only they are described: with 100,000 subscribers an
 * answer costs two passes over them, O(n log k), never a sort of all. No token is ever shown.
 */
export function statsSnapshot(deps: StatsDeps, limit = 1000) {
  const now = Date.now();
  const bus = deps.bus;
  const win = bus.backend.window();
  const byTransport = { sse: 0, ws: 0 };
  let queueSize = 0;
  let queueBytes = 0;
  for (const s of bus.subscribers()) {
    byTransport[s.transport]++;
    queueSize += s.queue.events;
    queueBytes += s.queue.eventBytes;
  }
  const listed = topK(bus.subscribers(), Math.min(limit, STATS_LIST_MAX), ranksBefore).map((s) => ({
    id: s.id,
    transport: s.transport,
    filter: s.filter,
    on_overflow: s.policy,
    connected_ms: now - s.createdAt,
    queued_events: s.queue.events,
    queued_bytes: s.queue.eventBytes,
    lag_ms: s.queue.ageMs(now),
    delivered: s.delivered,
    dropped: s.dropped,
    last_event_id: s.lastDelivered,
  }));
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
    totals: { ...bus.counters, emit_failures: deps.emitFailures(), ...deps.auth },
    subscribers_listed: listed.length,
    subscribers: listed,
  };
}
