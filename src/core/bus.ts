/**
 * The bus: takes validated events to the backend, and fans every stored
 * event out to the subscribers whose filter matches. Subscribers with equal
 * filters share one group, so a publish tests each distinct filter once.
 * Everything about one subscriber (its queue, its replay state, the live
 * events held while it replays) is the subscriber's own.
 *
 * Replay never races live delivery: a new subscriber is registered first
 * (it holds live events aside itself), history after its cursor is read and
 * queued page by page, then the held events newer than the last replayed
 * one follow. At most `replaySlots` pages are read at once. A failed read
 * ends the subscriber with an `unavailable` signal naming where it stands.
 */
import type { Backend, StreamBreak } from './store.ts';
import type { Codec } from './codec.ts';
import { HEARTBEAT, type Control, type GapControl } from './control.ts';
import { formatCursor } from './cursor.ts';
import { replay } from './replay.ts';
import { ReplayGate } from './replay-gate.ts';
import { newBusCounters, transportCounters, type BusCounters } from './bus-counters.ts';
import { noObserver, type BusObserver } from './metrics/observer.ts';
import type { Envelope, NewEvent } from './event.ts';
import { compileFilter, type Filter } from './filter.ts';
import type { IdempotencyClaim, OnceResult } from './idempotency.ts';
import { Subscriber, type EndReason, type OverflowPolicy, type QueueLimits, type SubscriberCounters, type Transport } from './subscriber.ts';

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
  /** Pages of history read at once by all replays together; the others wait their turn. Default 2. */
  replaySlots?: number;
  /** History entries read per page of a replay. Default 128. */
  replayPage?: number;
  /** How long a client whose replay failed is told to wait before reconnecting (jittered up to twice that). Default 2000. */
  unavailableRetryMs?: number;
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
  /** Resume after this cursor (Last-Event-ID, as the client sent it). */
  cursor?: string | null;
  /** Without a cursor: how many recent matching events to replay. */
  replay?: number;
  /** A first chunk for the stream (the SSE opening). */
  initial?: T;
  onEnd?: (reason: EndReason) => void; // told once, with why
}

interface Group {
  match: (e: Envelope['event']) => boolean;
  subs: Set<Subscriber<any>>;
}

export type { BusCounters } from './bus-counters.ts';

export class Bus {
  readonly backend: Backend;
  readonly #o: BusOptions;
  readonly #groups = new Map<string, Group>();
  readonly #subs = new Map<number, Subscriber<any>>();
  readonly #gate: ReplayGate;
  #nextId = 1;
  #running = false;
  readonly counters: BusCounters = newBusCounters();
  readonly #obs: BusObserver;
  /** What every subscriber of a transport reports its deliveries and losses to. */
  readonly #subCounters: Record<Transport, SubscriberCounters>;

  constructor(backend: Backend, o: BusOptions) {
    this.backend = backend;
    this.#o = o;
    this.#gate = new ReplayGate(o.replaySlots ?? 2);
    this.#obs = o.observer ?? noObserver;
    this.#subCounters = transportCounters(this.counters, this.#obs);
  }

  get running(): boolean {
    return this.#running;
  }

  async start(): Promise<void> {
    await this.backend.open((envs) => this.#deliver(envs), { onBreak: (b) => this.#onBreak(b) });
    this.#running = true;
  }

  /** Stores a batch (atomically) and fans it out; resolves with the stored envelopes. */
  publish(events: NewEvent[]): Promise<Envelope[]> {
    return this.publishOnce(events, undefined).then((r) => (r.kind === 'stored' ? r.value : []));
  }
  /** `publish` under an Idempotency-Key claim (core/idempotency.ts): a repeat or a conflict stores nothing. */
  async publishOnce(events: NewEvent[], claim: IdempotencyClaim | undefined): Promise<OnceResult<Envelope[]>> {
    try {
      const r: OnceResult<Envelope[]> = claim ? await this.backend.appendOnce(events, claim) : { kind: 'stored', value: await this.backend.append(events) };
      if (r.kind === 'stored') {
        this.counters.published += r.value.length;
        this.#obs.published(r.value);
      }
      return r;
    } catch (err) {
      this.counters.publish_failures += events.length;
      throw err;
    }
  }

  #deliver(envs: Envelope[]): void {
    const now = Date.now();
    const dirty = this.#dirty;
    const obs = this.#obs;
    obs.arrived(envs, now);
    for (const group of this.#groups.values()) {
      for (let i = 0; i < envs.length; i++) {
        const env = envs[i]!;
        if (!group.match(env.event)) continue;
        obs.fannedOut(env.event.severity, group.subs.size);
        for (const sub of group.subs) if (sub.push(env, now)) dirty.push(sub);
      }
    }
    if (dirty.length > 0 && !this.#flushScheduled) {
      this.#flushScheduled = true;
      defer(this.#flushDirty);
    }
  }

  /**
   * Subscribers waiting for data get what was queued for them once per turn
   * of the event loop, not once per publish: publishes read in one turn reach
   * each subscriber as one chunk, so one socket write. A subscriber asks to
   * be flushed (push returns true) at most once until it is.
   */
  #dirty: Subscriber<any>[] = [];
  #flushScheduled = false;
  readonly #flushDirty = (): void => {
    this.#flushScheduled = false;
    const dirty = this.#dirty;
    this.#dirty = [];
    if (dirty.length === 0) return;
    // Delivery latency, sampled twice per run: the first subscriber's handover and the last one's.
    const now = Date.now();
    const arrivedAt = now - dirty[0]!.queue.ageMs(now);
    for (let i = 0; i < dirty.length; i++) dirty[i]!.flush();
    this.#obs.flushed(now - arrivedAt);
    if (dirty.length > 1) this.#obs.flushed(Date.now() - arrivedAt);
  };

  /** Live delivery skipped (a shared store lost or trimmed what this instance had not delivered yet): every subscriber is told, in order. */
  #onBreak(b: StreamBreak): void {
    this.#obs.streamBreak(b.reason);
    const message =
      b.reason === 'unknown_epoch'
        ? 'the shared store lost its history (flushed or replaced); events after requested may be lost, and cursors now carry a new epoch'
        : `the shared store trimmed ${b.missed ?? 'some'} events before this gateway could deliver them`;
    const gap: GapControl = { control: 'gap', requested: b.after ?? '', reason: b.reason, resume_from: b.resume_from, missed: b.missed, message };
    for (const sub of this.#subs.values()) sub.streamBreak(gap);
  }

  get subscriberCount(): number {
    return this.#subs.size;
  }
  subscribers(): IterableIterator<Subscriber<any>> {
    return this.#subs.values();
  }

  /** Registers a subscriber and starts its replay; the stream is usable at once. */
  subscribe<T>(o: SubscribeOptions<T>): Subscriber<T> {
    const told = o.onEnd; // not `o` itself: the subscriber's end hook outlives the options
    const sub = new Subscriber<T>({
      id: this.#nextId++,
      transport: o.transport,
      filter: o.filter,
      policy: o.policy,
      limits: this.#o.limits,
      codec: o.codec,
      counters: this.#subCounters[o.transport],
      overflowGraceMs: this.#o.overflowGraceMs,
      maxChunkItems: 4096,
      initial: o.initial,
      onEnd: (s, reason) => {
        this.#remove(s);
        this.#obs.ended(s, reason);
        told?.(reason);
      },
    });
    this.counters.subscribers_total++;
    this.#subs.set(sub.id, sub);
    this.#join(sub);
    this.#obs.subscribed(sub);
    void this.#replay(sub, o.cursor ?? null, o.replay ?? this.#o.replayDefault);
    return sub;
  }

  /** Changes a live subscriber's filter, for events published from now on; returns the head's cursor at the change (null when empty). */
  setFilter(sub: Subscriber<any>, filter: Filter): string | null {
    if (this.#subs.has(sub.id)) {
      this.#leave(sub);
      sub.setFilter(filter);
      this.#join(sub);
    }
    const w = this.backend.window();
    return w.head > 0 ? formatCursor(w.epoch, w.head) : null;
  }

  #join(sub: Subscriber<any>): void {
    const key = sub.filterKey;
    let g = this.#groups.get(key);
    if (!g) {
      g = { match: compileFilter(sub.filter), subs: new Set() };
      this.#groups.set(key, g);
    }
    g.subs.add(sub);
  }

  #leave(sub: Subscriber<any>): void {
    const key = sub.filterKey;
    const g = this.#groups.get(key);
    if (!g) return;
    g.subs.delete(sub);
    if (g.subs.size === 0) this.#groups.delete(key);
  }

  #remove(sub: Subscriber<any>): void {
    if (!this.#subs.delete(sub.id)) return;
    this.#leave(sub);
  }

  async #replay(sub: Subscriber<any>, cursor: string | null, latest: number): Promise<void> {
    let gapped = false;
    try {
      const match = compileFilter(sub.filter);
      const gate = this.#gate;
      const { replayed, window } = await replay(
        this.backend,
        { cursor, latest, max: this.#o.replayMax, page: this.#o.replayPage ?? 128, match: (e) => match(e.event), gate: (read) => gate.run(read) },
        {
          gap: (g) => {
            gapped = true;
            this.#obs.replayed(g);
            sub.control(g);
          },
          event: (env) => sub.pushReplay(env),
          page: () => sub.flush(),
          get stopped() {
            return sub.ended;
          },
        },
      );
      if (!gapped) this.#obs.replayed(undefined);
      if (sub.ended) return;
      sub.goLive({ control: 'ready', filter: sub.filter, replayed, head: window.head > 0 ? formatCursor(window.epoch, window.head) : null });
    } catch (err) {
      // Not retried here: the client retries by reconnecting, with the same cursor, after retry_ms.
      this.#o.onError?.(err, 'replay');
      const base = this.#o.unavailableRetryMs ?? 2000;
      sub.end(
        'unavailable',
        {
          control: 'unavailable',
          // Where the client stands: the last replayed event it was handed, else the cursor it came with.
          last_event_id: sub.lastDelivered ?? cursor,
          retry_ms: base + Math.floor(Math.random() * base),
          message: 'the event store could not serve history for this subscription; reconnect with last_event_id after retry_ms',
        },
        true,
      );
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
