/**
 * One subscription shared by every tab of an origin: the tab that holds a
 * Web Lock (`eventgate:<name>`) runs the real EventgateClient and relays what
 * it receives over a BroadcastChannel; the others listen. When the leading
 * tab goes, the lock passes to another tab, which connects from the last
 * cursor it saw relayed: no duplicate, no gap. Tabs sharing a name share the
 * filter; setFilter from any tab changes it for all. No dependencies.
 */
import { EventgateClient } from './eventgate-client.js';

const CONTROLS = /** @type {const} */ (['gap', 'dropped', 'overflow', 'shutdown', 'ready', 'error', 'control']);

export class SharedEventgateClient {
  /** @type {BroadcastChannel} */ #bc;
  #lockName;
  #options;
  /** @type {any} */ #filter;
  /** @type {string | null} */ #lastEventId;
  /** @type {EventgateClient | null} */ #client = null;
  /** @type {(() => void) | null} */ #release = null;
  #abort = new AbortController();
  #state = 'connecting';
  #seq = 0;
  /** @type {Map<string, { resolve: () => void, reject: (e: Error) => void }>} */ #waiting = new Map();
  /** @type {Map<string, Set<Function>>} */ #listeners = new Map();

  /** @param {import('./shared.js').SharedClientOptions} [options] */
  constructor(options = {}) {
    const name = options.name ?? 'default';
    this.#lockName = `eventgate:${name}`;
    this.#options = options;
    this.#filter = { ...(options.filter ?? {}) };
    this.#lastEventId = options.lastEventId ?? null;
    this.#bc = new BroadcastChannel(this.#lockName);
    this.#bc.onmessage = (m) => this.#receive(m.data);
    navigator.locks
      .request(this.#lockName, { signal: this.#abort.signal }, () => this.#lead())
      .catch((err) => {
        if (err?.name !== 'AbortError') this.#emit('error', { error: 'lock', message: `could not take part in sharing: ${err}` });
      });
    this.#bc.postMessage({ k: 'hello' });
  }

  /** Whether this tab holds the connection. */
  get leader() {
    return this.#client !== null;
  }
  get state() {
    return this.#state;
  }
  get lastEventId() {
    return this.#lastEventId;
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
  /** @param {Function} fn */
  onState(fn) {
    const off = this.#listen('state', fn);
    fn(this.#state, { leader: this.leader });
    return off;
  }

  /** Changes the shared filter (for every tab). @param {any} filter @returns {Promise<void>} */
  setFilter(filter) {
    if (this.#client) return this.#applyFilter(filter);
    const id = `${Math.random().toString(36).slice(2)}-${++this.#seq}`;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      this.#bc.postMessage({ k: 'set-filter', id, filter });
    });
  }

  /** Leaves the sharing; if this tab led, another takes over. */
  close() {
    this.#abort.abort();
    this.#release?.();
    this.#bc.close();
    for (const w of this.#waiting.values()) w.reject(new Error('eventgate: the client was closed'));
    this.#waiting.clear();
    this.#setState('closed', {});
  }

  // ---- leading ----------------------------------------------------------

  /** Runs while this tab holds the lock. */
  #lead() {
    const { name: _n, ...options } = this.#options;
    const c = new EventgateClient({ ...options, filter: this.#filter, lastEventId: this.#lastEventId ?? undefined });
    this.#client = c;
    c.on('*', (e, info) => {
      this.#bc.postMessage({ k: 'event', e, info });
      this.#deliver(e, info);
    });
    c.onState((state, detail) => {
      this.#bc.postMessage({ k: 'state', state, detail });
      this.#setState(state, { ...detail, leader: true });
    });
    for (const name of CONTROLS) {
      const on = /** @type {any} */ (c)[`on${name[0]?.toUpperCase()}${name.slice(1)}`];
      on.call(c, (/** @type {any} */ v) => {
        this.#bc.postMessage({ k: 'ctl', name, v });
        this.#emit(name, v);
      });
    }
    return new Promise((resolve) => {
      this.#release = () => {
        c.close();
        this.#client = null;
        resolve(undefined);
      };
    });
  }

  /** @param {any} filter */
  async #applyFilter(filter) {
    await /** @type {EventgateClient} */ (this.#client).setFilter(filter);
    this.#filter = { ...filter };
    this.#bc.postMessage({ k: 'filter', filter: this.#filter });
  }

  // ---- following --------------------------------------------------------

  /** @param {any} m */
  #receive(m) {
    switch (m?.k) {
      case 'event':
        this.#deliver(m.e, m.info);
        break;
      case 'state':
        this.#setState(m.state, { ...m.detail, leader: false });
        break;
      case 'ctl':
        this.#emit(m.name, m.v);
        break;
      case 'filter':
        this.#filter = m.filter;
        break;
      case 'hello': // a new tab: tell it where things stand
        if (this.#client) {
          this.#bc.postMessage({ k: 'state', state: this.#client.state, detail: {} });
          this.#bc.postMessage({ k: 'filter', filter: this.#filter });
        }
        break;
      case 'set-filter':
        if (this.#client) {
          this.#applyFilter(m.filter).then(
            () => this.#bc.postMessage({ k: 'filter-done', id: m.id }),
            (err) => this.#bc.postMessage({ k: 'filter-done', id: m.id, error: { message: err.message, field: err.field } }),
          );
        }
        break;
      case 'filter-done': {
        const w = this.#waiting.get(m.id);
        this.#waiting.delete(m.id);
        if (m.error) w?.reject(Object.assign(new Error(m.error.message), m.error));
        else w?.resolve();
        break;
      }
    }
  }

  /** @param {any} e @param {any} info */
  #deliver(e, info) {
    this.#lastEventId = e.id;
    this.#emit('*', e, info);
    this.#emit(`type:${e.type}`, e, info);
  }

  // ---- plumbing ---------------------------------------------------------

  /** @param {string} state @param {object} detail */
  #setState(state, detail) {
    this.#state = state;
    this.#emit('state', state, detail);
  }

  /** @param {string} key @param {Function} fn */
  #listen(key, fn) {
    let set = this.#listeners.get(key);
    if (!set) this.#listeners.set(key, (set = new Set()));
    set.add(fn);
    return () => void set.delete(fn);
  }

  /** @param {string} key @param {any[]} args */
  #emit(key, ...args) {
    const set = this.#listeners.get(key);
    if (!set) return;
    for (const fn of set) {
      try {
        fn(...args);
      } catch (err) {
        const g = /** @type {any} */ (globalThis);
        if (typeof g.reportError === 'function') g.reportError(err);
      }
    }
  }
}
