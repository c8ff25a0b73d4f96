/**
 * A bounded, newest-first list of events. Events are kept in a bounded
 * store; the list shows at most `maxRows` of them. New events are added once
 * per animation frame, as a batch at the top, and the oldest rows fall off
 * the bottom: no re-render per event. A full re-render happens only when the
 * filter changes or on resume after a pause.
 */
import { eventRow } from './render.js';

/** @typedef {{ e: any, replayed: boolean, lc?: string }} Item */

export class Feed {
  /** @type {Item[]} oldest first */ #store = [];
  /** @type {Item[]} arrived since the last frame */ #incoming = [];
  /** @type {(item: Item) => boolean} */ #match = () => true;
  #paused = false;
  #unseen = 0;
  #frame = 0;
  #list;
  #maxRows;
  #maxStore;
  #onFlush;

  /**
   * @param {HTMLElement} list
   * @param {{ maxRows?: number, maxStore?: number, onFlush?: (feed: Feed) => void }} [o]
   */
  constructor(list, o = {}) {
    this.#list = list;
    this.#maxRows = o.maxRows ?? 500;
    this.#maxStore = o.maxStore ?? 10_000;
    this.#onFlush = o.onFlush ?? (() => {});
  }

  /** Events held (at most maxStore). */
  get held() {
    return this.#store.length;
  }
  /** Rows on screen. */
  get shown() {
    return this.#list.childElementCount;
  }
  get paused() {
    return this.#paused;
  }
  /** Events that arrived while paused. */
  get unseen() {
    return this.#unseen;
  }

  /** @param {any} e @param {boolean} replayed */
  add(e, replayed) {
    const item = { e, replayed };
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

  /** @param {(e: any, lowerCaseMessage: string) => boolean} pred */
  setFilter(pred) {
    this.#match = (item) => pred(item.e, (item.lc ??= String(item.e.message).toLowerCase()));
    this.#rerender();
  }

  pause() {
    this.#paused = true;
    this.#unseen = 0;
    this.#schedule();
  }

  resume() {
    this.#paused = false;
    this.#unseen = 0;
    this.#rerender();
  }

  clear() {
    this.#store = [];
    this.#incoming = [];
    this.#list.replaceChildren();
    this.#schedule();
  }

  #schedule() {
    if (!this.#frame) this.#frame = requestAnimationFrame(() => this.#flush());
  }

  #flush() {
    this.#frame = 0;
    const batch = this.#incoming;
    this.#incoming = [];
    const rows = [];
    for (let i = batch.length - 1; i >= 0 && rows.length < this.#maxRows; i--) {
      const item = /** @type {Item} */ (batch[i]);
      if (this.#match(item)) rows.push(eventRow(item.e, item.replayed));
    }
    if (rows.length) {
      this.#list.prepend(...rows);
      let extra = this.#list.childElementCount - this.#maxRows;
      while (extra-- > 0) this.#list.lastElementChild?.remove();
    }
    this.#onFlush(this);
  }

  #rerender() {
    this.#incoming = [];
    const rows = [];
    for (let i = this.#store.length - 1; i >= 0 && rows.length < this.#maxRows; i--) {
      const item = /** @type {Item} */ (this.#store[i]);
      if (this.#match(item)) rows.push(eventRow(item.e, item.replayed));
    }
    this.#list.replaceChildren(...rows);
    this.#schedule();
  }
}
