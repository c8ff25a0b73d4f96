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
  /** The process drains on SIGTERM and exits 0. */
  | 'sigterm_drain'
  /** The process refuses to start on a bad configuration value: exit code 1 and a message naming the variable. */
  | 'exit_on_bad_config'
  /** The gateway knows where it listens: its own origin, loopback origins while it listens on loopback only, and the Host check. */
  | 'knows_own_origin'
  /** A header with an empty value (`Origin:`) reaches the gateway as sent. */
  | 'empty_origin';

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
