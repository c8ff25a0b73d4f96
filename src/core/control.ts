/**
 * Control messages: what the gateway tells a subscriber about the stream
 * itself. On SSE they are named events (`event: gap`); on WebSocket, JSON
 * messages with a `control` field instead of `type`.
 */

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
  filter: unknown;
  replayed: number;
  /** Cursor of the newest event the gateway holds when the subscription went live. */
  head: string | null;
}

export interface AckControl {
  control: 'ack';
  op: string;
  filter?: unknown;
  /** `op: auth`: the new token's expiry, unix seconds (null: it does not expire). */
  exp?: number | null;
}

export interface TokenExpiredControl {
  control: 'token_expired';
  /** Cursor of the last event sent before this: resume after it with a fresh token. */
  last_event_id: string | null;
  message: string;
}

export interface ErrorControl {
  control: 'error';
  error: string;
  field?: string;
  message: string;
}

export type Control = GapControl | DroppedControl | OverflowControl | ShutdownControl | ReadyControl | AckControl | ErrorControl | TokenExpiredControl;

/** A comment-only keep-alive (SSE); WebSocket uses protocol pings instead. */
export const HEARTBEAT = Symbol('heartbeat');
export type Heartbeat = typeof HEARTBEAT;
