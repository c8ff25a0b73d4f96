/**
 * The Redis backend: several gateways, one stream. History is a Redis
 * Stream (trimmed to `historySize`), offsets come from one counter in Redis,
 * and the epoch lives beside them, so a cursor issued by any instance
 * resumes on any other and survives every instance restarting (and Redis
 * too, when Redis persists its data). Appends are one Lua script each:
 * a batch is stored whole or not at all, and acknowledged once Redis has it.
 * Live delivery is the XREAD tail (redis/tail.ts), the same for every
 * instance, so all agree on one order.
 *
 * Losing Redis: appends fail at once with BackendUnavailableError (no
 * offline queue, no resend), health says so, and ioredis reconnects with
 * backoff; the tail then resumes where it was. A batch whose answer was lost
 * with the connection is looked up once Redis answers (redis/settle.ts), so
 * the publisher learns whether it was stored.
 */
import { formatCursor, newEpoch } from '../core/cursor.ts';
import { Envelope, type NewEvent } from '../core/event.ts';
import type { Logger } from '../core/logger.ts';
import { BackendUnavailableError, type Backend, type BackendHealth, type EventSink, type HistoryWindow, type OpenHooks } from '../core/store.ts';
import { connect, redact, type Scripted } from './redis/connect.ts';
import { RedisHistory } from './redis/history.ts';
import { parseAppendReply, parseReadReply, type ReadReply } from './redis/reply.ts';
import { findBatch, type Settled } from './redis/settle.ts';
import { RedisTail } from './redis/tail.ts';

export interface RedisBackendOptions {
  /** redis:// or rediss:// URL. */
  url: string;
  /** Key prefix; keys are `{prefix}:meta` and `{prefix}:stream`. */
  prefix: string;
  /** Events kept in the stream. */
  historySize: number;
  logger?: Logger;
  /** Longest XREAD block, which bounds how late a replaced stream is noticed. Default 1000. */
  blockMs?: number;
  /** Longest wait for any other command. Default 5000. */
  commandTimeoutMs?: number;
}

export class RedisBackend implements Backend {
  readonly kind = 'redis';
  readonly #o: Required<Omit<RedisBackendOptions, 'logger'>>;
  readonly #log: Logger;
  readonly #meta: string;
  readonly #stream: string;
  #cmd: Scripted | undefined;
  #reader: Scripted | undefined;
  #historyConn: Scripted | undefined;
  #history: RedisHistory | undefined;
  #tail: RedisTail | undefined;
  #win: HistoryWindow = { epoch: '', oldest: null, head: 0 };
  readonly #state = { lastError: '', closed: false };
  /** Stream entries skipped because they were not valid events. */
  malformed = 0;

  constructor(o: RedisBackendOptions) {
    if (!Number.isInteger(o.historySize) || o.historySize < 1) throw new Error('eventgate: history size must be a positive integer');
    this.#o = { blockMs: 1000, commandTimeoutMs: 5000, ...o };
    this.#log = o.logger ?? (() => {});
    this.#meta = `{${o.prefix}}:meta`;
    this.#stream = `{${o.prefix}}:stream`;
  }

  get epoch(): string {
    return this.#win.epoch;
  }

  #connect(role: string, commandTimeout: number): Scripted {
    return connect({ url: this.#o.url, role, commandTimeout, log: this.#log, state: this.#state });
  }

  async open(sink: EventSink, hooks: OpenHooks = {}): Promise<void> {
    this.#cmd = this.#connect('commands', this.#o.commandTimeoutMs);
    this.#reader = this.#connect('tail', this.#o.blockMs + this.#o.commandTimeoutMs);
    this.#historyConn = this.#connect('history', this.#o.commandTimeoutMs);
    this.#history = new RedisHistory({
      conn: () => this.#ready(this.#historyConn),
      meta: this.#meta,
      stream: this.#stream,
      onReply: (r) => {
        if (r.epoch !== this.#win.epoch) throw this.#otherEpoch(r.epoch);
        this.#advance(r.head, r.oldest);
      },
      onMalformed: (offset, why) => this.#malformed(offset, why),
    });
    // Until Redis answers the gateway does not start: there is no stream to serve.
    let first: ReadReply | undefined;
    for (let attempt = 0; !first; attempt++) {
      if (this.#state.closed) throw new Error('eventgate: Redis backend closed while opening');
      try {
        if (this.#cmd.status !== 'ready') await new Promise((r) => setTimeout(r, 100));
        else first = parseReadReply(await this.#cmd.egRead(this.#meta, this.#stream, newEpoch(), 'window', '0', '0'));
      } catch (err) {
        if (attempt % 20 === 0) this.#log('warn', `redis: waiting for ${redact(this.#o.url)}`, err);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    this.#win = { epoch: first.epoch, head: first.head, oldest: first.oldest };
    this.#tail = new RedisTail({
      conn: this.#reader,
      meta: this.#meta,
      stream: this.#stream,
      epoch: first.epoch,
      after: first.head,
      blockMs: this.#o.blockMs,
      count: 1000,
      onWindow: (w) => {
        if (w.epoch === this.#win.epoch) this.#advance(w.head, w.oldest);
        else this.#win = { epoch: w.epoch, head: w.head, oldest: w.oldest };
      },
      deliver: (envs) => {
        this.#advance(envs[envs.length - 1]!.offset);
        sink(envs);
      },
      onBreak: (b) => {
        this.#log('warn', b.reason === 'unknown_epoch' ? `redis: the stream was replaced (new epoch ${this.#win.epoch}); history before it is lost` : `redis: ${b.missed} events were trimmed before this instance read them`);
        hooks.onBreak?.(b);
      },
      onMalformed: (offset, why) => this.#malformed(offset, why),
      onState: (ok, err) => {
        if (!ok) this.#log('warn', 'redis: live delivery paused, will resume from where it stopped', err);
        else this.#log('info', `redis: live delivery resumed after ${this.#win.epoch}-${this.#tail?.last ?? 0}`);
      },
    });
    this.#tail.start();
  }

  #malformed(offset: number | null, why: string): void {
    this.malformed++;
    this.#log('error', `redis: skipped malformed stream entry${offset === null ? '' : ` at offset ${offset}`}: ${why}`);
  }

  /** Moves the cached window forward (the head only grows within an epoch). */
  #advance(head: number, oldest?: number | null): void {
    const w = this.#win;
    if (head > w.head) w.head = head;
    const floor = Math.max(1, w.head - this.#o.historySize + 1);
    const o = Math.max(oldest ?? floor, floor, w.oldest ?? 0);
    w.oldest = w.head > 0 ? o : null;
  }

  /** A reply of another epoch than the one live delivery is in: the tail must catch up first. */
  #otherEpoch(epoch: string): BackendUnavailableError {
    void this.#unblockTail();
    return new BackendUnavailableError(`the Redis stream was replaced (epoch ${epoch}, was ${this.#win.epoch}); live delivery is switching over`);
  }

  /** Ends the tail's blocked read now, so it looks at the window at once. */
  async #unblockTail(): Promise<void> {
    const id = this.#tail?.clientId;
    if (id !== undefined) await this.#cmd?.client('UNBLOCK', id).catch(() => {});
  }

  #ready(conn = this.#cmd): Scripted {
    if (!conn || this.#state.closed) throw new BackendUnavailableError('the Redis backend is not open');
    if (conn.status !== 'ready') throw new BackendUnavailableError(`Redis is unreachable (${this.#state.lastError || conn.status})`);
    return conn;
  }

  async append(events: NewEvent[]): Promise<Envelope[]> {
    if (events.length === 0) return [];
    const cmd = this.#ready();
    const bodies = events.map((e) => {
      const json = JSON.stringify(e);
      if (json.length < 3 || json[0] !== '{') throw new Error('eventgate: an event must be a non-empty object');
      return json.slice(1);
    });
    const token = crypto.randomUUID();
    const headBefore = this.#win.head;
    let raw: unknown;
    try {
      raw = await cmd.egAppend(this.#meta, this.#stream, newEpoch(), String(this.#o.historySize), token, ...bodies);
    } catch (err) {
      const e = err as Error;
      if (e.name === 'MaxRetriesPerRequestError' || /Connection is closed|ECONNRESET|EPIPE/i.test(e.message)) {
        // The connection broke with the batch in flight: find out whether Redis has it.
        const s = await this.#settle(token, headBefore);
        if (s.stored === true) return this.#envelopes(events, bodies, s.epoch, s.first);
        if (s.stored === false) throw new BackendUnavailableError('the connection to Redis broke before it stored the batch');
        throw new BackendUnavailableError('the connection to Redis broke while the batch was in flight, and Redis could not be asked whether it stored it; it may still be delivered');
      }
      const timedOut = /timed out/i.test(e.message);
      throw new BackendUnavailableError(`Redis did not take the batch (${e.message})${timedOut ? '; Redis may still store it, and it would then be delivered' : ''}`);
    }
    const r = parseAppendReply(raw);
    if (r.last - r.first + 1 !== events.length) throw new BackendUnavailableError(`Redis stored ${r.last - r.first + 1} events of a batch of ${events.length}`);
    return this.#envelopes(events, bodies, r.epoch, r.first, r.oldest);
  }

  #envelopes(events: NewEvent[], bodies: string[], epoch: string, first: number, oldest?: number | null): Envelope[] {
    const last = first + events.length - 1;
    if (epoch === this.#win.epoch) this.#advance(last, oldest);
    else void this.#unblockTail();
    const out: Envelope[] = new Array(events.length);
    for (let i = 0; i < events.length; i++) {
      const offset = first + i;
      const id = formatCursor(epoch, offset);
      out[i] = new Envelope({ id, ...events[i]! }, offset, `{"id":"${id}",${bodies[i]}`);
    }
    return out;
  }

  /** Waits (at most the command timeout) for Redis to answer again, then looks for the batch. */
  async #settle(token: string, headBefore: number): Promise<Settled> {
    const deadline = Date.now() + this.#o.commandTimeoutMs;
    while (!this.#state.closed && Date.now() < deadline) {
      const cmd = this.#cmd!;
      if (cmd.status === 'ready') {
        try {
          return await findBatch(cmd, this.#stream, token, headBefore, Math.min(this.#o.historySize, 10_000));
        } catch {
          /* not answering yet */
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return { stored: 'unknown' };
  }

  async readAfter(after: number, limit: number): Promise<{ events: Envelope[]; window: HistoryWindow }> {
    if (!this.#history) throw new BackendUnavailableError('the Redis backend is not open');
    return this.#history.after(after, limit);
  }

  async readLatest(limit: number, match: (e: Envelope) => boolean): Promise<{ events: Envelope[]; window: HistoryWindow }> {
    if (!this.#history) throw new BackendUnavailableError('the Redis backend is not open');
    return this.#history.latest(limit, match);
  }

  window(): HistoryWindow {
    return { ...this.#win };
  }

  health(): BackendHealth {
    const cmd = this.#cmd;
    if (!cmd || !this.#tail) return { ok: false, backend: this.kind, detail: 'connecting to Redis' };
    if (cmd.status !== 'ready') return { ok: false, backend: this.kind, detail: `Redis is unreachable (${this.#state.lastError || cmd.status})` };
    if (!this.#tail.healthy) return { ok: false, backend: this.kind, detail: 'live delivery from Redis is reconnecting' };
    return this.malformed ? { ok: true, backend: this.kind, detail: `${this.malformed} malformed stream entries skipped` } : { ok: true, backend: this.kind };
  }

  async close(): Promise<void> {
    if (this.#state.closed) return;
    this.#state.closed = true;
    const stopping = this.#tail?.stop();
    this.#reader?.disconnect();
    this.#historyConn?.disconnect();
    await stopping;
    await this.#cmd?.quit().catch(() => this.#cmd?.disconnect());
  }
}
