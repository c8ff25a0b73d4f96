/**
 * What a subscriber is made with: its transport, filter, policy and marks,
 * its codec, the counters it reports to, and the hook told when it ends.
 */
import type { Codec } from './codec.ts';
import type { Filter } from './filter.ts';
import type { Subscriber } from './subscriber.ts';

export type Transport = 'sse' | 'ws';
export type OverflowPolicy = 'disconnect' | 'drop';
export type EndReason = 'overflow' | 'shutdown' | 'client_closed' | 'error' | 'unavailable';

export interface QueueLimits {
  /** Most messages queued (events, controls, replies) before the policy applies. */
  events: number;
  /** Most bytes queued before the policy applies. */
  bytes: number;
}

/** Totals a subscriber reports to (the bus's counters), shared by every subscriber. */
export interface SubscriberCounters {
  delivered(n: number): void;
  dropped(n: number): void;
  overflowed(lost: number): void;
}

export interface SubscriberOptions<T> {
  id: number;
  transport: Transport;
  filter: Filter;
  policy: OverflowPolicy;
  limits: QueueLimits;
  codec: Codec<T>;
  counters: SubscriberCounters;
  /** Called once when the subscriber ends, for any reason. */
  onEnd: (sub: Subscriber<T>, reason: EndReason) => void;
  /** After an overflow, how long the transport may take to hand over the signal before the stream is errored. */
  overflowGraceMs: number;
  /** Largest chunk one flush produces. */
  maxChunkItems?: number;
  /** A first chunk, handed over before anything else (the SSE opening). */
  initial?: T;
}

