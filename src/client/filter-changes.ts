/**
 * The filter changes a client has asked for and not yet seen applied: each
 * resolves when the gateway acknowledges it (a WebSocket filter op) or when a
 * subscription with it is ready (a reconnect), and rejects when the gateway
 * refuses it, handing back the filter to return to.
 */
import type { Filter } from '../protocol.ts';

interface Change {
  via: 'ack' | 'ready';
  prev: Filter;
  filter: Filter;
  resolve: () => void;
  reject: (e: Error) => void;
}

export class FilterChanges {
  #changes: Change[] = [];

  add(change: Change): void {
    this.#changes.push(change);
  }

  /** The connection went: every change now waits for the next subscription to be ready. */
  awaitReady(): void {
    for (const c of this.#changes) c.via = 'ready';
  }

  /** A subscription is ready with the current filter. */
  ready(): void {
    for (const c of this.#changes) if (c.via === 'ready') c.resolve();
    this.#changes = this.#changes.filter((c) => c.via !== 'ready');
  }

  /** The gateway acknowledged the oldest filter op. */
  acked(): void {
    const i = this.#changes.findIndex((c) => c.via === 'ack');
    if (i >= 0) this.#changes.splice(i, 1)[0]?.resolve();
  }

  /** The gateway refused the oldest filter op; returns its change (whose `prev` is the filter to go back to). */
  refusedOp(err: Error): Change | undefined {
    const i = this.#changes.findIndex((c) => c.via === 'ack');
    if (i < 0) return undefined;
    const [c] = this.#changes.splice(i, 1);
    c?.reject(err);
    return c;
  }

  /** Rejects every change; returns the oldest (the filter before it last worked), if any. */
  rejectAll(err: Error): Change | undefined {
    const all = this.#changes.splice(0);
    for (const c of all) c.reject(err);
    return all[0];
  }
}
