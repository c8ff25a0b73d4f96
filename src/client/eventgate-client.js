/**
 * eventgate/client: the browser client. One subscription over SSE or
 * WebSocket that never loses its place: it reconnects by itself with
 * exponential backoff and jitter, always with the last cursor it saw in the
 * query (and, when given a storage, from the cursor saved before a page
 * reload), and reports every gap, drop, overflow and state change. Types:
 * eventgate-client.d.ts. No dependencies.
 */
import { openSse, openWs, probe } from './transports.js';

const DEFAULT_STORAGE_KEY = 'eventgate:last-event-id';

/** Refusals that another attempt with the same request cannot fix. */
const FATAL_STATUS = new Set([400, 401, 403, 404]);

/** @param {any} err */
function report(err) {
  const g = /** @type {any} */ (globalThis);
  if (typeof g.reportError === 'function') g.reportError(err);
  else setTimeout(() => {
    throw err;
  });
}

/**
 * The query string of a subscription: the filter fields, then cursor, replay and overflow policy.
 * @param {import('./eventgate-client.js').Filter} f
 * @param {Record<string, string | number | undefined>} extra
 */
export function subscriptionQuery(f, extra = {}) {
  const q = new URLSearchParams();
  if (f.types?.length) q.set('types', f.types.join(','));
  if (f.severity?.length) q.set('severity', f.severity.join(','));
  if (f.min_severity) q.set('min_severity', f.min_severity);
  for (const [k, v] of Object.entries(f.meta ?? {})) q.set(`meta.${k}`, String(v));
  for (const [k, v] of Object.entries(extra)) if (v !== undefined && v !== '') q.set(k, String(v));
  return q.toString();
}

export class EventgateClient {
  /** @type {URL} */ #base;
  /** @type {'sse' | 'ws'} */ #kind;
  /** @type {any} */ #filter;
  /** @type {number | undefined} */ #replay;
  /** @type {'disconnect' | 'drop' | undefined} */ #overflowPolicy;
  /** @type {any} */ #storage;
  #storageKey = DEFAULT_STORAGE_KEY;
  #initialDelay = 500;
  #maxDelay = 30_000;
  #pingMs = 25_000;
  /** @type {string | null} */ #lastEventId = null;
  #state = 'connecting';
  /** @type {import('./transports.js').Transport | null} */ #conn = null;
  #live = false;
  #attempt = 0;
  #connId = 0;
  #closed = false;
  /** @type {number | undefined} a delay the gateway asked for (shutdown) or chose for us (overflow) */
  #nextDelay;
  /** @type {ReturnType<typeof setTimeout> | undefined} */ #timer;
  /** @type {ReturnType<typeof setInterval> | undefined} */ #pinger;
  #heardAt = 0;
  #pingedAt = 0;
  /** @type {Map<string, Set<Function>>} */ #listeners = new Map();
  /** @type {{ via: 'ack' | 'ready', prev: any, filter: any, resolve: () => void, reject: (e: Error) => void }[]} */
  #pending = [];

  /** @param {import('./eventgate-client.js').ClientOptions} [options] */
  constructor(options = {}) {
    const base = new URL(options.url ?? '/', globalThis.location?.href);
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    this.#base = base;
    this.#kind = options.transport === 'ws' ? 'ws' : 'sse';
    this.#filter = { ...(options.filter ?? {}) };
    this.#replay = options.replay;
    this.#overflowPolicy = options.onOverflow;
    this.#storage = options.storage ?? undefined;
    if (options.storageKey) this.#storageKey = options.storageKey;
    if (options.backoff?.initialMs !== undefined) this.#initialDelay = options.backoff.initialMs;
    if (options.backoff?.maxMs !== undefined) this.#maxDelay = options.backoff.maxMs;
    if (options.pingMs !== undefined) this.#pingMs = options.pingMs;
    this.#lastEventId = options.lastEventId ?? this.#load();
    if (options.connect !== false) this.#connect();
    else this.#state = 'idle';
  }

  get state() {
    return this.#state;
  }
  get lastEventId() {
    return this.#lastEventId;
  }
  get transport() {
    return this.#kind;
  }
  get filter() {
    return structuredClone(this.#filter);
  }

  /** @param {string} type @param {Function} fn */
  on(type, fn) {
    return this.#listen(type === '*' ? '*' : `type:${type}`, fn);
  }
  /** @param {Function} fn */ onGap(fn) { return this.#listen('gap', fn); }
  /** @param {Function} fn */ onDropped(fn) { return this.#listen('dropped', fn); }
  /** @param {Function} fn */ onOverflow(fn) { return this.#listen('overflow', fn); }
  /** @param {Function} fn */ onShutdown(fn) { return this.#listen('shutdown', fn); }
  /** @param {Function} fn */ onReady(fn) { return this.#listen('ready', fn); }
  /** @param {Function} fn */ onError(fn) { return this.#listen('error', fn); }
  /** @param {Function} fn */ onControl(fn) { return this.#listen('control', fn); }
  /** Called at once with the current state, then on every change. @param {Function} fn */
  onState(fn) {
    const off = this.#listen('state', fn);
    this.#call(fn, this.#state, {});
    return off;
  }

  /** Connects when created with `connect: false`, or after close(). */
  connect() {
    if (this.#conn || this.#timer !== undefined) return this;
    this.#closed = false;
    this.#connect();
    return this;
  }

  /** Drops the current connection (or the wait for the next) and connects again now, from the last cursor. */
  reconnect() {
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
   * @param {import('./eventgate-client.js').Filter} filter
   * @returns {Promise<void>}
   */
  setFilter(filter) {
    const prev = this.#filter;
    this.#filter = { ...filter };
    return new Promise((resolve, reject) => {
      const rec = { prev, filter: this.#filter, resolve, reject };
      if (this.#closed) return reject(new Error('eventgate: the client is closed'));
      if (this.#kind === 'ws' && this.#conn && this.#conn.send({ op: 'filter', ...this.#filter })) {
        this.#pending.push({ ...rec, via: 'ack' });
        return;
      }
      this.#pending.push({ ...rec, via: 'ready' });
      this.reconnect();
    });
  }

  /** Closes for good (until connect()). */
  close() {
    this.#closed = true;
    this.#drop();
    for (const p of this.#pending.splice(0)) p.reject(new Error('eventgate: the client was closed'));
    this.#setState('closed', {});
  }

  // ---- connection -------------------------------------------------------

  #url(/** @type {'sse' | 'ws'} */ kind) {
    const extra = {
      last_event_id: this.#lastEventId ?? undefined,
      replay: this.#lastEventId ? undefined : this.#replay,
      on_overflow: this.#overflowPolicy,
    };
    const u = new URL(kind === 'ws' ? 'ws/events' : 'api/events/stream', this.#base);
    u.search = subscriptionQuery(this.#filter, extra);
    if (kind === 'ws') u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    return u.toString();
  }

  #connect() {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const id = ++this.#connId;
    this.#live = false;
    this.#setState('connecting', { attempt: this.#attempt, lastEventId: this.#lastEventId });
    const sseUrl = this.#url('sse');
    /** @type {import('./transports.js').TransportHandlers} */
    const h = {
      open: () => {
        this.#heardAt = Date.now();
        this.#setState('replaying', { lastEventId: this.#lastEventId });
      },
      event: (e) => this.#onEvent(e),
      control: (c) => this.#onControl(c),
      close: (info) => void this.#onClose(id, info, sseUrl),
    };
    this.#conn = this.#kind === 'ws' ? openWs(this.#url('ws'), h) : openSse(sseUrl, h);
    if (this.#kind === 'ws' && this.#pingMs > 0) this.#startPings();
  }

  /** Closes the current transport quietly and cancels any wait. */
  #drop() {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    clearInterval(this.#pinger);
    this.#pinger = undefined;
    this.#connId++;
    this.#conn?.close();
    this.#conn = null;
    this.#live = false;
    for (const p of this.#pending) p.via = 'ready';
  }

  /** A WebSocket that answers nothing (not even our ping) within two intervals is taken for dead. */
  #startPings() {
    this.#pingedAt = 0;
    this.#pinger = setInterval(() => {
      if (this.#pingedAt && this.#heardAt < this.#pingedAt) {
        this.#emit('error', { error: 'timeout', message: `no answer from the gateway for ${2 * this.#pingMs} ms; reconnecting` });
        const id = this.#connId;
        this.#conn?.close();
        void this.#onClose(id, { opened: true }, '');
        return;
      }
      this.#pingedAt = Date.now();
      this.#conn?.send({ op: 'ping' });
    }, this.#pingMs);
  }

  /**
   * @param {number} id
   * @param {{ opened: boolean, code?: number, reason?: string }} info
   * @param {string} sseUrl
   */
  async #onClose(id, info, sseUrl) {
    if (id !== this.#connId || this.#closed) return;
    clearInterval(this.#pinger);
    this.#pinger = undefined;
    this.#conn = null;
    this.#live = false;
    for (const p of this.#pending) p.via = 'ready';
    if (info.code === 1013) this.#nextDelay ??= 0; // overflow on WebSocket: resume by replay at once
    if (info.code !== undefined && info.code !== 1000 && info.code !== 1001 && info.code !== 1006 && info.code !== 1013) {
      this.#emit('error', { error: 'closed', code: info.code, message: `the gateway closed the WebSocket: ${info.code} ${info.reason ?? ''}`.trim() });
    }
    if (!info.opened && sseUrl) {
      const refusal = await probe(sseUrl);
      if (id !== this.#connId || this.#closed) return;
      if (refusal) {
        const body = refusal.body && typeof refusal.body === 'object' ? refusal.body : { message: String(refusal.body) };
        const err = { error: body.error ?? `http_${refusal.status}`, status: refusal.status, field: body.field, message: body.message ?? `the gateway answered ${refusal.status}` };
        this.#emit('error', err);
        if (FATAL_STATUS.has(refusal.status)) return this.#refused(err);
      }
    }
    this.#schedule();
  }

  /** The gateway refused the request itself: retrying it as is cannot help. */
  #refused(/** @type {any} */ err) {
    const waiting = this.#pending.splice(0);
    for (const p of waiting) p.reject(Object.assign(new Error(`eventgate: ${err.message}`), err));
    if (waiting.length) {
      this.#filter = waiting[0].prev; // the filter was the problem: go back to the last one that worked
      this.#schedule();
      return;
    }
    this.#closed = true;
    this.#setState('closed', { error: err });
  }

  #schedule() {
    const ceiling = Math.min(this.#maxDelay, this.#initialDelay * 2 ** this.#attempt);
    let delay = ceiling / 2 + Math.random() * (ceiling / 2);
    if (this.#nextDelay !== undefined) {
      delay = Math.min(this.#maxDelay, this.#nextDelay + Math.random() * this.#initialDelay);
      this.#nextDelay = undefined;
    }
    this.#attempt++;
    delay = Math.round(delay);
    this.#setState('reconnecting', { attempt: this.#attempt, delayMs: delay, lastEventId: this.#lastEventId });
    this.#timer = setTimeout(() => this.#connect(), delay);
  }

  // ---- messages ---------------------------------------------------------

  #onEvent(/** @type {any} */ e) {
    this.#heardAt = Date.now();
    if (e === null || typeof e !== 'object' || typeof e.id !== 'string' || typeof e.type !== 'string') {
      this.#emit('error', { error: 'bad_message', message: `the gateway sent something that is not an event: ${JSON.stringify(e).slice(0, 200)}` });
      return;
    }
    this.#lastEventId = e.id;
    this.#save(e.id);
    const info = { replayed: !this.#live };
    this.#emit('*', e, info);
    this.#emit(`type:${e.type}`, e, info);
  }

  #onControl(/** @type {any} */ c) {
    this.#heardAt = Date.now();
    switch (c.control) {
      case 'ready':
        this.#live = true;
        this.#attempt = 0;
        this.#setState('live', { replayed: c.replayed, head: c.head });
        for (const p of this.#pending.filter((p) => p.via === 'ready')) p.resolve();
        this.#pending = this.#pending.filter((p) => p.via !== 'ready');
        break;
      case 'overflow':
        this.#nextDelay = 0;
        break;
      case 'shutdown':
        this.#nextDelay = typeof c.retry_ms === 'number' ? c.retry_ms : undefined;
        break;
      case 'ack': {
        const i = this.#pending.findIndex((p) => p.via === 'ack');
        if (c.op === 'filter' && i >= 0) this.#pending.splice(i, 1)[0]?.resolve();
        break;
      }
      case 'error': {
        const i = this.#pending.findIndex((p) => p.via === 'ack');
        if (c.error === 'bad_filter' && i >= 0) {
          const [p] = this.#pending.splice(i, 1);
          if (this.#filter === p?.filter) this.#filter = p.prev;
          p?.reject(Object.assign(new Error(`eventgate: ${c.message}`), c));
        }
        break;
      }
    }
    this.#emit('control', c);
    if (c.control !== 'ack' && c.control !== 'pong') this.#emit(c.control, c);
  }

  // ---- plumbing ---------------------------------------------------------

  #setState(/** @type {string} */ state, /** @type {object} */ detail) {
    this.#state = state;
    this.#emit('state', state, detail);
  }

  #listen(/** @type {string} */ key, /** @type {Function} */ fn) {
    let set = this.#listeners.get(key);
    if (!set) this.#listeners.set(key, (set = new Set()));
    set.add(fn);
    return () => void set.delete(fn);
  }

  #emit(/** @type {string} */ key, /** @type {any[]} */ ...args) {
    const set = this.#listeners.get(key);
    if (set) for (const fn of set) this.#call(fn, ...args);
  }

  /** A throwing handler is reported (window `error`), and the others still run. */
  #call(/** @type {Function} */ fn, /** @type {any[]} */ ...args) {
    try {
      fn(...args);
    } catch (err) {
      report(err);
    }
  }

  #load() {
    try {
      return this.#storage?.getItem(this.#storageKey) ?? null;
    } catch {
      return null;
    }
  }

  #save(/** @type {string} */ id) {
    if (!this.#storage) return;
    try {
      this.#storage.setItem(this.#storageKey, id);
    } catch (err) {
      this.#storage = undefined;
      this.#emit('error', { error: 'storage', message: `could not save the cursor, so a reload will not resume: ${err}` });
    }
  }
}
