/**
 * A bounded ring of the newest envelopes, indexed by offset. Offsets are
 * contiguous, so the event after cursor `n` sits at a computed slot.
 */
import type { Envelope } from '../core/event.ts';

export class HistoryRing {
  readonly capacity: number;
  #slots: (Envelope | undefined)[];
  #count = 0;
  /** Offset of the newest event (0 when empty). */
  #head = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error('eventgate: history capacity must be a positive integer');
    this.capacity = capacity;
    this.#slots = new Array(capacity);
  }

  get size(): number {
    return this.#count;
  }
  get head(): number {
    return this.#head;
  }
  get oldest(): number | null {
    return this.#count ? this.#head - this.#count + 1 : null;
  }

  /** Appends an envelope; its offset must be head + 1. */
  push(env: Envelope): void {
    if (env.offset !== this.#head + 1 && this.#count > 0) throw new Error(`eventgate: history offsets must be contiguous (${this.#head} then ${env.offset})`);
    this.#slots[env.offset % this.capacity] = env;
    this.#head = env.offset;
    if (this.#count < this.capacity) this.#count++;
  }

  at(offset: number): Envelope | undefined {
    const oldest = this.oldest;
    if (oldest === null || offset < oldest || offset > this.#head) return undefined;
    return this.#slots[offset % this.capacity];
  }

  /** Up to `limit` envelopes after `after`, oldest first. */
  after(after: number, limit: number): Envelope[] {
    const oldest = this.oldest;
    if (oldest === null) return [];
    const out: Envelope[] = [];
    for (let o = Math.max(after + 1, oldest); o <= this.#head && out.length < limit; o++) out.push(this.#slots[o % this.capacity]!);
    return out;
  }

  /** Up to `limit` of the newest envelopes that match, oldest first. */
  latest(limit: number, match: (e: Envelope) => boolean): Envelope[] {
    const oldest = this.oldest;
    if (oldest === null || limit <= 0) return [];
    const out: Envelope[] = [];
    for (let o = this.#head; o >= oldest && out.length < limit; o--) {
      const e = this.#slots[o % this.capacity]!;
      if (match(e)) out.push(e);
    }
    return out.reverse();
  }
}
