/**
 * The runtimes the conformance suite runs against, one entry each: how to
 * start it, what it needs in its environment, how to tell it is ready, and
 * what it cannot do (each limit with its reason, reported by the suite in
 * place of the check). Adding a runtime is one entry here and a one-line
 * test file (see node.test.ts).
 */
import type { Limits } from './checks/target.ts';

export interface RuntimeEntry {
  name: string;
  /** The command that starts it, as a user would (`npm run …`), given the port, the gateway's environment and another free port (wrangler's inspector). */
  command(port: number, env: Record<string, string>, spare: number): string[];
  /** Extra environment for the process (the gateway's own variables come from CONFORMANCE_ENV). */
  env?: Record<string, string>;
  /** Path that answers 200 once the gateway serves. Default /health. */
  readyPath?: string;
  /** How long it may take to start. Default 30 s. */
  startTimeoutMs?: number;
  /** What this runtime cannot do, with why. */
  limits: Limits;
}

export const runtimes = {
  node: {
    name: 'node',
    command: () => ['npm', 'start'],
    limits: {},
  },
  bun: {
    name: 'bun',
    command: () => ['npm', 'run', 'start:bun'],
    limits: {
      headers_timeout: 'Bun.serve has no setting for how long request headers may take; it drops a connection whose headers are not in after about 10 s, with no answer',
      ws_subprotocol_unselected:
        'Bun always selects the first subprotocol a client offers (hono/bun can replace the Sec-WebSocket-Protocol value but not remove the header), so a handshake that offers one is refused with 400 rather than answered with a subprotocol eventgate does not speak',
      max_connections:
        'Bun tells a server its requests in flight and its WebSockets (pendingRequests, pendingWebSockets), not its idle keep-alive connections, so MAX_CONNECTIONS counts only those and an idle connection is never refused',
    },
  },
  deno: {
    name: 'deno',
    command: () => ['npm', 'run', 'start:deno'],
    limits: {
      headers_timeout: 'Deno.serve has no time limit for request headers and hands the app nothing before they are all in, so trickled headers hold the connection',
      h2c_offer_body:
        'Deno.serve holds back the body of a request that carries an upgrade offer ("Cannot read request body as underlying resource unavailable"), so a publish sent by curl --http2 gets 400',
      max_connections: 'Deno.serve counts no connections and tells the app nothing when one opens or closes, so MAX_CONNECTIONS is not applied',
      ws_close_while_client_sends:
        'Deno drops a WebSocket whose peer sends a message after the server began to close it (seen with Deno.upgradeWebSocket alone: the server sees close code 0), and what it still had buffered goes with the close frame, so a client that keeps sending while it is cut off for overflow gets 1006, not 1013; it is cut off all the same and resumes with its cursor',
    },
  },
} satisfies Record<string, RuntimeEntry>;
