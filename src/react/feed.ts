/**
 * What one connection has received, as an immutable snapshot for React's
 * useSyncExternalStore: the newest events (at most `capacity`), the state,
 * the last cursor, the gap notices and the last error. Everything the client
 * reports between two frames is applied at once, on the next animation frame
 * (a timer where there is none), so a thousand events a second make one
 * snapshot, and one render, per frame. Each snapshot is a new object with new
 * arrays where something changed; none is ever mutated.
 */
import type { EventgateClient } from '../client/eventgate-client.ts';
import type { ClientError, ConnectionState, GapNotice, GatewayEvent, Off } from '../client/types.ts';

export interface FeedSnapshot {
  /** Oldest first. */
  readonly events: readonly GatewayEvent[];
  readonly state: ConnectionState;
  readonly cursor: string | null;
  readonly gaps: readonly GapNotice[];
  readonly error: ClientError | null;
}

/** Gap notices kept (the newest). */
export const GAP_LIMIT = 100;

const NONE: readonly never[] = Object.freeze([]);

export function emptySnapshot(state: ConnectionState, error: ClientError | null = null, cursor: string | null = null): FeedSnapshot {
  return Object.freeze({ events: NONE, state, cursor, gaps: NONE, error });
}

type Frame = (run: () => void) => () => void;

/** The next animation frame, or a timer of about one frame where there are none (a worker, Node). */
const nextFrame: Frame = (run) => {
  const g = globalThis as { requestAnimationFrame?: (f: () => void) => number; cancelAnimationFrame?: (id: number) => void };
  if (typeof g.requestAnimationFrame === 'function') {
    const id = g.requestAnimationFrame(run);
    return () => g.cancelAnimationFrame?.(id);
  }
  const t = setTimeout(run, 16);
  return () => clearTimeout(t);
};

export class Feed {
  #snapshot: FeedSnapshot;
  #capacity: number;
  /** Received since the last snapshot; never more than about twice the capacity. */
  #pending: GatewayEvent[] = [];
  #gaps: GapNotice[] = [];
  #state: ConnectionState;
  #error: ClientError | null = null;
  #client: EventgateClient<any> | null = null;
  #dirty = false;
  #cancelFrame: (() => void) | null = null;
  readonly #listeners = new Set<() => void>();
  readonly #offs: Off[] = [];

  constructor(initial: FeedSnapshot, capacity: number) {
    this.#snapshot = initial;
    this.#state = initial.state;
    this.#error = initial.error;
    this.#capacity = capacity;
  }

  get snapshot(): FeedSnapshot {
    return this.#snapshot;
  }

  /** Records what `client` reports, from now on. */
  attach(client: EventgateClient<any>): void {
    this.#client = client;
    this.#offs.push(
      client.on('*', (e) => this.#onEvent(e)),
      client.onGap((g) => {
        this.#gaps.push(g);
        this.#changed();
      }),
      client.onState((s) => {
        this.#state = s;
        this.#changed();
      }),
      client.onError((err) => {
        this.#error = err;
        this.#changed();
      }),
    );
  }

  /** Calls `fn` after each new snapshot. */
  subscribe(fn: () => void): Off {
    this.#listeners.add(fn);
    return () => void this.#listeners.delete(fn);
  }

  /** How many events to keep: the most any user of the connection asks for. */
  setCapacity(n: number): void {
    if (n === this.#capacity) return;
    this.#capacity = n;
    if (this.#snapshot.events.length > n) this.#changed();
  }

  /** Keeps only the events that pass `keep`, at once. */
  prune(keep: (e: GatewayEvent) => boolean): void {
    this.#pending = this.#pending.filter(keep);
    const events = this.#snapshot.events.filter(keep);
    if (events.length !== this.#snapshot.events.length) this.#snapshot = { ...this.#snapshot, events };
    this.#dirty = true;
    this.#flush();
  }

  /** Stops recording and cancels a pending frame. */
  detach(): void {
    for (const off of this.#offs.splice(0)) off();
    this.#cancelFrame?.();
    this.#cancelFrame = null;
    this.#client = null;
  }

  #onEvent(e: GatewayEvent): void {
    if (this.#capacity > 0) {
      this.#pending.push(e);
      // Only the newest `capacity` can be shown: drop the rest while no frame comes (a hidden tab).
      if (this.#pending.length >= 2 * this.#capacity + 64) this.#pending.splice(0, this.#pending.length - this.#capacity);
    }
    this.#changed();
  }

  #changed(): void {
    this.#dirty = true;
    this.#cancelFrame ??= nextFrame(() => {
      this.#cancelFrame = null;
      this.#flush();
    });
  }

  /** Makes the next snapshot from what was received, and tells the listeners. */
  #flush(): void {
    if (!this.#dirty) return;
    this.#dirty = false;
    const prev = this.#snapshot;
    const cap = this.#capacity;
    let events = prev.events;
    if (this.#pending.length > 0 || events.length > cap) {
      const fresh = this.#pending.length > cap ? this.#pending.slice(this.#pending.length - cap) : this.#pending;
      const keepOld = Math.min(events.length, cap - fresh.length);
      events = Object.freeze(events.slice(events.length - keepOld).concat(fresh));
      this.#pending = [];
    }
    let gaps = prev.gaps;
    if (this.#gaps.length > 0) {
      gaps = Object.freeze(prev.gaps.concat(this.#gaps).slice(-GAP_LIMIT));
      this.#gaps = [];
    }
    const cursor = this.#client?.lastEventId ?? prev.cursor;
    this.#snapshot = Object.freeze({ events, state: this.#state, cursor, gaps, error: this.#error });
    for (const fn of this.#listeners) fn();
  }
}
