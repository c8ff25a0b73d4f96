/**
 * The bus: takes validated events to the backend, and fans every stored
 * event out to the subscribers whose filter matches. Subscribers with equal
 * filters share one group, so a publish tests each distinct filter once.
 *
 * Replay never races live delivery: a new subscriber is registered first
 * (live events are held aside for it), history after its cursor is read and
 * queued, then the held events newer than the last replayed one follow.
 */
import type { Backend, StreamBreak } from './store.ts';
import type { Codec } from './codec.ts';
import { HEARTBEAT, type Control } from './control.ts';
import { formatCursor } from './cursor.ts';
import { readReplay } from './replay.ts';
import { noObserver, type BusObserver } from './metrics/observer.ts';
import type { Envelope, NewEvent } from './event.ts';
import { compileFilter, filterKey, type Filter } from './filter.ts';
import { Subscriber, type EndReason, type OverflowPolicy, type QueueLimits, type Transport } from './subscriber.ts';

/** Runs `fn` after the I/O callbacks of this event-loop turn (setImmediate where there is one). */
const defer: (fn: () => void) => void =
  typeof (globalThis as { setImmediate?: unknown }).setImmediate === 'function'
    ? (fn) => void (globalThis as unknown as { setImmediate(f: () => void): unknown }).setImmediate(fn)
    : queueMicrotask;

export interface BusOptions {
  limits: QueueLimits;
  /** How long an overflowing or shut-down stream may take to hand over its last signal. */
  overflowGraceMs: number;
  /** Events replayed to a new subscriber without a cursor. */
  replayDefault: number;
  /** Upper bound on any replay (the history size). */
  replayMax: number;
  /** Called with problems the bus cannot hand to a caller. */
  onError?: (err: unknown, where: string) => void;
  /** Told what the bus does, for metrics and logs (metrics/observer.ts). */
  observer?: BusObserver;
}

export interface SubscribeOptions<T> {
  transport: Transport;
  filter: Filter;
  policy: OverflowPolicy;
  codec: Codec<T>;
  /** Resume after this cursor (Last-Event-ID). */
  cursor?: string | null;
  /** Without a cursor: how many recent matching events to replay. */
  replay?: number;
  /** A first chunk for the stream (the SSE opening). */
  initial?: T;
  /** Told once when the subscriber ends, with why. */
  onEnd?: (reason: EndReason) => void;
}

interface Group {
  match: (e: Envelope['event']) => boolean;
  subs: Set<Subscriber<any>>;
}

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

export class Bus {
  readonly backend: Backend;
  readonly #o: BusOptions;
  readonly #obs: BusObserver;
  readonly #groups = new Map<string, Group>();
  readonly #subs = new Map<number, Subscriber<any>>();
  /** Live events held for subscribers still replaying. */
  readonly #held = new Map<Subscriber<any>, Envelope[]>();
  #nextId = 1;
  #running = false;
  /** Breaks in live delivery so far (a replay that saw one starts over). */
  #breaks = 0;
  readonly counters: BusCounters = {
    published: 0,
    delivered: 0,
    dropped: 0,
    slow_disconnects: 0,
    overflow_discarded: 0,
    publish_failures: 0,
    publish_rejected: 0,
    subscribers_total: 0,
  };

  constructor(backend: Backend, o: BusOptions) {
    this.backend = backend;
    this.#o = o;
    this.#obs = o.observer ?? noObserver;
  }

  get running(): boolean {
    return this.#running;
  }

  async start(): Promise<void> {
    await this.backend.open((envs) => this.#deliver(envs), { onBreak: (b) => this.#onBreak(b) });
    this.#running = true;
  }

  /** Stores a batch (atomically) and fans it out; resolves with the stored envelopes. */
  async publish(events: NewEvent[]): Promise<Envelope[]> {
    try {
      const envs = await this.backend.append(events);
      this.counters.published += envs.length;
      this.#obs.published(envs);
      return envs;
    } catch (err) {
      this.counters.publish_failures += events.length;
      throw err;
    }
  }

  #deliver(envs: Envelope[]): void {
    const now = Date.now();
    const dirty = this.#dirty;
    const held = this.#held;
    const anyHeld = held.size > 0;
    const obs = this.#obs;
    obs.arrived(envs, now);
    for (const group of this.#groups.values()) {
      for (let i = 0; i < envs.length; i++) {
        const env = envs[i]!;
        if (!group.match(env.event)) continue;
        obs.fannedOut(env.event.severity, group.subs.size);
        for (const sub of group.subs) {
          const h = anyHeld ? held.get(sub) : undefined;
          if (h) h.push(env);
          else if (sub.push(env, now) && !sub.flushQueued) {
            sub.flushQueued = true;
            dirty.push(sub);
          }
        }
      }
    }
    if (dirty.length > 0 && !this.#flushScheduled) {
      this.#flushScheduled = true;
      defer(this.#flushDirty);
    }
  }

  /**
   * Subscribers waiting for data get what was queued for them once per turn
   * of the event loop, not once per publish: publishes read in the same turn
   * (several publish requests, a backend read of many entries) reach each
   * subscriber as one chunk, so one socket write.
   */
  #dirty: Subscriber<any>[] = [];
  #flushScheduled = false;
  readonly #flushDirty = (): void => {
    this.#flushScheduled = false;
    const dirty = this.#dirty;
    this.#dirty = [];
    if (dirty.length > 0) this.#obs.flushed(dirty[0]!.oldestQueuedMs());
    for (let i = 0; i < dirty.length; i++) {
      const sub = dirty[i]!;
      sub.flushQueued = false;
      sub.flush();
    }
  };

  /**
   * Live delivery skipped (a shared store lost or trimmed what this instance
   * had not delivered yet): every live subscriber is told with a gap, and
   * replays in flight start over. A new epoch restarts offsets.
   */
  #onBreak(b: StreamBreak): void {
    this.#breaks++;
    this.#obs.streamBreak(b.reason);
    const now = Date.now();
    const message =
      b.reason === 'unknown_epoch'
        ? 'the shared store lost its history (flushed or replaced); events after requested may be lost, and cursors now carry a new epoch'
        : `the shared store trimmed ${b.missed ?? 'some'} events before this gateway could deliver them`;
    for (const sub of this.#subs.values()) {
      if (this.#held.has(sub)) {
        this.#held.set(sub, []);
        continue;
      }
      sub.control({ control: 'gap', requested: b.after ?? '', reason: b.reason, resume_from: b.resume_from, missed: b.missed, message }, now);
      if (b.reason === 'unknown_epoch') sub.lastQueuedOffset = -1;
    }
  }

  get subscriberCount(): number {
    return this.#subs.size;
  }

  subscribers(): IterableIterator<Subscriber<any>> {
    return this.#subs.values();
  }

  /** Registers a subscriber and starts its replay; the stream is usable at once. */
  subscribe<T>(o: SubscribeOptions<T>): Subscriber<T> {
    const sub = new Subscriber<T>({
      id: this.#nextId++,
      transport: o.transport,
      filter: o.filter,
      policy: o.policy,
      limits: this.#o.limits,
      codec: o.codec,
      overflowGraceMs: this.#o.overflowGraceMs,
      maxChunkItems: 4096,
      initial: o.initial,
      onEnd: (s, reason) => {
        this.#remove(s, reason);
        this.#obs.ended(s, reason);
        o.onEnd?.(reason);
      },
    });
    sub.onDelivered = (n) => {
      this.counters.delivered += n;
      this.#obs.delivered(sub.transport, n);
    };
    sub.setCounters(
      (s, lost) => {
        this.counters.slow_disconnects++;
        this.counters.overflow_discarded += lost;
        this.#obs.slowDisconnect(s, lost);
      },
      (s, lost) => {
        this.counters.dropped += lost;
        this.#obs.dropped(s, lost);
      },
    );
    this.#obs.subscribed(sub);
    this.counters.subscribers_total++;
    this.#subs.set(sub.id, sub);
    this.#held.set(sub, []);
    this.#join(sub);
    void this.#replay(sub, o.cursor ?? null, o.replay ?? this.#o.replayDefault);
    return sub;
  }

  /** Changes a live subscriber's filter; applies to events published from now on. */
  setFilter(sub: Subscriber<any>, filter: Filter): void {
    this.#leave(sub);
    sub.filter = filter;
    this.#join(sub);
  }

  #join(sub: Subscriber<any>): void {
    const key = filterKey(sub.filter);
    let g = this.#groups.get(key);
    if (!g) this.#groups.set(key, (g = { match: compileFilter(sub.filter), subs: new Set() }));
    g.subs.add(sub);
    sub.groupKey = key;
  }

  #leave(sub: Subscriber<any>): void {
    const g = this.#groups.get(sub.groupKey);
    if (!g) return;
    g.subs.delete(sub);
    if (g.subs.size === 0) this.#groups.delete(sub.groupKey);
  }

  #remove(sub: Subscriber<any>, _reason: EndReason): void {
    if (!this.#subs.delete(sub.id)) return;
    this.#held.delete(sub);
    this.#leave(sub);
  }

  async #replay(sub: Subscriber<any>, cursorText: string | null, replayN: number): Promise<void> {
    const match = compileFilter(sub.filter);
    let attempt = 0;
    for (;;) {
      if (sub.ended) return;
      try {
        const breaks = this.#breaks;
        const { events, gap, window } = await readReplay(this.backend, cursorText, replayN, this.#o.replayMax, (e) => match(e.event));
        if (sub.ended) return;
        if (this.#breaks !== breaks) continue; // live delivery broke meanwhile: read again
        if (gap) sub.control(gap);
        this.#obs.replayed(gap);
        let replayed = 0;
        for (const env of events) {
          if (match(env.event)) {
            sub.pushReplay(env);
            replayed++;
          }
        }
        const held = this.#held.get(sub) ?? [];
        this.#held.delete(sub);
        const now = Date.now();
        for (const env of held) sub.push(env, now);
        sub.control({
          control: 'ready',
          filter: sub.filter,
          replayed,
          head: window.head > 0 ? formatCursor(window.epoch, window.head) : null,
        });
        sub.flush();
        return;
      } catch (err) {
        // The store is unreachable: keep the subscriber, hold its live events, and try again.
        this.#o.onError?.(err, 'replay');
        await new Promise((r) => setTimeout(r, Math.min(5000, 250 * 2 ** attempt++)));
      }
    }
  }

  /** Sends a keep-alive comment to every SSE subscriber. */
  heartbeat(): void {
    const now = Date.now();
    for (const sub of this.#subs.values()) if (sub.transport === 'sse') sub.control(HEARTBEAT, now);
  }

  /** Ends every subscriber with a final control (shutdown). */
  endAll(reason: EndReason, last: () => Control): void {
    for (const sub of [...this.#subs.values()]) sub.end(reason, last());
  }

  async close(): Promise<void> {
    this.#running = false;
    await this.backend.close();
  }
}
