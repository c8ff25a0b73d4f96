/**
 * A bounded, newest-first list of events. Events are kept in a bounded
 * store; the list shows at most `maxRows` of them. New events are added once
 * per animation frame, as a batch at the top, and the oldest rows fall off
 * the bottom: no re-render per event. A full re-render happens only when the
 * filter changes or on resume after a pause.
 */
import type { GatewayEvent } from '../protocol.ts';
import { eventRow } from './render.ts';

interface Item {
  e: GatewayEvent;
  replayed: boolean;
  /** The message in lower case, computed on the first search. */
  lc?: string;
}

export interface FeedOptions {
  maxRows?: number;
  maxStore?: number;
  onFlush?: (feed: Feed) => void;
}

export class Feed {
  /** Oldest first. */
  #store: Item[] = [];
  /** Arrived since the last frame. */
  #incoming: Item[] = [];
  #match: (item: Item) => boolean = () => true;
  #paused = false;
  #unseen = 0;
  #frame = 0;
  readonly #list: HTMLElement;
  readonly #maxRows: number;
  readonly #maxStore: number;
  readonly #onFlush: (feed: Feed) => void;

  constructor(list: HTMLElement, o: FeedOptions = {}) {
    this.#list = list;
    this.#maxRows = o.maxRows ?? 500;
    this.#maxStore = o.maxStore ?? 10_000;
    this.#onFlush = o.onFlush ?? (() => {});
  }

  /** Events held (at most maxStore). */
  get held(): number {
    return this.#store.length;
  }
  /** Rows on screen. */
  get shown(): number {
    return this.#list.childElementCount;
  }
  get paused(): boolean {
    return this.#paused;
  }
  /** Events that arrived while paused. */
  get unseen(): number {
    return this.#unseen;
  }

  add(e: GatewayEvent, replayed: boolean): void {
    const item: Item = { e, replayed };
    this.#store.push(item);
    if (this.#store.length > this.#maxStore + 1000) this.#store.splice(0, this.#store.length - this.#maxStore);
    if (this.#paused) this.#unseen++;
    else {
      this.#incoming.push(item);
      // A hidden tab gets no frames: keep only what could still be shown.
      if (this.#incoming.length > 2 * this.#maxRows) this.#incoming.splice(0, this.#incoming.length - this.#maxRows);
    }
    this.#schedule();
  }

  setFilter(pred: (e: GatewayEvent, lowerCaseMessage: string) => boolean): void {
    this.#match = (item) => {
      item.lc ??= String(item.e.message).toLowerCase();
      return pred(item.e, item.lc);
    };
    this.#rerender();
  }

  pause(): void {
    this.#paused = true;
    this.#unseen = 0;
    this.#schedule();
  }

  resume(): void {
    this.#paused = false;
    this.#unseen = 0;
    this.#rerender();
  }

  clear(): void {
    this.#store = [];
    this.#incoming = [];
    this.#list.replaceChildren();
    this.#schedule();
  }

  #schedule(): void {
    if (!this.#frame) this.#frame = requestAnimationFrame(() => this.#flush());
  }

  #flush(): void {
    this.#frame = 0;
    const batch = this.#incoming;
    this.#incoming = [];
    const rows: HTMLElement[] = [];
    for (let i = batch.length - 1; i >= 0 && rows.length < this.#maxRows; i--) {
      const item = batch[i]!;
      if (this.#match(item)) rows.push(eventRow(item.e, item.replayed));
    }
    if (rows.length) {
      this.#list.prepend(...rows);
      let extra = this.#list.childElementCount - this.#maxRows;
      while (extra-- > 0) this.#list.lastElementChild?.remove();
    }
    this.#onFlush(this);
  }

  #rerender(): void {
    this.#incoming = [];
    const rows: HTMLElement[] = [];
    for (let i = this.#store.length - 1; i >= 0 && rows.length < this.#maxRows; i--) {
      const item = this.#store[i]!;
      if (this.#match(item)) rows.push(eventRow(item.e, item.replayed));
    }
    this.#list.replaceChildren(...rows);
    this.#schedule();
  }
}
