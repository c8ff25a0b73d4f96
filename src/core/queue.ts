/**
 * The one queue type of a subscriber: a ring of items, each with the time it
 * was queued. Pushing at the tail and taking from the head are O(1); the
 * ring doubles when full, so each item is copied at most once per doubling
 * (amortised O(1) per push), and an emptied ring gives back its memory.
 *
 * `work` counts every slot written or cleared (pushes, shifts, copies on
 * growth): tests read it to show what a push costs, independent of the
 * queue's length.
 */
const FIRST_CAPACITY = 8;
/** An empty ring larger than this is dropped, so a burst's memory goes back. */
const KEEP_CAPACITY = 1024;

export class RingQueue<T> {
  #items: (T | undefined)[] = [];
  #times: number[] = [];
  #head = 0;
  #length = 0;
  /** Slots written or cleared so far. */
  work = 0;

  get length(): number {
    return this.#length;
  }

  push(item: T, at: number): void {
    if (this.#length === this.#items.length) this.#grow();
    const i = (this.#head + this.#length) & (this.#items.length - 1);
    this.#items[i] = item;
    this.#times[i] = at;
    this.#length++;
    this.work++;
  }

  /** The oldest item, or undefined when empty. */
  peek(): T | undefined {
    return this.#length ? this.#items[this.#head] : undefined;
  }

  /** When the oldest item was queued (undefined when empty). */
  peekTime(): number | undefined {
    return this.#length ? this.#times[this.#head] : undefined;
  }

  /** Removes and returns the oldest item. */
  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const h = this.#head;
    const item = this.#items[h];
    this.#items[h] = undefined;
    this.#head = (h + 1) & (this.#items.length - 1);
    this.#length--;
    this.work++;
    if (this.#length === 0) this.#reset();
    return item;
  }

  /** Empties the queue at once. */
  clear(): void {
    this.#items = [];
    this.#times = [];
    this.#head = 0;
    this.#length = 0;
  }

  #reset(): void {
    this.#head = 0;
    if (this.#items.length > KEEP_CAPACITY) this.clear();
  }

  #grow(): void {
    const old = this.#items;
    const oldTimes = this.#times;
    const cap = old.length ? old.length * 2 : FIRST_CAPACITY;
    const items = new Array<T | undefined>(cap);
    const times = new Array<number>(cap);
    for (let k = 0; k < this.#length; k++) {
      const j = (this.#head + k) & (old.length - 1);
      items[k] = old[j];
      times[k] = oldTimes[j]!;
    }
    this.work += this.#length;
    this.#items = items;
    this.#times = times;
    this.#head = 0;
  }
}
