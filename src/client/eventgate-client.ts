/**
 * eventgate/client: one subscription over SSE or WebSocket that never loses
 * its place. It reconnects by itself with exponential backoff and jitter,
 * always with the last cursor it saw in the query (and, when given a
 * storage, from the cursor saved before a page reload), and reports every
 * gap, drop, overflow and state change. No dependencies.
 */
import { WS_CLOSE, type BuiltinEvents, type Control, type ErrorControl, type Filter, type GapControl, type GatewayEvent } from '../protocol.ts';
import { CursorStore } from './cursor-store.ts';
import { FilterChanges } from './filter-changes.ts';
import { ClientHandlers } from './handlers.ts';
import { subscriptionUrl } from './query.ts';
import { settingsOf, type Settings } from './settings.ts';
import { reconnectDelay, Watchdog } from './timing.ts';
import { openSse, openWs, probe, refusalError, type CloseInfo, type Transport, type TransportHandlers } from './transports.ts';
import type { ClientError, ClientOptions, ConnectionState, EventInfo, StateDetail } from './types.ts';

export { subscriptionQuery } from './query.ts';
export type * from './types.ts';

/** Refusals that another attempt with the same request cannot fix. */
const FATAL_STATUS = new Set([400, 401, 403, 404]);

/** Closes that are part of normal operation, not worth an error report. */
const QUIET_CLOSE = new Set<number>([WS_CLOSE.normal, WS_CLOSE.goingAway, 1006, WS_CLOSE.tryAgainLater]);

export class EventgateClient<E = BuiltinEvents> extends ClientHandlers<E> {
  readonly #s: Settings;
  #filter: Filter;
  readonly #cursors: CursorStore;
  #lastEventId: string | null = null;
  #state: ConnectionState = 'connecting';
  #conn: Transport | null = null;
  #live = false;
  #attempt = 0;
  #connId = 0;
  #closed = false;
  /** A delay the gateway asked for (shutdown) or chose for us (overflow). */
  #nextDelay: number | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #watchdog = new Watchdog();
  readonly #changes = new FilterChanges();

  constructor(options: ClientOptions<NoInfer<keyof E & string>> = {}) {
    super();
    this.#s = settingsOf(options);
    this.#filter = { ...(options.filter ?? {}) };
    this.#cursors = new CursorStore(options.storage, this.#s.base, options.storageKey);
    this.#lastEventId = options.lastEventId ?? this.#cursors.load(this.#filter);
    if (options.connect !== false) this.#connect();
    else this.#state = 'idle';
  }

  get state(): ConnectionState {
    return this.#state;
  }
  /** The cursor of the last event received: the next connection resumes after it. */
  get lastEventId(): string | null {
    return this.#lastEventId;
  }
  get transport(): 'sse' | 'ws' {
    return this.#s.kind;
  }
  /** A copy of the current filter. */
  get filter(): Filter<keyof E & string> {
    return structuredClone(this.#filter) as Filter<keyof E & string>;
  }

  protected currentDetail(): StateDetail {
    return {};
  }

  /** Connects when created with `connect: false`, or after close(). */
  connect(): this {
    if (this.#conn || this.#timer !== undefined) return this;
    this.#closed = false;
    this.#connect();
    return this;
  }

  /** Drops the current connection (or the wait for the next) and connects again now, from the last cursor. */
  reconnect(): this {
    if (this.#closed) return this;
    this.#drop();
    this.#attempt = 0;
    this.#connect();
    return this;
  }

  /**
   * Replaces the filter. On a live WebSocket it is changed in place (resolves
   * on the gateway's ack); otherwise the client reconnects from its last
   * cursor with the new filter (resolves when that subscription is ready).
   * Rejects when the gateway refuses the filter; the previous one stays.
   */
  setFilter(filter: Filter<keyof E & string>): Promise<void> {
    const prev = this.#filter;
    this.#filter = { ...filter };
    return new Promise((resolve, reject) => {
      const rec = { prev, filter: this.#filter, resolve, reject };
      if (this.#closed) return reject(new Error('eventgate: the client is closed'));
      if (this.#s.kind === 'ws' && this.#conn && this.#conn.send({ op: 'filter', ...this.#filter })) {
        this.#changes.add({ ...rec, via: 'ack' });
        return;
      }
      this.#changes.add({ ...rec, via: 'ready' });
      this.reconnect();
    });
  }

  /** Closes for good (until connect()). */
  close(): void {
    this.#closed = true;
    this.#drop();
    this.#changes.rejectAll(new Error('eventgate: the client was closed'));
    this.#setState('closed', {});
  }

  #url(kind: 'sse' | 'ws'): string {
    const cursor = this.#lastEventId ?? undefined;
    const extra = {
      last_event_id: cursor,
      replay: cursor ? undefined : this.#s.replay,
      on_overflow: this.#s.overflowPolicy,
      access_token: typeof this.#s.token === 'function' ? this.#s.token() : this.#s.token,
    };
    return subscriptionUrl(this.#s.base, kind, this.#filter, extra);
  }

  #connect(): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const id = ++this.#connId;
    this.#live = false;
    this.#setState('connecting', { attempt: this.#attempt, lastEventId: this.#lastEventId });
    const sseUrl = this.#url('sse');
    const h: TransportHandlers = {
      open: () => {
        this.#watchdog.heard();
        this.#setState('replaying', { lastEventId: this.#lastEventId });
      },
      event: (e) => this.#onEvent(e),
      control: (c) => this.#onControl(c),
      close: (info) => void this.#onClose(id, info, sseUrl),
    };
    this.#conn = this.#s.kind === 'ws' ? openWs(this.#url('ws'), h, this.#s.ws) : openSse(sseUrl, h, this.#s.sse);
    if (this.#s.kind === 'ws' && this.#s.pingMs > 0) this.#startPings();
  }

  /** Closes the current transport quietly and cancels any wait. */
  #drop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#watchdog.stop();
    this.#connId++;
    this.#conn?.close();
    this.#conn = null;
    this.#live = false;
    this.#changes.awaitReady();
  }

  /** A WebSocket that answers nothing (not even our ping) within two intervals is taken for dead. */
  #startPings(): void {
    const id = this.#connId;
    this.#watchdog.start(
      this.#s.pingMs,
      () => this.#conn?.send({ op: 'ping' }),
      () => {
        this.#error({ error: 'timeout', message: `no answer from the gateway for ${2 * this.#s.pingMs} ms; reconnecting` });
        this.#conn?.close();
        void this.#onClose(id, { opened: true }, '');
      },
    );
  }

  async #onClose(id: number, info: CloseInfo, sseUrl: string): Promise<void> {
    if (id !== this.#connId || this.#closed) return;
    this.#watchdog.stop();
    this.#conn = null;
    this.#live = false;
    this.#changes.awaitReady();
    if (info.code === WS_CLOSE.tryAgainLater) this.#nextDelay ??= 0; // overflow on WebSocket: resume by replay at once
    if (info.code !== undefined && !QUIET_CLOSE.has(info.code)) {
      this.#error({ error: 'closed', code: info.code, message: `the gateway closed the WebSocket: ${info.code} ${info.reason ?? ''}`.trim() });
    }
    if (!info.opened && sseUrl) {
      const refusal = await probe(sseUrl, this.#s.headers);
      if (id !== this.#connId || this.#closed) return;
      if (refusal) {
        const err = refusalError(refusal);
        if (err.field === 'last_event_id' && this.#lastEventId !== null) return this.#dropCursor(err);
        this.#error(err);
        if (FATAL_STATUS.has(refusal.status)) return this.#refused(err);
      }
    }
    this.#schedule();
  }

  /** The gateway refused the request itself: retrying it as is cannot help. */
  #refused(err: ClientError): void {
    const first = this.#changes.rejectAll(Object.assign(new Error(`eventgate: ${err.message}`), err));
    if (first) {
      this.#filter = first.prev; // the filter was the problem: go back to the last one that worked
      this.#schedule();
      return;
    }
    this.#closed = true;
    this.#setState('closed', { error: err });
  }

  /**
   * The gateway refused the cursor itself (junk in a storage, or one from
   * another gateway): forget it, say so with a gap, and subscribe afresh now.
   */
  #dropCursor(err: ClientError): void {
    const gap: GapControl = {
      control: 'gap',
      requested: this.#lastEventId ?? '',
      reason: 'invalid',
      resume_from: null,
      missed: null,
      message: `the gateway refused the cursor (${err.message}); subscribing afresh, so events since it may be missing`,
    };
    this.#lastEventId = null;
    this.#cursors.forget(this.#filter);
    this.listeners.emit('control', gap);
    this.listeners.emit('gap', gap);
    this.#nextDelay = 0;
    this.#schedule();
  }

  #schedule(): void {
    const delay = reconnectDelay(this.#attempt, this.#s.initialDelayMs, this.#s.maxDelayMs, this.#nextDelay);
    this.#nextDelay = undefined;
    this.#attempt++;
    this.#setState('reconnecting', { attempt: this.#attempt, delayMs: delay, lastEventId: this.#lastEventId });
    this.#timer = setTimeout(() => this.#connect(), delay);
  }

  #onEvent(e: unknown): void {
    this.#watchdog.heard();
    if (e === null || typeof e !== 'object' || typeof (e as GatewayEvent).id !== 'string' || typeof (e as GatewayEvent).type !== 'string') {
      this.#error({ error: 'bad_message', message: `the gateway sent something that is not an event: ${JSON.stringify(e).slice(0, 200)}` });
      return;
    }
    const event = e as GatewayEvent;
    this.#lastEventId = event.id;
    const failed = this.#cursors.save(this.#filter, event.id);
    if (failed) this.#error({ error: 'storage', message: failed });
    const info: EventInfo = { replayed: !this.#live };
    this.deliver(event, info);
  }

  #onControl(c: Control): void {
    this.#watchdog.heard();
    switch (c.control) {
      case 'ready':
        this.#live = true;
        this.#attempt = 0;
        this.#setState('live', { replayed: c.replayed, head: c.head });
        this.#changes.ready();
        break;
      case 'overflow':
        this.#nextDelay = 0;
        break;
      case 'shutdown':
        this.#nextDelay = typeof c.retry_ms === 'number' ? c.retry_ms : undefined;
        break;
      case 'ack':
        if (c.op === 'filter') this.#changes.acked();
        break;
      case 'error':
        this.#onRefusedOp(c);
        break;
    }
    this.listeners.emit('control', c);
    if (c.control !== 'ack' && c.control !== 'pong') this.listeners.emit(c.control, c);
  }

  /** A filter op the gateway refused: that filter's promise rejects, and the previous filter stays. */
  #onRefusedOp(c: ErrorControl): void {
    if (c.error !== 'bad_filter') return;
    const change = this.#changes.refusedOp(Object.assign(new Error(`eventgate: ${c.message}`), c));
    if (change && this.#filter === change.filter) this.#filter = change.prev;
  }

  #setState(state: ConnectionState, detail: StateDetail): void {
    this.#state = state;
    this.listeners.emit('state', state, detail);
  }

  #error(err: ClientError): void {
    this.listeners.emit('error', err);
  }
}
