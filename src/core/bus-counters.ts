/**
 * The bus's totals (what /api/events/stats and /metrics report), and what
 * each transport's subscribers report their deliveries and losses to: the
 * totals, and the observer (per transport, for metrics and logs).
 */
import type { BusObserver } from './metrics/observer.ts';
import type { SubscriberCounters, Transport } from './subscriber.ts';

export interface BusCounters {
  published: number;
  delivered: number;
  dropped: number;
  slow_disconnects: number;
  overflow_discarded: number;
  publish_failures: number;
  publish_rejected: number;
  subscribers_total: number;
}

export function newBusCounters(): BusCounters {
  return { published: 0, delivered: 0, dropped: 0, slow_disconnects: 0, overflow_discarded: 0, publish_failures: 0, publish_rejected: 0, subscribers_total: 0 };
}

/** One SubscriberCounters per transport, adding to `counters` and telling `obs`. */
export function transportCounters(counters: BusCounters, obs: BusObserver): Record<Transport, SubscriberCounters> {
  const forTransport = (transport: Transport): SubscriberCounters => ({
    delivered: (n) => {
      counters.delivered += n;
      obs.delivered(transport, n);
    },
    dropped: (n) => {
      counters.dropped += n;
      obs.dropped(transport, n);
    },
    overflowed: (lost) => {
      counters.slow_disconnects++;
      counters.overflow_discarded += lost;
      obs.slowDisconnect(transport, lost);
    },
  });
  return { sse: forTransport('sse'), ws: forTransport('ws') };
}
