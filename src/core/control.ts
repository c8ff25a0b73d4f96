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

export function overflowControl(lost: number, bytes: number, last: string | null): OverflowControl {
  return {
    control: 'overflow',
    queued_events: lost,
    queued_bytes: bytes,
    last_event_id: last,
    message: 'this subscriber fell behind its queue limit and is disconnected; reconnect with Last-Event-ID to resume by replay',
  };
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

/**
 * The answer to a client's filter op. It echoes the filter as the gateway
 * read it when that is at most ACK_FILTER_ECHO_BYTES of JSON; a larger
 * filter is acknowledged by its size (`filter_bytes`) instead, so an answer
 * is never as large as what a client sent.
 */
export interface AckControl {
  control: 'ack';
  op: string;
  filter?: unknown;
  filter_bytes?: number;
}

/** Longest filter (JSON text) an ack echoes. */
export const ACK_FILTER_ECHO_BYTES = 1024;

export interface PongControl {
  control: 'pong';
}

/**
 * The store could not serve the history a new subscriber asked for: the
 * stream ends (WebSocket: close 1013), and the client reconnects with the
 * same Last-Event-ID after `retry_ms` to get its replay then. Nothing was
 * delivered to it, so nothing is lost.
 */
export interface UnavailableControl {
  control: 'unavailable';
  /** The cursor to reconnect with (what was asked), or null when none was. */
  last_event_id: string | null;
  retry_ms: number;
  message: string;
}

export interface ErrorControl {
  control: 'error';
  error: string;
  field?: string;
  message: string;
}

export type Control = GapControl | DroppedControl | OverflowControl | ShutdownControl | UnavailableControl | ReadyControl | AckControl | PongControl | ErrorControl;

/** Controls after which a stream ends: on WebSocket the close code says it instead of a message. */
export function isFinal(c: Control): boolean {
  return c.control === 'overflow' || c.control === 'shutdown' || c.control === 'unavailable';
}

/** A comment-only keep-alive (SSE); WebSocket uses protocol pings instead. */
export const HEARTBEAT = Symbol('heartbeat');
export type Heartbeat = typeof HEARTBEAT;
