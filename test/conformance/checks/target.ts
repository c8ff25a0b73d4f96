/**
 * What the conformance checks know of the gateway under test: a base URL,
 * the publish token, how to stop it, and which capabilities it lacks. They
 * know nothing else of the runtime.
 */
import { it } from 'vitest';

/** Things a runtime may be unable to do; each limit carries its reason. */
export type Capability =
  /** GET /ws/events upgrades to a WebSocket. */
  | 'ws'
  /** The server pings WebSocket peers and closes one that stops answering. */
  | 'ws_protocol_pings'
  /** A WebSocket subscriber that stops reading is noticed (socket backpressure) and overflows or drops. */
  | 'ws_backpressure'
  /** An SSE subscriber that stops reading is noticed and overflows or drops. */
  | 'sse_backpressure'
  /** A refused WebSocket upgrade carries the same JSON body as the HTTP refusal. */
  | 'ws_refusal_body'
  /** A WebSocket whose token expires is closed with 4401 right after its token_expired control. */
  | 'ws_close_on_expiry'
  /** The process drains on SIGTERM and exits 0. */
  | 'sigterm_drain'
  /** The process refuses to start on a bad configuration value: exit code 1 and a message naming the variable. */
  | 'exit_on_bad_config'
  /** A Host header that is not one `host[:port]` (two of them, or `x/api/events/stats?`) gets 400. */
  | 'host_header_refused'
  /** `Upgrade: websocket` without `Connection: Upgrade` is not upgraded: 426 with JSON. */
  | 'ws_needs_connection_upgrade'
  /** The gateway knows where it listens: its own origin, loopback origins while it listens on loopback only, and the Host check. */
  | 'knows_own_origin'
  /** A header with an empty value (`Origin:`) reaches the gateway as sent. */
  | 'empty_origin'
  /** A request carrying an h2c upgrade offer (curl --http2) has its body read like any other. */
  | 'h2c_offer_body'
  /** Request headers that trickle in (or never come) get 408 once HEADERS_TIMEOUT_MS has passed. */
  | 'headers_timeout'
  /** A request body that trickles in gets 408 once BODY_TIMEOUT_MS has passed. */
  | 'body_timeout'
  /** An oversized body sent with `Connection: close` gets a 413 the client can read before the connection ends. */
  | 'readable_413_on_close'
  /** A WebSocket handshake that offers subprotocols is upgraded with none selected (eventgate speaks none); without it, such a handshake is refused with 400. */
  | 'ws_subprotocol_unselected'
  /** A WebSocket the gateway closes (1013, 1001) while its client is still sending gets its close frame, after what was sent before it. */
  | 'ws_close_while_client_sends'
  /** MAX_CONNECTIONS counts every open client connection, idle keep-alive ones included: a request on one past the cap gets 503 with JSON, and the connection closes. */
  | 'max_connections';

export type Limits = Partial<Record<Capability, string>>;

export interface Target {
  runtime: string;
  /** Base URL, `http://host:port`. */
  url: string;
  /** Bearer token for publishing (the gateway runs with PUBLISH_TOKEN set to it). */
  publishToken: string;
  limits: Limits;
  /** Sends SIGTERM and resolves with the exit code; absent when the suite does not own the process. */
  terminate?: () => Promise<number | null>;
  /** Everything the process printed so far. */
  output?: () => string;
}

/**
 * A check that needs `cap`. When the runtime declares it cannot, the check is
 * reported as skipped with the runtime's reason in its title, never left out.
 */
export function itNeeds(limits: Limits, cap: Capability | Capability[], name: string, fn: () => Promise<void>, timeout?: number): void {
  const caps = Array.isArray(cap) ? cap : [cap];
  const missing = caps.filter((c) => limits[c] !== undefined);
  if (missing.length) {
    it.skip(`${name} — NOT SUPPORTED: ${missing.map((c) => `${c}: ${limits[c]}`).join('; ')}`, fn);
  } else it(name, fn, timeout);
}
