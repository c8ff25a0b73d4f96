/**
 * eventgate/client: one subscription over SSE or WebSocket that never loses
 * its place. It reconnects by itself with exponential backoff and jitter,
 * always with the last cursor it saw (and, given a storage, the one saved
 * before a page reload), refreshes its token before `exp` (token.ts), and
 * reports every gap, drop, overflow and state change. No dependencies.
 */
import { WS_CLOSE, type BuiltinEvents, type Control, type ErrorControl, type Filter, type GatewayEvent } from '../protocol.ts';
import { CursorStore } from './cursor-store.ts';
import { FilterChanges } from './filter-changes.ts';
import { ClientHandlers } from './handlers.ts';
import { connectionRequest, type ConnectionRequest } from './request.ts';
import { settingsOf, type Settings } from './settings.ts';
import { reconnectDelay, Watchdog } from './timing.ts';
import { afterRefusal, closeError, probe, refusalError, refusedCursorGap } from './refusal.ts';
import { type RefreshHooks, TokenKeeper } from './token.ts';
import { openSse, openWs, type CloseInfo, type Transport, type TransportHandlers } from './transports.ts';
import type { ClientError, ClientOptions, ConnectionState, EventInfo, StateDetail } from './types.ts';

export { subscriptionQuery } from './query.ts';
export type * from './types.ts';

export class EventgateClient<E = BuiltinEvents> extends ClientHandlers<E> {
  readonly #s: Settings;
  #filter: Filter;
  readonly #cursors: CursorStore;
  #lastEventId: string | null = null;
  #state: ConnectionState = 'connecting';
  #conn: Transport | null = null;
  /** Waiting for the token function's Promise before opening. */
  #awaitingToken = false;
  readonly #token: TokenKeeper;
  #live = false;
  #attempt = 0;
  #connId = 0;
  #closed = false;
  /** A delay the gateway asked for (shutdown) or chose for us (overflow). */
  #nextDelay: number | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #watchdog = new Watchdog();
  readonly #ping = () => this.#conn?.send({ op: 'ping' });
  readonly #refreshHooks: RefreshHooks = {
    sendAuth: (t) => this.#conn?.send({ op: 'auth', token: t }) ?? false,
    reconnect: () => this.reconnect(),
    error: (err) => this.#error(err),
  };
  readonly #changes = new FilterChanges();

  constructor(options: ClientOptions<NoInfer<keyof E & string>> = {}) {
    super();
    this.#s = settingsOf(options);
    this.#filter = { ...(options.filter ?? {}) };
    this.#cursors = new CursorStore(options.storage, this.#s.base, options.storageKey);
    this.#token = new TokenKeeper(options.token);
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
    if (this.#conn || this.#timer !== undefined || this.#awaitingToken) return this;
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

  #connect(): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const id = ++this.#connId;
    this.#live = false;
    this.#setState('connecting', { attempt: this.#attempt, lastEventId: this.#lastEventId });
    this.#awaitingToken = this.#token.forConnection(
      (t) => id === this.#connId && this.#open(id, t),
      (err) => id === this.#connId && (this.#error(err), this.#schedule()),
    );
  }

  #open(id: number, token: string | undefined): void {
    this.#awaitingToken = false;
    const req = connectionRequest(this.#s, this.#filter, this.#lastEventId, token);
    const h: TransportHandlers = {
      open: () => {
        this.#watchdog.heard();
        this.#setState('replaying', { lastEventId: this.#lastEventId });
        this.#token.start(token, this.#refreshHooks); // the refresh of this connection's token
      },
      event: (e) => this.#onEvent(e),
      control: (c) => this.#onControl(c),
      close: (info) => void this.#onClose(id, info, req),
    };
    this.#conn = this.#s.kind === 'ws' ? openWs(req.url, h, { ...this.#s.ws, headers: req.headers }) : openSse(req.url, h, { ...this.#s.sse, headers: req.headers });
    const dead = () => this.#dead(id); // a WebSocket that answers nothing (not even a ping) within two intervals
    if (this.#s.kind === 'ws' && this.#s.pingMs > 0) this.#watchdog.start(this.#s.pingMs, this.#ping, dead);
  }

  /** Closes the current transport quietly and cancels any wait. */
  #drop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#watchdog.stop();
    this.#token.stop();
    this.#connId++;
    this.#conn?.close();
    this.#conn = null;
    this.#awaitingToken = this.#live = false;
    this.#changes.awaitReady();
  }

  #dead(id: number): void {
    this.#error({ error: 'timeout', message: `no answer from the gateway for ${2 * this.#s.pingMs} ms; reconnecting` });
    this.#conn?.close();
    void this.#onClose(id, { opened: true });
  }

  async #onClose(id: number, info: CloseInfo, req?: ConnectionRequest): Promise<void> {
    if (id !== this.#connId || this.#closed) return;
    this.#watchdog.stop();
    this.#token.stop();
    this.#conn = null;
    this.#awaitingToken = this.#live = false;
    this.#changes.awaitReady();
    if (info.code === WS_CLOSE.tryAgainLater) this.#nextDelay ??= 0; // overflow on WebSocket: resume by replay at once
    const unexpected = closeError(info);
    if (unexpected) this.#error(unexpected);
    if (!info.opened && req) {
      const refusal = await probe(req.probe.url, req.probe.headers);
      if (id !== this.#connId || this.#closed) return;
      if (refusal) {
        const err = refusalError(refusal);
        const next = afterRefusal(err, { cursor: this.#lastEventId, tokenFunction: this.#token.refreshable });
        if (next === 'drop-cursor') return this.#dropCursor(err);
        this.#error(err);
        if (next === 'stop') return this.#refused(err);
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
    const gap = refusedCursorGap(this.#lastEventId ?? '', err);
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
    this.#awaitingToken = false;
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
        if (c.op === 'auth') this.#token.acked();
        break;
      case 'token_expired':
        this.#nextDelay = 0; // the stream ends: resume from the cursor at once, with the token function's next answer
        break;
      case 'error':
        this.#onRefusedOp(c);
        break;
    }
    this.listeners.emit('control', c);
    if (c.control !== 'ack' && c.control !== 'pong') this.listeners.emit(c.control, c);
  }

  /** A refused op. A token sent in place: reported (the old one holds until the stream ends). A filter: it rejects, the previous one stays. */
  #onRefusedOp(c: ErrorControl): void {
    if (c.field === 'token') {
      this.#token.refusedInPlace();
      this.#error({ error: c.error, field: c.field, message: c.message });
      return;
    }
    if (c.error !== 'bad_filter' && c.error !== 'forbidden') return;
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
