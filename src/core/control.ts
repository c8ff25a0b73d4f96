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
  ReadyControl,
  ShutdownControl,
} from '../protocol.ts';

/** A comment-only keep-alive (SSE); WebSocket uses protocol pings instead. */
export const HEARTBEAT = Symbol('heartbeat');
export type Heartbeat = typeof HEARTBEAT;
