/**
 * The default backend: history in a ring in this process. Its epoch is new
 * each run, so cursors from before a restart are recognised as such.
 */
import { formatCursor, newEpoch } from '../core/cursor.ts';
import { Envelope, type NewEvent } from '../core/event.ts';
import { HistoryRing } from './history-ring.ts';
import type { Backend, BackendHealth, EventSink, HistoryWindow } from '../core/store.ts';

export interface MemoryBackendOptions {
  /** Events kept for replay. Default 10000. */
  historySize?: number;
  /** Fixed epoch (tests); default is a new random one. */
  epoch?: string;
}

export class MemoryBackend implements Backend {
  readonly kind = 'memory';
  readonly epoch: string;
  readonly #ring: HistoryRing;
  #sink: EventSink | undefined;

  constructor(o: MemoryBackendOptions = {}) {
    this.epoch = o.epoch ?? newEpoch();
    this.#ring = new HistoryRing(o.historySize ?? 10_000);
  }

  async open(sink: EventSink): Promise<void> {
    this.#sink = sink;
  }

  /** Synchronous under the hood: the batch is stored and fanned out before this resolves. */
  append(events: NewEvent[]): Promise<Envelope[]> {
    return Promise.resolve(this.appendNow(events));
  }

  /** Whole or nothing: every event is serialised (which may throw) before any is stored. */
  appendNow(events: NewEvent[]): Envelope[] {
    const out: Envelope[] = new Array(events.length);
    const head = this.#ring.head;
    for (let i = 0; i < events.length; i++) {
      const offset = head + i + 1;
      out[i] = new Envelope({ id: formatCursor(this.epoch, offset), ...events[i]! }, offset);
    }
    for (const env of out) this.#ring.push(env);
    this.#sink?.(out);
    return out;
  }

  window(): HistoryWindow {
    return { epoch: this.epoch, oldest: this.#ring.oldest, head: this.#ring.head };
  }

  async readAfter(after: number, limit: number) {
    return { events: this.#ring.after(after, limit), window: this.window() };
  }

  async readLatest(limit: number, match: (e: Envelope) => boolean) {
    return { events: this.#ring.latest(limit, match), window: this.window() };
  }

  get historySize(): number {
    return this.#ring.size;
  }

  health(): BackendHealth {
    return { ok: true, backend: this.kind };
  }

  async close(): Promise<void> {
    this.#sink = undefined;
  }
}
