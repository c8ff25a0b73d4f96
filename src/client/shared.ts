/**
 * eventgate/client/shared: one subscription shared by every tab of an
 * origin. The tab that holds a Web Lock (`eventgate:<name>`) runs the real
 * EventgateClient and relays what it receives over a BroadcastChannel; the
 * others listen. When the leading tab goes, the lock passes to another tab,
 * which connects from the last cursor it saw relayed: no duplicate, no gap.
 * Tabs sharing a name share the filter; setFilter from any tab changes it
 * for all. No dependencies.
 */
import type { BuiltinEvents, Filter, GatewayEvent } from '../protocol.ts';
import { EventgateClient } from './eventgate-client.ts';
import { ClientHandlers } from './handlers.ts';
import type { ClientError, ClientOptions, ConnectionState, EventInfo, Off, StateDetail } from './types.ts';

export interface SharedClientOptions<T extends string = string> extends Omit<ClientOptions<T>, 'connect'> {
  /** Tabs with the same name share one subscription (and its filter). Default `default`. */
  name?: string;
}

const CONTROLS = ['gap', 'dropped', 'overflow', 'shutdown', 'ready', 'error', 'control'] as const;
type Relayed = (typeof CONTROLS)[number];
const SUBSCRIBE: Record<Relayed, 'onGap' | 'onDropped' | 'onOverflow' | 'onShutdown' | 'onReady' | 'onError' | 'onControl'> = {
  gap: 'onGap',
  dropped: 'onDropped',
  overflow: 'onOverflow',
  shutdown: 'onShutdown',
  ready: 'onReady',
  error: 'onError',
  control: 'onControl',
};

/** What tabs say to each other over the BroadcastChannel. */
type Message =
  | { k: 'hello' }
  | { k: 'event'; e: GatewayEvent; info: EventInfo }
  | { k: 'state'; state: ConnectionState; detail: StateDetail }
  | { k: 'ctl'; name: Relayed; v: unknown }
  | { k: 'filter'; filter: Filter }
  | { k: 'set-filter'; id: string; filter: Filter }
  | { k: 'filter-done'; id: string; error?: { message: string; field?: string } };

export class SharedEventgateClient<E = BuiltinEvents> extends ClientHandlers<E, StateDetail & { leader: boolean }> {
  readonly #bc: BroadcastChannel;
  readonly #lockName: string;
  readonly #options: SharedClientOptions<NoInfer<keyof E & string>>;
  #filter: Filter;
  #lastEventId: string | null;
  #client: EventgateClient<E> | null = null;
  #release: (() => void) | null = null;
  readonly #abort = new AbortController();
  #state: ConnectionState = 'connecting';
  #seq = 0;
  readonly #waiting = new Map<string, { resolve: () => void; reject: (e: Error) => void }>();

  constructor(options: SharedClientOptions<NoInfer<keyof E & string>> = {}) {
    super();
    this.#lockName = `eventgate:${options.name ?? 'default'}`;
    this.#options = options;
    this.#filter = { ...(options.filter ?? {}) };
    this.#lastEventId = options.lastEventId ?? null;
    this.#bc = new BroadcastChannel(this.#lockName);
    this.#bc.onmessage = (m: MessageEvent<Message>) => this.#receive(m.data);
    navigator.locks
      .request(this.#lockName, { signal: this.#abort.signal }, () => this.#lead())
      .catch((err: unknown) => {
        if ((err as Error)?.name !== 'AbortError') this.listeners.emit('error', { error: 'lock', message: `could not take part in sharing: ${err}` } satisfies ClientError);
      });
    this.#post({ k: 'hello' });
  }

  /** Whether this tab holds the connection. */
  get leader(): boolean {
    return this.#client !== null;
  }
  /** The leading tab's connection state. */
  get state(): ConnectionState {
    return this.#state;
  }
  get lastEventId(): string | null {
    return this.#lastEventId;
  }
  get filter(): Filter<keyof E & string> {
    return structuredClone(this.#filter) as Filter<keyof E & string>;
  }

  protected currentDetail(): StateDetail & { leader: boolean } {
    return { leader: this.leader };
  }

  /** Changes the shared filter, for every tab; resolves when the leading tab's subscription has it. */
  setFilter(filter: Filter<keyof E & string>): Promise<void> {
    if (this.#client) return this.#applyFilter(filter);
    const id = `${Math.random().toString(36).slice(2)}-${++this.#seq}`;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      this.#post({ k: 'set-filter', id, filter });
    });
  }

  /** Leaves the sharing; if this tab led, another one takes over from the last cursor. */
  close(): void {
    this.#abort.abort();
    this.#release?.();
    this.#bc.close();
    for (const w of this.#waiting.values()) w.reject(new Error('eventgate: the client was closed'));
    this.#waiting.clear();
    this.#setState('closed', {});
  }

  // ---- leading ----------------------------------------------------------

  /** Runs while this tab holds the lock. */
  #lead(): Promise<void> {
    const { name: _name, ...options } = this.#options;
    const c = new EventgateClient<E>({ ...options, filter: this.#filter as Filter<keyof E & string>, lastEventId: this.#lastEventId ?? undefined });
    this.#client = c;
    c.on('*', (e, info) => {
      this.#post({ k: 'event', e: e as GatewayEvent, info });
      this.#deliver(e as GatewayEvent, info);
    });
    c.onState((state, detail) => {
      this.#post({ k: 'state', state, detail });
      this.#setState(state, { ...detail, leader: true });
    });
    for (const name of CONTROLS) {
      (c[SUBSCRIBE[name]] as (fn: (v: unknown) => void) => Off)((v) => {
        this.#post({ k: 'ctl', name, v });
        this.listeners.emit(name, v);
      });
    }
    return new Promise((resolve) => {
      this.#release = () => {
        c.close();
        this.#client = null;
        resolve();
      };
    });
  }

  async #applyFilter(filter: Filter): Promise<void> {
    await this.#client!.setFilter(filter as Filter<keyof E & string>);
    this.#filter = { ...filter };
    this.#post({ k: 'filter', filter: this.#filter });
  }

  // ---- following --------------------------------------------------------

  #receive(m: Message): void {
    switch (m?.k) {
      case 'event':
        this.#deliver(m.e, m.info);
        break;
      case 'state':
        this.#setState(m.state, { ...m.detail, leader: false });
        break;
      case 'ctl':
        this.listeners.emit(m.name, m.v);
        break;
      case 'filter':
        this.#filter = m.filter;
        break;
      case 'hello': // a new tab: tell it where things stand
        if (this.#client) {
          this.#post({ k: 'state', state: this.#client.state, detail: {} });
          this.#post({ k: 'filter', filter: this.#filter });
        }
        break;
      case 'set-filter':
        if (this.#client) {
          this.#applyFilter(m.filter).then(
            () => this.#post({ k: 'filter-done', id: m.id }),
            (err: Error & { field?: string }) => this.#post({ k: 'filter-done', id: m.id, error: { message: err.message, field: err.field } }),
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

  #deliver(e: GatewayEvent, info: EventInfo): void {
    this.#lastEventId = e.id;
    this.deliver(e, info);
  }

  // ---- plumbing ---------------------------------------------------------

  #post(m: Message): void {
    this.#bc.postMessage(m);
  }

  #setState(state: ConnectionState, detail: StateDetail & { leader?: boolean }): void {
    this.#state = state;
    this.listeners.emit('state', state, detail);
  }
}
