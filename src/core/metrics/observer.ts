/**
 * What the bus reports as it works, for metrics, the operations view and
 * logs. Each call is one increment or one sample: nothing here may slow the
 * hot path. `fannedOut` is called once per (filter group, event) match with
 * the group's size, never once per subscriber; `flushed` at most twice per
 * flush run (samples of delivery latency), not once per subscriber.
 */
import type { GapControl } from '../control.ts';
import type { Envelope } from '../event.ts';
import type { Severity } from '../schemas.ts';
import type { EndReason, Subscriber, Transport } from '../subscriber.ts';

export interface BusObserver {
  /** A batch this instance stored. */
  published(envs: readonly Envelope[]): void;
  /** Events that reached the bus from the store (this instance's and others'), at `now` ms. */
  arrived(envs: readonly Envelope[], now: number): void;
  /** `n` subscribers matched an event of this severity and had it queued. */
  fannedOut(severity: Severity, n: number): void;
  /** `n` events handed to a subscriber's transport stream. */
  delivered(transport: Transport, n: number): void;
  /** A sample of delivery latency from a flush run: how long an item waited from reaching the bus to its handover to the transport (first and last subscriber of the run). */
  flushed(ageMs: number): void;
  /** A subscriber of this transport was disconnected as slow; `lost` queued events were discarded. */
  slowDisconnect(transport: Transport, lost: number): void;
  /** A subscriber of this transport lost `lost` events by its drop policy. */
  dropped(transport: Transport, lost: number): void;
  /** A replay began with `gap`, or finished without one (undefined). */
  replayed(gap: GapControl | undefined): void;
  /** Live delivery broke (a shared store lost or trimmed events). */
  streamBreak(reason: GapControl['reason']): void;
  subscribed(sub: Subscriber<any>): void;
  ended(sub: Subscriber<any>, reason: EndReason): void;
}

const nothing = () => {};
/** An observer that does nothing (the bus's default). */
export const noObserver: BusObserver = {
  published: nothing,
  arrived: nothing,
  fannedOut: nothing,
  delivered: nothing,
  flushed: nothing,
  slowDisconnect: nothing,
  dropped: nothing,
  replayed: nothing,
  streamBreak: nothing,
  subscribed: nothing,
  ended: nothing,
};
