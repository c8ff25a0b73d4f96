/**
 * The gateway on Bun: `serve(gateway, { port, hostname })` (eventgate/bun)
 * with Bun.serve, WebSocket upgrades through hono/bun, and a drain on close.
 * `startBunServer(config)` is the whole start sequence (../start.ts).
 *
 * Bun closes a request that stays quiet for `idleTimeout` seconds (10 by
 * default, 255 at most); an SSE stream is quiet between heartbeats, so each
 * SSE response has its own timeout switched off (`server.timeout(req, 0)`).
 *
 * Bun has no setting for how long a request's headers may take (it drops a
 * connection whose headers are not in after about 10 s, with no answer);
 * BODY_TIMEOUT_MS and MAX_CONNECTIONS are applied here, before the app
 * (web-request-checks.ts), with the Host check Bun does not make. A
 * refusal sent before its request's body was read (a 413 on the declared
 * Content-Length) waits until the body is drained, so that Bun's reset does
 * not destroy it (adapter.ts).
 */
import type { Config } from '../server-config.ts';
import type { Gateway } from '../../core/gateway.ts';
import { listeningUrl, once, serveSettings, type ServeOptions, type ServerHandle } from '../handle.ts';
import { bindRuntime } from '../slot.ts';
import { startServer, type StartOptions, type StartedServer } from '../start.ts';
import { hostRefusal, withBodyTimeout } from '../web-request-checks.ts';
import { bunRuntime, bunWebSocketOptions, drainUnreadBody, type BunServer } from './adapter.ts';

interface BunGlobal {
  serve(options: Record<string, unknown>): BunServer;
}

/** Seconds a plain (non-streaming) connection may stay quiet, as Node's keep-alive timeout. */
const IDLE_TIMEOUT_S = 65;

/** Serves `gateway` (from createGateway in 'eventgate') with Bun.serve; resolves once it listens. */
export async function serve(gateway: Gateway, options: ServeOptions = {}): Promise<ServerHandle> {
  const Bun = (globalThis as { Bun?: BunGlobal }).Bun;
  if (!Bun) throw new Error("eventgate: 'eventgate/bun' runs on Bun only; on Node use 'eventgate/node'");
  const o = serveSettings(options);
  bindRuntime(gateway, bunRuntime);
  await gateway.ready;
  const app = withBodyTimeout(gateway.app.fetch, o.bodyTimeoutMs);
  // MAX_CONNECTIONS, as near as Bun tells: it counts requests in flight (open streams too) and WebSockets, not idle keep-alive connections.
  const overCap = (srv: BunServer) =>
    o.maxConnections > 0 && srv.pendingRequests + srv.pendingWebSockets > o.maxConnections
      ? Response.json(
          { error: 'too_many_connections', message: 'this gateway serves at most MAX_CONNECTIONS connections; try again later' },
          { status: 503, headers: { Connection: 'close' } },
        )
      : undefined;
  const hostname = o.hostname;
  const server = Bun.serve({
    port: o.port,
    hostname,
    idleTimeout: IDLE_TIMEOUT_S,
    async fetch(req: Request, srv: BunServer) {
      const refused = hostRefusal(req) ?? overCap(srv);
      if (refused) return refused;
      const res = await app(req, srv);
      if (res.headers.get('content-type')?.startsWith('text/event-stream')) srv.timeout(req, 0);
      else if (res.status >= 400 && res.status !== 408) await drainUnreadBody(req, o.bodyTimeoutMs);
      return res;
    },
    websocket: bunWebSocketOptions(gateway.config),
    error(err: Error) {
      console.error('[eventgate] unhandled error in Bun.serve', err);
      return Response.json({ error: 'internal', message: 'internal error' }, { status: 500 });
    },
  });
  gateway.listening([{ hostname, port: server.port }]); // its own origins, and whether it is loopback-only
  return {
    port: server.port,
    url: listeningUrl(hostname, server.port),
    close: once(async () => {
      await gateway.close();
      await server.stop(true);
    }),
  };
}

export type BunGateway = StartedServer;

export function startBunServer(config: Config, options: StartOptions = {}): Promise<BunGateway> {
  return startServer(config, serve, options);
}
