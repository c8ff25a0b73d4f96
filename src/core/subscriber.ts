/**
 * One subscriber: its filter, a bounded queue, and the web-standard
 * ReadableStream its transport reads. Publishing never waits for it: the bus
 * pushes into the queue and the stream is pulled at the transport's pace.
 * Past the high-water mark (events or bytes) the subscriber is either ended
 * with an `overflow` signal, to resume by replay, or loses its oldest queued
 * events behind one `dropped` marker. Either way its memory stays bounded.
 */
import { HEARTBEAT, type Control } from './control.ts';
import type { Codec, QueueItem } from './codec.ts';
import type { Envelope } from './event.ts';
import type { Filter } from './filter.ts';

export type Transport = 'sse' | 'ws';
export type OverflowPolicy = 'disconnect' | 'drop';
export type EndReason = 'overflow' | 'shutdown' | 'client_closed' | 'error' | 'token_expired';

export interface QueueLimits {
  /** Most events queued before the policy applies. */
  events: number;
  /** Most bytes queued (sum of encoded event sizes) before the policy applies. */
  bytes: number;
}

export interface SubscriberOptions<T> {
  id: number;
  transport: Transport;
  filter: Filter;
  policy: OverflowPolicy;
  limits: QueueLimits;
  codec: Codec<T>;
  /** Called once when the subscriber ends, for any reason. */
  onEnd: (sub: Subscriber<T>, reason: EndReason) => void;
  /** After an overflow, how long the transport may take to hand over the signal before the stream is errored. */
  overflowGraceMs: number;
  /** Largest chunk one flush produces. */
  maxChunkItems?: number;
  /** A first chunk, handed over before anything else (the SSE opening). */
  initial?: T;
}

interface DropRun {
  count: number;
  from: Envelope;
  to: Envelope;
}

export class Subscriber<T = unknown> {
  readonly id: number;
  readonly transport: Transport;
  readonly policy: OverflowPolicy;
  readonly createdAt = Date.now();
  readonly stream: ReadableStream<T>;
  filter: Filter;
  /** Set by the bus: the filter group this subscriber is in. */
  groupKey = '';
  /** Set by the bus: a flush is scheduled for this subscriber. */
  flushQueued = false;

  /** Events handed to the transport. */
  delivered = 0;
  /** Events lost by this subscriber (drop policy, or discarded at overflow). */
  dropped = 0;
  /** Cursor of the last event handed to the transport. */
  lastDelivered: string | null = null;
  /** Highest offset queued so far (replay or live); later events must be higher. */
  lastQueuedOffset = -1;
  /** Cursor of the last event queued (replay or live): where a stream ended now resumes. */
  lastQueuedId: string | null = null;
  endReason: EndReason | undefined;

  #items: QueueItem[] = [];
  #times: number[] = [];
  #head = 0;
  #queuedEvents = 0;
  #queuedBytes = 0;
  #wanted = false;
  #drop: DropRun | undefined;
  #closeAfterFlush = false;
  #controller!: ReadableStreamDefaultController<T>;
  #graceTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #o: SubscriberOptions<T>;

  constructor(o: SubscriberOptions<T>) {
    this.#o = o;
    this.id = o.id;
    this.transport = o.transport;
    this.policy = o.policy;
    this.filter = o.filter;
    this.stream = new ReadableStream<T>(
      {
        start: (c) => {
          this.#controller = c;
          if (o.initial !== undefined) c.enqueue(o.initial);
        },
        pull: () => {
          if (this.#head < this.#items.length || this.#drop) this.flush();
          else this.#wanted = true;
        },
        cancel: () => this.#finish('client_closed'),
      },
      { highWaterMark: 0 },
    );
  }

  get queuedEvents(): number {
    return this.#queuedEvents;
  }
  get queuedBytes(): number {
    return this.#queuedBytes;
  }
  get ended(): boolean {
    return this.endReason !== undefined;
  }
  /** Milliseconds the oldest queued item has waited (0 when none). */
  oldestQueuedMs(now = Date.now()): number {
    return this.#head < this.#times.length ? now - this.#times[this.#head]! : 0;
  }

  /**
   * Queues one event. Returns true when the caller should call `flush()`
   * (the transport is waiting for data); the bus flushes once per publish.
   */
  push(env: Envelope, now: number): boolean {
    if (this.endReason !== undefined || this.#closeAfterFlush) return false;
    if (env.offset <= this.lastQueuedOffset) return false;
    this.lastQueuedOffset = env.offset;
    this.lastQueuedId = env.event.id;
    this.#items.push(env);
    this.#times.push(now);
    this.#queuedEvents++;
    this.#queuedBytes += env.size;
    if (this.#queuedEvents > this.#o.limits.events || this.#queuedBytes > this.#o.limits.bytes) this.#overflow();
    return this.#wanted;
  }

  /** Queues a replayed event: bounded by the history size, so not held to the mark. */
  pushReplay(env: Envelope): void {
    if (this.endReason !== undefined || env.offset <= this.lastQueuedOffset) return;
    this.lastQueuedOffset = env.offset;
    this.lastQueuedId = env.event.id;
    this.#items.push(env);
    this.#times.push(Date.now());
    this.#queuedEvents++;
    this.#queuedBytes += env.size;
  }

  /** Queues a control message (and heartbeats); they do not count against the mark. */
  control(c: Control | typeof HEARTBEAT, now = Date.now()): void {
    if (this.endReason !== undefined || this.#closeAfterFlush) return;
    this.#items.push(c);
    this.#times.push(now);
    if (this.#wanted) this.flush();
  }

  /** Hands everything queued to the stream as one chunk, if the transport is waiting. */
  flush(): void {
    if (!this.#wanted && this.#head >= this.#items.length && !this.#drop) return;
    this.#wanted = false;
    const items = this.#items;
    if (this.#drop) {
      const d = this.#drop;
      this.#drop = undefined;
      items.splice(this.#head, 0, {
        control: 'dropped',
        count: d.count,
        from: d.from.event.id,
        to: d.to.event.id,
        message: `${d.count} events were dropped because this subscriber fell behind (on_overflow=drop)`,
      });
      this.#times.splice(this.#head, 0, Date.now());
    }
    const from = this.#head;
    const to = this.#o.maxChunkItems ? Math.min(items.length, from + this.#o.maxChunkItems) : items.length;
    let events = 0;
    let bytes = 0;
    let last: Envelope | undefined;
    for (let i = from; i < to; i++) {
      const it = items[i]!;
      if (typeof it === 'object' && 'offset' in it) {
        events++;
        bytes += it.size;
        last = it;
      }
    }
    const chunk = this.#o.codec.encode(items, from, to);
    this.#head = to;
    this.#queuedEvents -= events;
    this.#queuedBytes -= bytes;
    this.delivered += events;
    if (last) this.lastDelivered = last.event.id;
    this.#compact();
    try {
      if (chunk !== null) this.#controller.enqueue(chunk);
      else this.#wanted = true; // nothing written for this read: still waiting
      if (this.#closeAfterFlush && this.#head >= this.#items.length) {
        this.#controller.close();
        this.#finish(this.endReason ?? 'overflow');
      }
    } catch {
      this.#finish('client_closed');
    }
    this.#onDelivered?.(events);
  }

  #onDelivered: ((n: number) => void) | undefined;
  /** The bus counts deliveries through this hook. */
  set onDelivered(fn: (n: number) => void) {
    this.#onDelivered = fn;
  }

  #compact(): void {
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#times = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#times = this.#times.slice(this.#head);
      this.#head = 0;
    }
  }

  #overflow(): void {
    if (this.policy === 'drop') {
      const items = this.#items;
      const limits = this.#o.limits;
      let i = this.#head;
      // Drop the oldest queued events (never controls) until under the mark.
      let lost = 0;
      const kept: QueueItem[] = [];
      const keptTimes: number[] = [];
      for (; i < items.length && (this.#queuedEvents > limits.events || this.#queuedBytes > limits.bytes); i++) {
        const it = items[i]!;
        if (typeof it === 'object' && 'offset' in it) {
          this.#queuedEvents--;
          this.#queuedBytes -= it.size;
          this.dropped++;
          lost++;
          if (this.#drop) {
            this.#drop.count++;
            this.#drop.to = it;
          } else this.#drop = { count: 1, from: it, to: it };
        } else {
          kept.push(it);
          keptTimes.push(this.#times[i]!);
        }
      }
      this.#items = kept.concat(items.slice(i));
      this.#times = keptTimes.concat(this.#times.slice(i));
      this.#head = 0;
      this.#onDropped?.(this, lost);
      return;
    }
    // Disconnect: discard the queue, say why, end after the signal is handed over.
    const lost = this.#queuedEvents;
    const bytes = this.#queuedBytes;
    this.dropped += lost;
    this.#items = [];
    this.#times = [];
    this.#head = 0;
    this.#queuedEvents = 0;
    this.#queuedBytes = 0;
    this.endReason = 'overflow';
    this.#onOverflow?.(this, lost);
    const signal: Control = {
      control: 'overflow',
      queued_events: lost,
      queued_bytes: bytes,
      last_event_id: this.lastDelivered,
      message: 'this subscriber fell behind its queue limit and is disconnected; reconnect with Last-Event-ID to resume by replay',
    };
    this.#items.push(signal);
    this.#times.push(Date.now());
    this.#closeAfterFlush = true;
    this.#graceTimer = setTimeout(() => this.abort(new Error('slow consumer did not take the overflow signal')), this.#o.overflowGraceMs);
    if (this.#wanted) this.flush();
    this.#notifyEnd('overflow');
  }

  #onOverflow: ((s: Subscriber<T>, lost: number) => void) | undefined;
  #onDropped: ((s: Subscriber<T>, lost: number) => void) | undefined;
  /** Hooks the bus uses for its totals. */
  setCounters(onOverflow: (s: Subscriber<T>, lost: number) => void, onDropped: (s: Subscriber<T>, lost: number) => void): void {
    this.#onOverflow = onOverflow;
    this.#onDropped = onDropped;
  }

  /** Ends the stream after what is queued (shutdown): a final control may be queued first. */
  end(reason: EndReason, last?: Control): void {
    if (this.#closeAfterFlush || this.#finished) return;
    if (last) this.#items.push(last), this.#times.push(Date.now());
    this.endReason ??= reason;
    this.#closeAfterFlush = true;
    this.#graceTimer ??= setTimeout(() => this.abort(new Error(`stream not drained (${reason})`)), this.#o.overflowGraceMs);
    if (this.#wanted || this.#head < this.#items.length) this.#wanted = true, this.flush();
    this.#notifyEnd(reason);
  }

  /** Ends the stream at once with an error: the transport drops the connection. */
  abort(err: Error = new Error('aborted')): void {
    if (this.#finished) return;
    try {
      this.#controller.error(err);
    } catch {
      /* already closed */
    }
    this.#finish(this.endReason ?? 'error');
  }

  #finished = false;
  #endNotified = false;
  #notifyEnd(reason: EndReason): void {
    if (this.#endNotified) return;
    this.#endNotified = true;
    this.#o.onEnd(this, reason);
  }

  #finish(reason: EndReason): void {
    if (this.#finished) return;
    this.#finished = true;
    this.endReason ??= reason;
    clearTimeout(this.#graceTimer);
    this.#items = [];
    this.#times = [];
    this.#head = 0;
    this.#queuedEvents = 0;
    this.#queuedBytes = 0;
    this.#notifyEnd(this.endReason);
  }

  /** Called by the transport when its connection is gone: the stream ends quietly. */
  close(): void {
    if (this.#finished) return;
    try {
      this.#controller.close();
    } catch {
      /* already closed */
    }
    this.#finish('client_closed');
  }
}
