/**
 * The client's public types: its options, states, errors and the notices it
 * hands to handlers. The wire shapes themselves are the protocol's.
 */
import type { Control, DroppedControl, Filter, GapControl, OverflowControl, ReadyControl, ShutdownControl } from '../protocol.ts';

export type {
  AnyEvent,
  BuiltinEvents,
  CacheMetadata,
  CgragMetadata,
  ErrorMetadata,
  Filter,
  GatewayEvent,
  ModelStateMetadata,
  PerformanceMetadata,
  QueryRouteMetadata,
  Severity,
} from '../protocol.ts';

export type GapNotice = GapControl;
export type DroppedNotice = DroppedControl;
export type OverflowNotice = OverflowControl;
export type ShutdownNotice = ShutdownControl;
export type ReadyNotice = ReadyControl;
/** Every control message, as the gateway sent it (WebSocket also has `ack`, `error` and `pong`). */
export type ControlMessage = Control;

export interface EventInfo {
  /** True for events replayed from history (before `ready`), false for live ones. */
  replayed: boolean;
}

/** A problem the client reports: a refusal by the gateway (`status`, `field`), an unexpected close, a dead socket, a storage failure. */
export interface ClientError {
  error: string;
  message: string;
  status?: number;
  field?: string;
  code?: number;
}

/**
 * `connecting`: a connection is being opened. `replaying`: it is open and
 * history is being replayed. `live`: the gateway said `ready`.
 * `reconnecting`: waiting `delayMs` before the next attempt. `closed`:
 * close() was called, or the gateway refused the request itself (400, 401,
 * 403, 404: `error` says why). `idle`: created with `connect: false`.
 */
export type ConnectionState = 'idle' | 'connecting' | 'replaying' | 'live' | 'reconnecting' | 'closed';

export interface StateDetail {
  attempt?: number;
  delayMs?: number;
  lastEventId?: string | null;
  replayed?: number;
  head?: string | null;
  error?: ClientError;
}

/** What the client needs of a Storage (sessionStorage, localStorage). */
export interface CursorStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem?(key: string): void;
}

export interface ClientOptions<T extends string = string> {
  /** The gateway's base URL. Default: this page's origin. */
  url?: string | URL;
  /** Default `sse`. */
  transport?: 'sse' | 'ws';
  filter?: Filter<T>;
  /** Events replayed on a first connection without a cursor (`replay=N`). Default: the gateway's REPLAY_DEFAULT. */
  replay?: number;
  /** The gateway's slow-consumer policy for this subscription. Default: the gateway's OVERFLOW_POLICY. */
  onOverflow?: 'disconnect' | 'drop';
  /** Resume after this cursor. Default: the one in `storage`, if any. */
  lastEventId?: string;
  /**
   * Where the last cursor is saved after every event, so that the first connection after a page reload resumes
   * (e.g. sessionStorage). Each gateway URL and filter has its own entry; a saved cursor the gateway refuses is
   * dropped, with a `gap` (reason `invalid`), and the client subscribes afresh.
   */
  storage?: CursorStorage;
  /** The start of the storage keys (followed by the gateway URL and the filter). Default `eventgate:last-event-id`. */
  storageKey?: string;
  /** Reconnect delays: `initialMs * 2^attempt`, at most `maxMs`, each jittered to between half and all of it. Default 500 and 30000. */
  backoff?: { initialMs?: number; maxMs?: number };
  /** WebSocket only: a `{"op":"ping"}` every this many ms; no answer by the next one reconnects. 0 turns it off. Default 25000. */
  pingMs?: number;
  /** Default true: connect at once. */
  connect?: boolean;
  /**
   * A token for a gateway that requires one. A function (which may return a Promise) is asked again for every
   * connection and for every refresh. Before the token's `exp` (read from the JWT, not verified; a token without
   * `exp` is never refreshed) the client asks for a newer one: a WebSocket sends it in place (`{"op":"auth"}`), SSE
   * reconnects with it from its cursor. When the gateway ends the stream at `exp` first, or refuses a token (a 401,
   * or an `op: auth` error, each reported to onError), the client asks again for its next connection, with its
   * backoff. A string cannot change: a 401 closes the client. Sent as `Authorization: Bearer` where the transport
   * can send headers (outside a browser: a WebSocket, an EventSource with a `fetch` option), else as `access_token`.
   */
  token?: TokenOption;
  /**
   * The WebSocket class. Default: the global one (browsers, Node 22 and later, Bun, Deno). On Node 20 pass
   * `WebSocket` from the `ws` package.
   */
  WebSocket?: WebSocketClass;
  /** The EventSource class. Default: the global one (browsers). In Node pass `EventSource` from the `eventsource` package. */
  EventSource?: EventSourceClass;
  /**
   * Headers for every request, where the transport can send them: a WebSocket outside a browser, an EventSource
   * class with a `fetch` option (the `eventsource` package), and the client's own fetch of a refusal. A browser's
   * WebSocket and EventSource send none.
   */
  headers?: Record<string, string>;
}

/** What the client uses of a WebSocket: the browser's, Node's, Bun's, Deno's or the `ws` package's. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: any;
  onmessage: any;
  onclose: any;
  onerror: any;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
/** A WebSocket constructor; the second argument is given only outside browsers, as `{ headers }`. */
export type WebSocketClass = new (url: string, options?: any) => WebSocketLike;

/** What the client uses of an EventSource. */
export interface EventSourceLike {
  onopen: any;
  onmessage: any;
  onerror: any;
  addEventListener(type: string, listener: (m: any) => void): void;
  close(): void;
}
/** An EventSource constructor; given `{ fetch }` when there are headers to send (the browser's ignores it). */
export type EventSourceClass = new (url: string, init?: any) => EventSourceLike;

/** A token, or a function that returns one (or a Promise of one; undefined: none). */
export type TokenOption = string | (() => string | undefined | Promise<string | undefined>);

/** Unsubscribes the handler it was returned for. */
export type Off = () => void;
