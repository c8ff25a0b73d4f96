/**
 * History in a Durable Object's own SQLite storage, for the Cloudflare
 * Workers runtime. The object is the only writer, so ordering is its own;
 * what storage adds is durability: the events, the head and the epoch
 * survive the object being evicted or hibernated, so cursors keep working.
 * The epoch is stored beside the events: it is new only when the storage is
 * (first use, or storage lost), so old cursors are then told apart.
 *
 * Writes are synchronous SQLite calls inside one transaction; the runtime's
 * output gate holds the publisher's answer until they are durable.
 */
import type { SqlStorage } from '@cloudflare/workers-types/latest';
import { formatCursor, newEpoch } from '../core/cursor.ts';
import { Envelope, type NewEvent } from '../core/event.ts';
import { BackendUnavailableError, type Backend, type BackendHealth, type EventSink, type HistoryWindow } from '../core/store.ts';

/** The part of `ctx.storage` this backend uses. */
export interface DurableObjectStorageLike {
  readonly sql: SqlStorage;
  transactionSync<T>(closure: () => T): T;
}

export interface DurableObjectBackendOptions {
  storage: DurableObjectStorageLike;
  /** Events kept for replay. */
  historySize: number;
}

type Row = { seq: number; json: string };

export class DurableObjectBackend implements Backend {
  readonly kind = 'durable-object';
  readonly #storage: DurableObjectStorageLike;
  readonly #historySize: number;
  #epoch = '';
  #head = 0;
  #oldest: number | null = null;
  #sink: EventSink | undefined;
  #opened = false;

  constructor(o: DurableObjectBackendOptions) {
    if (!Number.isInteger(o.historySize) || o.historySize < 1) throw new Error('eventgate: history size must be a positive integer');
    this.#storage = o.storage;
    this.#historySize = o.historySize;
  }

  get epoch(): string {
    return this.#epoch;
  }

  async open(sink: EventSink): Promise<void> {
    const sql = this.#storage.sql;
    this.#storage.transactionSync(() => {
      sql.exec('CREATE TABLE IF NOT EXISTS eventgate_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
      sql.exec('CREATE TABLE IF NOT EXISTS eventgate_events (seq INTEGER PRIMARY KEY, json TEXT NOT NULL)');
      const meta = new Map<string, string>();
      for (const r of sql.exec<{ key: string; value: string }>('SELECT key, value FROM eventgate_meta')) meta.set(r.key, r.value);
      let epoch = meta.get('epoch');
      if (!epoch) {
        // No epoch: this storage is new (or was lost). Anything left in it is not ours to resume.
        epoch = newEpoch();
        sql.exec('DELETE FROM eventgate_events');
        sql.exec("INSERT OR REPLACE INTO eventgate_meta (key, value) VALUES ('epoch', ?), ('head', '0')", epoch);
        meta.set('head', '0');
      }
      this.#epoch = epoch;
      this.#head = Number(meta.get('head') ?? '0');
      // HISTORY_SIZE may have been lowered since the last run.
      this.#trim();
    });
    this.#sink = sink;
    this.#opened = true;
  }

  #trim(): void {
    const sql = this.#storage.sql;
    const floor = this.#head - this.#historySize;
    if (floor > 0) sql.exec('DELETE FROM eventgate_events WHERE seq <= ?', floor);
    const row = sql.exec<{ oldest: number | null }>('SELECT MIN(seq) AS oldest FROM eventgate_events').one();
    this.#oldest = row.oldest ?? null;
  }

  async append(events: NewEvent[]): Promise<Envelope[]> {
    if (!this.#opened) throw new BackendUnavailableError('the Durable Object store is not open');
    // Every event is serialised (which may throw) before the transaction stores any.
    const out = events.map((e, i) => new Envelope({ id: formatCursor(this.#epoch, this.#head + i + 1), ...e }, this.#head + i + 1));
    const sql = this.#storage.sql;
    const before = { head: this.#head, oldest: this.#oldest };
    try {
      this.#storage.transactionSync(() => {
        for (const env of out) sql.exec('INSERT INTO eventgate_events (seq, json) VALUES (?, ?)', env.offset, env.json);
        const seq = this.#head + out.length;
        sql.exec("UPDATE eventgate_meta SET value = ? WHERE key = 'head'", String(seq));
        this.#head = seq;
        this.#trim();
      });
    } catch (err) {
      // The transaction rolled back: nothing of the batch is stored.
      this.#head = before.head;
      this.#oldest = before.oldest;
      throw new BackendUnavailableError(`the Durable Object store refused the write: ${(err as Error).message}`);
    }
    this.#sink?.(out);
    return out;
  }

  window(): HistoryWindow {
    return { epoch: this.#epoch, oldest: this.#oldest, head: this.#head };
  }

  async readAfter(after: number, limit: number) {
    const events: Envelope[] = [];
    if (limit > 0) {
      for (const r of this.#storage.sql.exec<Row>('SELECT seq, json FROM eventgate_events WHERE seq > ? ORDER BY seq LIMIT ?', after, limit)) {
        events.push(toEnvelope(r));
      }
    }
    return { events, window: this.window() };
  }

  async readLatest(limit: number, match: (e: Envelope) => boolean) {
    const events: Envelope[] = [];
    if (limit > 0) {
      // Newest first, stopping as soon as enough match; the cursor reads rows lazily.
      for (const r of this.#storage.sql.exec<Row>('SELECT seq, json FROM eventgate_events ORDER BY seq DESC')) {
        const env = toEnvelope(r);
        if (match(env)) events.push(env);
        if (events.length >= limit) break;
      }
      events.reverse();
    }
    return { events, window: this.window() };
  }

  health(): BackendHealth {
    return this.#opened ? { ok: true, backend: this.kind } : { ok: false, backend: this.kind, detail: 'not open' };
  }

  async close(): Promise<void> {
    this.#sink = undefined;
  }
}

function toEnvelope(r: Row): Envelope {
  return new Envelope(JSON.parse(r.json), r.seq, r.json);
}
