/**
 * History reads from the Redis stream, on a connection of their own so that
 * replies carrying history never queue ahead of a publish. Each read is one
 * page (one READ_LUA call: the entries and the window, atomically); the
 * newest-matching read goes back page by page and stops at its count. What
 * comes back is checked at the decode boundary; malformed entries are
 * skipped and counted.
 */
import type { Envelope } from '../../core/event.ts';
import { newEpoch } from '../../core/cursor.ts';
import { BackendUnavailableError, type HistoryWindow } from '../../core/store.ts';
import type { Scripted } from './connect.ts';
import { decodeEntry } from './decode.ts';
import { parseReadReply, type ReadReply } from './reply.ts';

/** Entries read per page when looking for the newest matching events. */
export const LATEST_PAGE = 128;

export interface HistoryOptions {
  /** The connection to read on, ready; throws BackendUnavailableError when there is none. */
  conn: () => Scripted;
  meta: string;
  stream: string;
  /** Sees every reply first (moves the cached window; throws when the epoch is not the live one). */
  onReply: (r: ReadReply) => void;
  onMalformed: (offset: number | null, why: string) => void;
}

export class RedisHistory {
  readonly #o: HistoryOptions;

  constructor(o: HistoryOptions) {
    this.#o = o;
  }

  async #read(mode: 'after' | 'before' | 'window', bound: number, count: number): Promise<ReadReply> {
    const conn = this.#o.conn();
    let r: ReadReply;
    try {
      r = parseReadReply(await conn.egRead(this.#o.meta, this.#o.stream, newEpoch(), mode, String(bound), String(count)));
    } catch (err) {
      throw new BackendUnavailableError(`Redis could not serve history (${(err as Error).message})`);
    }
    this.#o.onReply(r);
    return r;
  }

  #decode(r: ReadReply, into: (env: Envelope) => void): void {
    for (const raw of r.entries) {
      const d = decodeEntry(raw, r.epoch);
      if (d.kind === 'ok') into(d.env);
      else this.#o.onMalformed(d.offset, d.kind === 'malformed' ? d.why : 'id of another epoch');
    }
  }

  async after(after: number, limit: number): Promise<{ events: Envelope[]; window: HistoryWindow }> {
    const r = await this.#read(limit > 0 ? 'after' : 'window', Math.max(0, after), limit);
    const events: Envelope[] = [];
    this.#decode(r, (env) => events.push(env));
    return { events, window: windowOf(r) };
  }

  async latest(limit: number, match: (e: Envelope) => boolean): Promise<{ events: Envelope[]; window: HistoryWindow }> {
    let first: ReadReply | undefined;
    const events: Envelope[] = [];
    let bound = 0;
    while (events.length < limit) {
      const r = await this.#read('before', bound, LATEST_PAGE);
      first ??= r;
      this.#decode(r, (env) => {
        if (events.length < limit && match(env)) events.push(env);
      });
      const lastRaw = r.entries[r.entries.length - 1];
      if (r.entries.length < LATEST_PAGE || !lastRaw) break;
      bound = Number(String(lastRaw[0]).split('-')[0]);
      // Never past the oldest entry the first page's window held: the scan is bounded by history.
      if (!(bound > 1) || (first.oldest !== null && bound <= first.oldest)) break;
    }
    first ??= await this.#read('window', 0, 0);
    events.reverse();
    return { events, window: windowOf(first) };
  }
}

function windowOf(r: ReadReply): HistoryWindow {
  return { epoch: r.epoch, head: r.head, oldest: r.oldest };
}
