/**
 * One subscriber: its filter, its queue, and where its chunks go (a Sink its
 * transport attaches, or the ReadableStream its transport reads: sink.ts).
 * Publishing never waits for it: the bus pushes into the queue and chunks
 * leave at the transport's pace.
 *
 * Lifecycle: `replaying` (live events are held aside while history is
 * queued) → `live` → `closing` (a last signal is handed over) → finished.
 *
 * Every outgoing message (events, controls, replies, heartbeats) counts
 * against the marks (messages and bytes). Past them the subscriber is ended
 * with an `overflow` signal, to resume by replay, or (on_overflow=drop) loses
 * its oldest events behind one `dropped` marker, O(1) per event; controls
 * are never dropped, so when they alone exceed the mark it ends as with
 * `disconnect`. Either way its memory stays bounded.
 */
import { HEARTBEAT, overflowControl, type Control, type GapControl, type Heartbeat } from './control.ts';
import type { QueueItem } from './codec.ts';
import { Envelope } from './event.ts';
import { filterKey, type Filter } from './filter.ts';
import { Held } from './held.ts';
import { Outbox, type QueueView } from './outbox.ts';
import { streamSink, type DirectSource, type Sink } from './sink.ts';
import type { EndReason, OverflowPolicy, SubscriberOptions, Transport } from './subscriber-options.ts';
import type { FilterChange } from './ws-batch.ts';
export type { EndReason, OverflowPolicy, QueueLimits, SubscriberCounters, SubscriberOptions, Transport } from './subscriber-options.ts';

type State = 'replaying' | 'live' | 'closing' | 'finished';

/** One flush's items, reused (flushes are synchronous and never nest). */
const scratch: QueueItem[] = [];

export class Subscriber<T = unknown> implements DirectSource<T> {
  readonly id: number;
  readonly transport: Transport;
  readonly policy: OverflowPolicy;
  readonly createdAt = Date.now();
  #filter: Filter;
  #filterKey: string;

  /** Events handed to the transport. */
  delivered = 0;
  /** Events lost by this subscriber (drop policy, or discarded at overflow). */
  dropped = 0;
  /** Cursor of the last event handed to the transport. */
  lastDelivered: string | null = null;
  /** Cursor of the last event queued (replay or live): where a stream ended now resumes. */
  lastQueuedId: string | null = null;
  endReason: EndReason | undefined;

  #state: State = 'replaying';
  readonly #held = new Held();
  /** Highest offset queued so far (replay or live); later events must be higher. */
  #lastOffset = -1;
  readonly #out: Outbox;
  #wanted = false;
  #flushPending = false;
  #endNotified = false;
  /** Where chunks go: the transport's own, or the stream's (made on first use). */
  #sink: Sink<T> | undefined;
  #stream: ReadableStream<T> | undefined;
  #graceTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #o: SubscriberOptions<T>;

  constructor(o: SubscriberOptions<T>) {
    this.#o = o;
    this.#out = new Outbox(o.limits);
    this.id = o.id;
    this.transport = o.transport;
    this.policy = o.policy;
    this.#filter = o.filter;
    this.#filterKey = filterKey(o.filter);
  }

  /** The chunks as a web ReadableStream (the opening first), made on first use; until it is read, a transport may attach a Sink instead. */
  get stream(): ReadableStream<T> {
    if (this.#stream) return this.#stream;
    if (this.#sink) throw new Error('eventgate: this subscriber writes to an attached sink');
    const { stream, sink } = streamSink<T>(this, this.#o.initial, () => this.#finish('client_closed'));
    this.#sink = sink;
    return (this.#stream = stream);
  }

  /** Chunks go to `sink`, synchronously, from now on (the opening first); false once its stream has been read. */
  attach(sink: Sink<T>): boolean {
    if (this.#stream?.locked) return false;
    this.#stream = undefined;
    this.#sink = sink;
    if (this.#state === 'finished') {
      sink.end();
      return true;
    }
    this.#wanted = this.#o.initial === undefined || sink.write(this.#o.initial);
    this.flush();
    return true;
  }

  /** The transport takes chunks again (after a write that returned false, or a stream read). */
  resume(): void {
    this.#wanted = true;
    this.flush();
  }

  get filter(): Filter {
    return this.#filter;
  }
  /** Equal filters have equal keys (the bus groups subscribers by it). */
  get filterKey(): string {
    return this.#filterKey;
  }
  /** Replaces the filter; the bus regroups the subscriber around this call. */
  setFilter(f: Filter): void {
    this.#filter = f;
    this.#filterKey = filterKey(f);
  }

  /** What is queued and not yet handed over (read only): events, bytes, every message, the oldest's age. */
  get queue(): QueueView {
    return this.#out;
  }
  get ended(): boolean {
    return this.endReason !== undefined;
  }
  /** Queues one live event; true when the caller should `flush()` it (the transport waits, no flush is pending). */
  push(env: Envelope, now: number): boolean {
    if (this.#state === 'replaying') {
      // Held to the marks as well: a replay slower than the live stream ends the subscriber.
      if (!this.#held.add(env, this.#o.limits)) this.#overflow();
      return false;
    }
    if (this.#state !== 'live' || env.offset <= this.#lastOffset) return false;
    this.#lastOffset = env.offset;
    this.lastQueuedId = env.event.id;
    this.#out.add(env, now);
    if (this.#out.over()) this.#relieve();
    if (!this.#wanted || this.#flushPending) return false;
    this.#flushPending = true;
    return true;
  }

  /** Queues a replayed event: bounded by the history size, so not held to the mark. */
  pushReplay(env: Envelope): void {
    if (this.#state !== 'replaying' || env.offset <= this.#lastOffset) return;
    this.#lastOffset = env.offset;
    this.lastQueuedId = env.event.id;
    this.#out.add(env, Date.now());
  }

  /** The replay is done: what was held meanwhile follows (newer events only, breaks as gaps), then `ready`. */
  goLive(ready: Control): void {
    if (this.#state !== 'replaying') return;
    this.#state = 'live';
    const now = Date.now();
    for (const h of this.#held.take()) {
      if (h instanceof Envelope) this.push(h, now);
      else this.streamBreak(h);
      if (this.#state !== 'live') return;
    }
    // Not held to the mark itself: a replay larger than the mark is not yet a slow consumer.
    this.#out.add(ready, now);
    this.flush();
  }

  /** Live delivery skipped: told in order with the events around it; a new epoch restarts offsets. */
  streamBreak(gap: GapControl): void {
    if (this.#state === 'replaying') return void this.#held.add(gap, this.#o.limits);
    // A break the replay already read past (its events were replayed) is no gap for this subscriber.
    const resumeAt = gap.resume_from === null ? undefined : Number(gap.resume_from.slice(gap.resume_from.lastIndexOf('-') + 1));
    if (gap.reason === 'expired' && resumeAt !== undefined && resumeAt <= this.#lastOffset + 1) return;
    this.control(gap);
    if (gap.reason === 'unknown_epoch') this.#lastOffset = -1;
  }

  /** Queues a control, a reply or an SSE heartbeat; it counts against the marks (once live: a replay may exceed them). */
  control(c: Control | Heartbeat | FilterChange, now = Date.now()): void {
    if (this.#state === 'closing' || this.#state === 'finished') return;
    // A heartbeat only matters on an idle stream: anything queued keeps it open as well.
    if (c === HEARTBEAT && this.#out.pending) return;
    this.#out.add(c, now);
    if (this.#state === 'live' && this.#out.over()) this.#relieve();
    this.flush();
  }

  /** Hands what is queued to the transport, a chunk (up to maxChunkItems) per write, while it takes them. */
  flush(): void {
    this.#flushPending = false;
    while (this.#wanted && this.#state !== 'finished' && this.#out.pending) {
      this.#wanted = false;
      const out = this.#out;
      const n = out.take(this.#o.maxChunkItems ?? Infinity, scratch);
      const events = out.takenEvents;
      let chunk: T | null;
      try {
        chunk = this.#o.codec.encode(scratch, 0, n);
      } finally {
        for (let i = 0; i < n; i++) scratch[i] = undefined as unknown as QueueItem; // not `length = 0`: a slow path, once per delivery
      }
      this.delivered += events;
      if (out.takenLast) this.lastDelivered = out.takenLast.event.id;
      try {
        // Nothing to write for this run (say, only WebSocket-less items): still waiting.
        this.#wanted = chunk === null || this.#sink!.write(chunk);
        if (this.#state === 'closing' && !out.pending) {
          this.#sink!.end();
          this.#finish(this.endReason ?? 'overflow');
        }
      } catch {
        this.#finish('client_closed');
      }
      if (events) this.#o.counters.delivered(events);
    }
  }

  /** Over a mark: drop the oldest events (drop policy), or end with an overflow signal. */
  #relieve(): void {
    if (this.policy === 'drop') {
      const lost = this.#out.dropOldest();
      if (lost) {
        this.dropped += lost;
        this.#o.counters.dropped(lost);
      }
      if (!this.#out.over()) return;
    }
    this.#overflow();
  }

  /** Discards the queue, says why, and ends after the signal is handed over. */
  #overflow(): void {
    const lost = this.#out.events + this.#held.events;
    const bytes = this.#out.bytes + this.#held.bytes;
    this.dropped += lost;
    this.#o.counters.overflowed(lost);
    this.#discard();
    this.end('overflow', overflowControl(lost, bytes, this.lastDelivered));
  }

  #discard(): void {
    this.#out.clear();
    this.#held.clear();
  }

  /**
   * Ends the stream once what is queued and `last` (a final control) are
   * handed over, or after the grace period. `discard` drops what is queued
   * first (none of it may be handed over).
   */
  end(reason: EndReason, last?: Control, discard = false): void {
    if (this.#state === 'closing' || this.#state === 'finished') return;
    if (discard) this.#discard();
    this.#held.clear();
    this.endReason ??= reason;
    if (last) this.#out.add(last, Date.now());
    this.#state = 'closing';
    this.#graceTimer ??= setTimeout(() => this.abort(new Error(`stream not drained (${reason})`)), this.#o.overflowGraceMs);
    if (!this.#out.pending) this.close();
    else this.flush();
    this.#notifyEnd(this.endReason);
  }

  /** Ends the stream at once with an error: the transport drops the connection. */
  abort(err: Error = new Error('aborted')): void {
    this.#stop((s) => s.abort(err), this.endReason ?? 'error');
  }

  /** Called by the transport when its connection is gone: the stream ends quietly. */
  close(): void {
    this.#stop((s) => s.end(), 'client_closed');
  }

  #stop(endSink: (s: Sink<T>) => void, reason: EndReason): void {
    if (this.#state === 'finished') return;
    try {
      if (this.#sink) endSink(this.#sink);
    } catch {
      /* already closed */
    }
    this.#finish(reason);
  }

  #notifyEnd(reason: EndReason): void {
    if (this.#endNotified) return;
    this.#endNotified = true;
    this.#o.onEnd(this, reason);
  }

  #finish(reason: EndReason): void {
    if (this.#state === 'finished') return;
    this.#state = 'finished';
    this.endReason ??= reason;
    clearTimeout(this.#graceTimer);
    this.#discard();
    this.#notifyEnd(this.endReason);
  }
}
