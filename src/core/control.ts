/**
 * Control messages: what the gateway tells a subscriber about the stream
 * itself. On SSE they are named events (`event: gap`); on WebSocket, JSON
 * messages with a `control` field instead of `type`. Their shapes are the
 * protocol's (src/protocol.ts), shared with the browser client.
 */
export type {
  AckControl,
  Control,
  DroppedControl,
  ErrorControl,
  GapControl,
  OverflowControl,
  PongControl,
  ReadyControl,
  ShutdownControl,
  UnavailableControl,
} from '../protocol.ts';
export { ACK_FILTER_ECHO_BYTES } from '../protocol.ts';
import type { Control } from '../protocol.ts';

/** Controls after which a stream ends: on WebSocket the close code says it instead of a message. */
export function isFinal(c: Control): boolean {
  return c.control === 'overflow' || c.control === 'shutdown' || c.control === 'unavailable';
}

/** A comment-only keep-alive (SSE); WebSocket uses protocol pings instead. */
export const HEARTBEAT = Symbol('heartbeat');
export type Heartbeat = typeof HEARTBEAT;
