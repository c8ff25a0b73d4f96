/**
 * The gateway on Bun: `serve(gateway, { port, hostname })` (eventgate/bun)
 * with Bun.serve, WebSocket upgrades through hono/bun, and a drain on close.
 * `startBunServer(config)` is the whole start sequence (../start.ts).
 *
 * Bun closes a request that stays quiet for `idleTimeout` seconds (10 by
 * default, 255 at most); an SSE stream is quiet between heartbeats, so each
 * SSE response has its own timeout switched off (`server.timeout(req, 0)`).
 */
import type { Config } from '../server-config.ts';
import type { Gateway } from '../../core/gateway.ts';
import { DEFAULT_HOSTNAME, DEFAULT_PORT, listeningUrl, once, type ServeOptions, type ServerHandle } from '../handle.ts';
import { bindRuntime } from '../slot.ts';
import { startServer, type StartOptions, type StartedServer } from '../start.ts';
import { bunRuntime, bunWebSocketOptions, type BunServer } from './adapter.ts';

interface BunGlobal {
  serve(options: Record<string, unknown>): BunServer;
}

/** Seconds a plain (non-streaming) connection may stay quiet, as Node's keep-alive timeout. */
const IDLE_TIMEOUT_S = 65;

/** Serves `gateway` (from createGateway in 'eventgate') with Bun.serve; resolves once it listens. */
export async function serve(gateway: Gateway, options: ServeOptions = {}): Promise<ServerHandle> {
  const Bun = (globalThis as { Bun?: BunGlobal }).Bun;
  if (!Bun) throw new Error("eventgate: 'eventgate/bun' runs on Bun only; on Node use 'eventgate/node'");
  bindRuntime(gateway, bunRuntime);
  await gateway.ready;
  const hostname = options.hostname ?? DEFAULT_HOSTNAME;
  const server = Bun.serve({
    port: options.port ?? DEFAULT_PORT,
    hostname,
    idleTimeout: IDLE_TIMEOUT_S,
    async fetch(req: Request, srv: BunServer) {
      const res = await gateway.app.fetch(req, srv);
      if (res.headers.get('content-type')?.startsWith('text/event-stream')) srv.timeout(req, 0);
      return res;
    },
    websocket: bunWebSocketOptions(gateway.config),
    error(err: Error) {
      console.error('[eventgate] unhandled error in Bun.serve', err);
      return Response.json({ error: 'internal', message: 'internal error' }, { status: 500 });
    },
  });
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
