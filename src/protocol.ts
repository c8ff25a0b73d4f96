/**
 * The wire protocol between the gateway and its subscribers, written once
 * for both sides: the event as delivered, the built-in types and their
 * metadata, severities, subscription filters, the control messages the
 * gateway sends (named SSE events, or WebSocket messages with `control`),
 * and the ops a WebSocket client sends. The server's core, the browser
 * client and the page import it; it imports nothing, so that it bundles for
 * any runtime and any browser.
 */

/** Severities, lowest first. */
export const SEVERITIES = ['info', 'warning', 'error'] as const;
export type Severity = (typeof SEVERITIES)[number];
/** Rank used by `min_severity`: an event passes when its rank is at least the minimum's. */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { info: 0, warning: 1, error: 2 };

/** The six event types every gateway knows (more can be registered on the server). */
export const BUILTIN_TYPES = ['query_route', 'model_state', 'cgrag', 'cache', 'error', 'performance'] as const;
export type BuiltinType = (typeof BUILTIN_TYPES)[number];

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

/**
 * The metadata of each built-in type. A client given types of its own takes
 * a map of them: `new EventgateClient<BuiltinEvents & { deploy: DeployMetadata }>()`.
 */
export interface BuiltinEvents {
  query_route: QueryRouteMetadata;
  model_state: ModelStateMetadata;
  cgrag: CgragMetadata;
  cache: CacheMetadata;
  error: ErrorMetadata;
  performance: PerformanceMetadata;
}

/** One event as the gateway delivers it (SSE `data:`, or one WebSocket message). */
export interface GatewayEvent<T extends string = string, M = Record<string, unknown>> {
  /** The cursor: opaque to clients, increasing through the gateway's whole stream. */
  id: string;
  /** Unix seconds with fractions. */
  timestamp: number;
  type: T;
  severity: Severity;
  message: string;
  metadata: M;
}

/** Any event of an event map, discriminated by `type`. */
export type AnyEvent<E> = { [K in keyof E & string]: GatewayEvent<K, E[K]> }[keyof E & string];

/**
 * The fields of a subscription filter, the same in the query string (`types`,
 * `severity`, `min_severity`, `meta.<field>`) and in a WebSocket filter op.
 * Absent or empty: no restriction.
 */
export interface Filter<T extends string = string> {
  types?: T[];
  severity?: Severity[];
  min_severity?: Severity;
  /** Exact metadata matches, e.g. `{ query_id: 'abc123' }` (compared as text). */
  meta?: Record<string, string | number | boolean>;
}

/** Query parameters of a subscription besides the filter fields. */
export const SUBSCRIPTION_PARAMS = ['last_event_id', 'replay', 'on_overflow'] as const;

/** The endpoints, relative to the gateway's base URL. */
export const SSE_PATH = 'api/events/stream';
export const WS_PATH = 'ws/events';

// ---- control messages (gateway → subscriber) --------------------------------

export interface GapControl {
  control: 'gap';
  /** The cursor the subscriber asked to resume after. */
  requested: string;
  /** Why it cannot be honoured exactly. */
  reason: 'expired' | 'unknown_epoch' | 'invalid' | 'ahead';
  /** Cursor of the first event replayed after the gap, or null when none is held yet. */
  resume_from: string | null;
  /** Events known to be missed, when it can be told (same epoch). */
  missed: number | null;
  message: string;
}

export interface DroppedControl {
  control: 'dropped';
  count: number;
  /** Cursors of the first and last dropped events. */
  from: string;
  to: string;
  message: string;
}

export interface OverflowControl {
  control: 'overflow';
  queued_events: number;
  queued_bytes: number;
  /** Cursor of the last event handed to this subscriber: resume from it. */
  last_event_id: string | null;
  message: string;
}

export interface ShutdownControl {
  control: 'shutdown';
  /** Milliseconds the client should wait before reconnecting (jittered). */
  retry_ms: number;
  message: string;
}

export interface ReadyControl {
  control: 'ready';
  /** The subscription's filter as the gateway understood it. */
  filter: Filter;
  replayed: number;
  /** Cursor of the newest event the gateway holds when the subscription went live. */
  head: string | null;
}

/**
 * WebSocket only: an op was applied. A filter op's ack echoes the filter as
 * the gateway read it when that is at most ACK_FILTER_ECHO_BYTES of JSON; a
 * larger filter is acknowledged by its size (`filter_bytes`) instead, so an
 * answer is never as large as what a client sent.
 */
export interface AckControl {
  control: 'ack';
  op: string;
  filter?: Filter;
  filter_bytes?: number;
  /** `op: auth`: the new token's expiry, unix seconds (null: it does not expire). */
  exp?: number | null;
}

/** The subscriber's token expired: the stream ends (WebSocket: close 4401). Resume from `last_event_id` with a new token. */
export interface TokenExpiredControl {
  control: 'token_expired';
  last_event_id: string | null;
  message: string;
}

/** Longest filter (JSON text) an ack echoes. */
export const ACK_FILTER_ECHO_BYTES = 1024;

/**
 * The store could not serve the history a new subscriber asked for: the
 * stream ends (WebSocket: close 1013), and the client reconnects after
 * `retry_ms` with `last_event_id` (the last replayed event it was handed,
 * else the cursor it came with) to get the rest then. Nothing is lost.
 */
export interface UnavailableControl {
  control: 'unavailable';
  /** The cursor to reconnect with (what was asked), or null when none was. */
  last_event_id: string | null;
  retry_ms: number;
  message: string;
}

/** WebSocket only: an op was refused; the subscription is as it was. */
export interface ErrorControl {
  control: 'error';
  error: string;
  field?: string;
  message: string;
}

/** WebSocket only: the answer to `{"op":"ping"}`. */
export interface PongControl {
  control: 'pong';
}

export type Control =
  | GapControl
  | DroppedControl
  | OverflowControl
  | ShutdownControl
  | UnavailableControl
  | ReadyControl
  | AckControl
  | ErrorControl
  | PongControl
  | TokenExpiredControl;
export type ControlName = Control['control'];

/** Control messages that SSE sends as named events (`event: gap`). */
export const SSE_CONTROLS = ['gap', 'dropped', 'overflow', 'shutdown', 'unavailable', 'ready', 'token_expired'] as const satisfies readonly ControlName[];

// ---- ops (WebSocket client → gateway) ---------------------------------------

/** Replaces the subscription's filter in place; answered by an `ack` or an `error`. */
export interface FilterOp extends Filter {
  op: 'filter';
}
/** Answered by `pong`. */
export interface PingOp {
  op: 'ping';
}
/** Replaces the token in place; answered by an `ack` with `exp`, or an `error` (field `token`). */
export interface AuthOp {
  op: 'auth';
  token: string;
}
export type ClientOp = FilterOp | PingOp | AuthOp;

/** WebSocket close codes the gateway uses. */
export const WS_CLOSE = {
  normal: 1000,
  goingAway: 1001,
  policy: 1008,
  tooBig: 1009,
  /** The subscriber fell too far behind ("overflow"): resume from the cursor at once. */
  tryAgainLater: 1013,
  /** The token expired (after a `token_expired` control): reconnect with a new token and the cursor. */
  tokenExpired: 4401,
} as const;
