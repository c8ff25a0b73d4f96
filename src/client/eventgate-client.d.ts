/**
 * Types of eventgate/client (eventgate-client.js). Written by hand: the
 * client is plain JavaScript so that every runtime can serve it as it is.
 */

export type Severity = 'info' | 'warning' | 'error';

export interface QueryRouteMetadata {
  query_id: string;
  complexity_score: number;
  selected_tier: string;
  estimated_latency_ms: number;
  routing_reason: string;
  [field: string]: unknown;
}
export interface ModelStateMetadata {
  model_id: string;
  previous_state: string;
  current_state: string;
  reason: string;
  port: number | null;
  [field: string]: unknown;
}
export interface CgragMetadata {
  query_id: string;
  chunks_retrieved: number;
  relevance_threshold: number;
  retrieval_time_ms: number;
  total_tokens: number;
  cache_hit: boolean;
  [field: string]: unknown;
}
export interface CacheMetadata {
  operation: string;
  key: string;
  hit: boolean;
  latency_ms: number;
  size_bytes: number | null;
  [field: string]: unknown;
}
export interface ErrorMetadata {
  error_type: string;
  error_message: string;
  component: string;
  stack_trace: string | null;
  recovery_action: string | null;
  [field: string]: unknown;
}
export interface PerformanceMetadata {
  metric_name: string;
  current_value: number;
  threshold_value: number;
  component: string;
  action_required: boolean;
  [field: string]: unknown;
}

/** The metadata of each event type. Pass your own map for types you registered: `new EventgateClient<BuiltinEvents & { deploy: DeployMetadata }>()`. */
export interface BuiltinEvents {
  query_route: QueryRouteMetadata;
  model_state: ModelStateMetadata;
  cgrag: CgragMetadata;
  cache: CacheMetadata;
  error: ErrorMetadata;
  performance: PerformanceMetadata;
}

/** One event as the gateway sends it. */
export interface GatewayEvent<T extends string = string, M = Record<string, unknown>> {
  /** The cursor: opaque, increasing through the gateway's whole stream. */
  id: string;
  /** Unix seconds with fractions. */
  timestamp: number;
  type: T;
  severity: Severity;
  message: string;
  metadata: M;
}

/** Any event of the map, discriminated by `type`. */
export type AnyEvent<E> = { [K in keyof E & string]: GatewayEvent<K, E[K]> }[keyof E & string];

export interface EventInfo {
  /** True for events replayed from history (before `ready`), false for live ones. */
  replayed: boolean;
}

/** The same fields as the subscription query (`types`, `severity`, `min_severity`, `meta.<field>`). Absent or empty: no restriction. */
export interface Filter<T extends string = string> {
  types?: T[];
  severity?: Severity[];
  min_severity?: Severity;
  /** Exact metadata matches, e.g. `{ query_id: 'abc123' }`. */
  meta?: Record<string, string | number | boolean>;
}

export interface GapNotice {
  control: 'gap';
  requested: string;
  reason: 'expired' | 'unknown_epoch' | 'invalid' | 'ahead';
  resume_from: string | null;
  missed: number | null;
  message: string;
}
export interface DroppedNotice {
  control: 'dropped';
  count: number;
  from: string;
  to: string;
  message: string;
}
export interface OverflowNotice {
  control: 'overflow';
  queued_events: number;
  queued_bytes: number;
  last_event_id: string | null;
  message: string;
}
export interface ShutdownNotice {
  control: 'shutdown';
  retry_ms: number;
  message: string;
}
export interface ReadyNotice {
  control: 'ready';
  filter: Filter;
  replayed: number;
  head: string | null;
}
/** Every control message, as the gateway sent it (WebSocket also has `ack`, `error` and `pong`). */
export type ControlMessage = GapNotice | DroppedNotice | OverflowNotice | ShutdownNotice | ReadyNotice | { control: string; [field: string]: unknown };

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
  /** Where the last cursor is saved after every event, so that the first connection after a page reload resumes (e.g. sessionStorage). */
  storage?: CursorStorage;
  /** Default `eventgate:last-event-id`. */
  storageKey?: string;
  /** Reconnect delays: `initialMs * 2^attempt`, at most `maxMs`, each jittered to between half and all of it. Default 500 and 30000. */
  backoff?: { initialMs?: number; maxMs?: number };
  /** WebSocket only: a `{"op":"ping"}` every this many ms; no answer by the next one reconnects. 0 turns it off. Default 25000. */
  pingMs?: number;
  /** Default true: connect at once. */
  connect?: boolean;
}

type Off = () => void;

export declare class EventgateClient<E = BuiltinEvents> {
  constructor(options?: ClientOptions<NoInfer<keyof E & string>>);
  readonly state: ConnectionState;
  /** The cursor of the last event received: the next connection resumes after it. */
  readonly lastEventId: string | null;
  readonly transport: 'sse' | 'ws';
  /** A copy of the current filter. */
  readonly filter: Filter<keyof E & string>;

  /** Every event. */
  on(type: '*', handler: (event: AnyEvent<E>, info: EventInfo) => void): Off;
  /** Events of one type, with their metadata typed. */
  on<K extends keyof E & string>(type: K, handler: (event: GatewayEvent<K, E[K]>, info: EventInfo) => void): Off;
  onGap(handler: (gap: GapNotice) => void): Off;
  onDropped(handler: (dropped: DroppedNotice) => void): Off;
  onOverflow(handler: (overflow: OverflowNotice) => void): Off;
  onShutdown(handler: (shutdown: ShutdownNotice) => void): Off;
  onReady(handler: (ready: ReadyNotice) => void): Off;
  /** Called at once with the current state, then on every change. */
  onState(handler: (state: ConnectionState, detail: StateDetail) => void): Off;
  onError(handler: (error: ClientError) => void): Off;
  /** Every control message, including WebSocket `ack`, `error` and `pong`. */
  onControl(handler: (control: ControlMessage) => void): Off;

  /** Replaces the filter: in place on a live WebSocket (resolves on the ack), else by reconnecting from the last cursor (resolves on ready). Rejects when the gateway refuses it; the previous filter stays. */
  setFilter(filter: Filter<keyof E & string>): Promise<void>;
  /** Connects (after `connect: false` or close()). */
  connect(): this;
  /** Drops the connection and connects again now, from the last cursor. */
  reconnect(): this;
  close(): void;
}

/** The query string of a subscription (filter fields, then `extra` such as last_event_id). */
export declare function subscriptionQuery(filter: Filter, extra?: Record<string, string | number | undefined>): string;
