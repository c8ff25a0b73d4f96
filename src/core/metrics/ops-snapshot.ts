/**
 * What the operations view draws, in one JSON answer: events per second by
 * severity over the last five minutes (arrived at the bus, and queued to
 * subscribers), subscribers by transport, the ten most behind, and the
 * totals of drops, slow disconnects and gaps. One pass over the
 * subscribers; the ten are picked without sorting everyone.
 */
import type { Bus } from '../bus.ts';
import type { Subscriber } from '../subscriber.ts';
import type { Telemetry } from './telemetry.ts';
import { topN } from './top.ts';

export interface OpsDeps {
  bus: Pick<Bus, 'backend' | 'running' | 'subscribers' | 'subscriberCount' | 'counters'>;
  telemetry: Telemetry;
  runtimeName: string;
  draining(): boolean;
}

export const LAGGARDS = 10;

export function opsSnapshot(deps: OpsDeps, now = Date.now()) {
  const { bus, telemetry: t } = deps;
  const byTransport = { sse: 0, ws: 0 };
  let queueEvents = 0;
  let queueBytes = 0;
  const all = bus.subscribers();
  const counted = {
    *[Symbol.iterator]() {
      for (const s of all) {
        byTransport[s.transport]++;
        queueEvents += s.queue.events;
        queueBytes += s.queue.eventBytes;
        yield s;
      }
    },
  };
  // Most behind: oldest queued age first (whole ms), queued bytes breaking ties (as a fraction of a ms).
  const behind = topN<Subscriber<any>>(
    counted,
    LAGGARDS,
    (s) => s.queue.ageMs(now) + s.queue.eventBytes / 2 ** 32,
    (s) => s.queue.events > 0,
  );
  const arrived = t.arrivedPerSecond.read(now);
  const delivered = t.deliveredPerSecond.read(now);
  const c = bus.counters;
  return {
    time: now,
    runtime: deps.runtimeName,
    running: bus.running && !deps.draining(),
    draining: deps.draining(),
    backend: bus.backend.health(),
    /** Unix second just after the last point of each series; points are one second apart, oldest first. */
    series_end: arrived.end,
    published_per_s: arrived.series,
    delivered_per_s: delivered.series,
    subscribers: { total: bus.subscriberCount, ...byTransport },
    queue_events: queueEvents,
    queue_bytes: queueBytes,
    totals: {
      published: c.published,
      delivered: c.delivered,
      dropped: c.dropped,
      overflow_discarded: c.overflow_discarded,
      slow_disconnects: c.slow_disconnects,
      gaps: Object.values(t.gaps).reduce((a, b) => a + b, 0),
    },
    gaps: { ...t.gaps },
    slow_disconnects: { ...t.slowDisconnectsBy },
    laggards: behind.map((s) => ({
      id: s.id,
      transport: s.transport,
      filter: s.filter,
      on_overflow: s.policy,
      queued_events: s.queue.events,
      queued_bytes: s.queue.eventBytes,
      lag_ms: s.queue.ageMs(now),
      delivered: s.delivered,
      dropped: s.dropped,
    })),
  };
}
