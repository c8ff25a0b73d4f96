/**
 * What one subscriber has left to send: a ring of messages (events,
 * controls, replies, heartbeats), each counted against the subscriber's
 * marks, plus, under on_overflow=drop, the run of events dropped and the
 * controls moved aside while dropping them (controls are never dropped).
 * Every operation is O(1) per item it touches, so dropping past the mark
 * costs the same at any mark.
 */
import { HEARTBEAT } from './control.ts';
import { weigh, type QueueItem } from './codec.ts';
import { DropRun } from './drop-run.ts';
import { Envelope } from './event.ts';
import { RingQueue } from './queue.ts';
import type { QueueLimits } from './subscriber-options.ts';

/** What stats, metrics and tests read of a queue. */
export interface QueueView {
  /** Every message queued (events, controls, replies): what the marks count, and their bytes. */
  readonly messages: number;
  readonly bytes: number;
  /** Events queued, and their bytes. */
  readonly events: number;
  readonly eventBytes: number;
  /** Slots written or cleared so far: the queue's work, for tests of what a push costs. */
  readonly work: number;
  /** Milliseconds the oldest queued item has waited (0 when none). */
  ageMs(now?: number): number;
}

export class Outbox implements QueueView {
  readonly #limits: QueueLimits;
  readonly #ring = new RingQueue<QueueItem>();
  /** Controls moved aside while dropping events: handed over first, after the dropped marker. */
  #kept: QueueItem[] | undefined;
  #drop: DropRun | undefined;
  /** Every message queued, and their bytes: what the marks count. */
  messages = 0;
  bytes = 0;
  /** Events among them, and their bytes. */
  events = 0;
  eventBytes = 0;

  constructor(limits: QueueLimits) {
    this.#limits = limits;
  }

  /** Something is waiting to be handed over. */
  get pending(): boolean {
    return this.#ring.length > 0 || this.#drop !== undefined || this.#kept !== undefined;
  }

  /** Slots the ring has written or cleared: the queue's work so far. */
  get work(): number {
    return this.#ring.work;
  }

  ageMs(now = Date.now()): number {
    const t = this.#ring.peekTime();
    return t === undefined ? 0 : now - t;
  }

  over(): boolean {
    return this.messages > this.#limits.events || this.bytes > this.#limits.bytes;
  }

  add(item: QueueItem, now: number): void {
    const size = weigh(item);
    this.#ring.push(item, now);
    this.messages++;
    this.bytes += size;
    if (item instanceof Envelope) {
      this.events++;
      this.eventBytes += size;
    }
  }

  #taken(item: QueueItem): void {
    const size = weigh(item);
    this.messages--;
    this.bytes -= size;
    if (item instanceof Envelope) {
      this.events--;
      this.eventBytes -= size;
    }
  }

  /**
   * Drops the oldest events until under the marks; returns how many. Past
   * the marks a push drops about one event: O(1) whatever the mark. Still
   * over afterwards means controls alone exceed the marks.
   */
  dropOldest(): number {
    const ring = this.#ring;
    let lost = 0;
    while (this.over() && ring.length > 0) {
      const it = ring.shift()!;
      if (it instanceof Envelope) {
        this.#taken(it);
        lost++;
        if (this.#drop) this.#drop.add(it);
        else this.#drop = new DropRun(it);
      } else if (it === HEARTBEAT) this.#taken(it);
      else {
        this.#kept ??= [];
        this.#kept.push(it); // still counted
      }
    }
    return lost;
  }

  /** What the last `take` moved: how many events, and the last of them. */
  takenEvents = 0;
  takenLast: Envelope | undefined;

  /**
   * Moves up to `max` items into `into` (from index 0), oldest first, the
   * dropped marker and the controls kept aside before them; returns how
   * many (takenEvents and takenLast say which were events).
   */
  take(max: number, into: QueueItem[]): number {
    let n = 0;
    if (this.#drop) {
      into[n++] = this.#drop.control();
      this.#drop = undefined;
    }
    if (this.#kept) {
      for (const k of this.#kept) {
        this.#taken(k);
        into[n++] = k;
      }
      this.#kept = undefined;
    }
    let events = 0;
    let last: Envelope | undefined;
    const ring = this.#ring;
    while (n < max && ring.length > 0) {
      const it = ring.shift()!;
      this.#taken(it);
      if (it instanceof Envelope) {
        events++;
        last = it;
      }
      into[n++] = it;
    }
    this.takenEvents = events;
    this.takenLast = last;
    return n;
  }

  clear(): void {
    this.#ring.clear();
    this.#kept = undefined;
    this.#drop = undefined;
    this.messages = this.bytes = this.events = this.eventBytes = 0;
  }
}
