/**
 * The conformance suite against `npm run dev:workers`: the Worker and its hub
 * Durable Object on workerd through `wrangler dev`, with no account and no
 * network. wrangler takes the gateway's variables as `--var KEY:VALUE` (not
 * from the process environment), and keeps its storage in a fresh directory
 * per run, so every run starts from an empty history.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { conformanceFor } from './launch.ts';
import type { RuntimeEntry } from './runtimes.ts';

const storage = mkdtempSync(path.join(os.tmpdir(), 'eventgate-conformance-workers-'));

/** wrangler's own environment: no account, no telemetry, its config inside the project. Not gateway variables. */
const wranglerEnv: Record<string, string> = {
  XDG_CONFIG_HOME: path.resolve(import.meta.dirname, '../../.config'),
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
};

const workers: RuntimeEntry = {
  name: 'workers',
  command: (port, env, spare) => [
    'npm',
    'run',
    'dev:workers',
    '--',
    '--port',
    String(port),
    // Not the default 9229: two wrangler processes at once (another suite's, another check's) would collide there.
    '--inspector-port',
    String(spare),
    '--ip',
    '127.0.0.1',
    '--persist-to',
    storage,
    '--log-level',
    'warn',
    ...Object.entries(env)
      .filter(([k]) => !(k in wranglerEnv))
      .flatMap(([k, v]) => ['--var', `${k}:${v}`]),
  ],
  env: wranglerEnv,
  startTimeoutMs: 60_000,
  limits: {
    ws_protocol_pings:
      'a Worker cannot send WebSocket protocol pings; the runtime watches the connection itself, and {"op":"ping"} is answered by the runtime without waking the object',
    ws_backpressure:
      "Workers expose no WebSocket bufferedAmount or send callback: what is sent is buffered by the runtime, unseen, so a stalled WebSocket reader is never reported behind (use SSE, which is pulled at the reader's pace, for consumers that may stall)",
    exit_on_bad_config:
      'wrangler does not run the Worker at start, so nothing can refuse there: the hub answers every request with 500 {"error":"bad_config","field":<the variable>} instead (test/workers/hibernation.test.ts)',
    host_header_refused:
      'wrangler dev answers a request with two Host headers, or a Host that is not host[:port], with 500 before the Worker runs (never with the route the Host names)',
    ws_needs_connection_upgrade: 'workerd upgrades `Upgrade: websocket` without `Connection: Upgrade`, before the Worker can refuse it',
    headers_timeout:
      'a Worker sees a request only once its headers are in and cannot set a limit on them; wrangler dev answers trickled headers with no 408 (on Cloudflare the edge decides)',
    body_timeout: 'workerd offers a Worker no limit on how long a body may take, and wrangler dev answers a trickled body with no 408 (on Cloudflare the edge decides)',
    max_connections: 'a Worker sees requests, never connections, and cannot cap them (on Cloudflare the platform does)',
    ws_close_on_expiry:
      'workerd sends a close that the object begins outside an incoming message (here: at a token\'s expiry, from a timer) only once the Durable Object is next idle, seen 10 s and more later; the socket gets {"control":"token_expired"} at once and nothing after it',
    knows_own_origin:
      'a Worker is not told where it is served (wrangler dev --ip, or a Cloudflare route), and wrangler dev builds the request URL from the Host header: only PUBLIC_URL names its own origin, it never counts as loopback-only (loopback origins need ALLOWED_ORIGINS), and a foreign Host with no Origin is answered. Origins that name nothing it knows are refused',
    empty_origin: 'workerd drops a header with an empty value before the Worker sees it, so an empty Origin is no Origin there, the same on SSE and WebSocket',
    sigterm_drain:
      'a Durable Object gets no signal before it goes: on a deploy or eviction the runtime closes its WebSockets and streams, and clients resume with Last-Event-ID from the history kept in storage',
  },
};

conformanceFor(workers);
