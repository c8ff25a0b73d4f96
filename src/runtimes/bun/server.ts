/**
 * Starts the gateway on Bun: Bun.serve with the same app as every runtime,
 * WebSocket upgrades through hono/bun, and a drain on stop.
 *
 * Bun closes a request that stays quiet for `idleTimeout` seconds (10 by
 * default, 255 at most); an SSE stream is quiet between heartbeats, so each
 * SSE response has its own timeout switched off (`server.timeout(req, 0)`).
 */
import { createBackend } from '../../backends/select.ts';
import type { Config } from '../server-config.ts';
import { createGateway, type Gateway } from '../../core/gateway.ts';
import { consoleLogger, type Logger } from '../../core/logger.ts';
import type { EventRegistry } from '../../core/registry.ts';
import { bunRuntime, bunWebSocketOptions, type BunServer } from './adapter.ts';

interface BunGlobal {
  serve(options: Record<string, unknown>): BunServer;
}

export interface BunGateway {
  gateway: Gateway;
  port: number;
  url: string;
  /** Drains subscribers (bounded by SHUTDOWN_TIMEOUT_MS), closes the server and the backend. */
  stop(): Promise<void>;
}

/** Seconds a plain (non-streaming) connection may stay quiet, as Node's keep-alive timeout. */
const IDLE_TIMEOUT_S = 65;

export async function startBunServer(config: Config, o: { logger?: Logger; registry?: EventRegistry } = {}): Promise<BunGateway> {
  const Bun = (globalThis as { Bun?: BunGlobal }).Bun;
  if (!Bun) throw new Error('eventgate: src/runtimes/bun runs on Bun only (npm run start:bun)');
  const log = o.logger ?? consoleLogger;
  const backend = await createBackend(config, log);
  const gateway = createGateway({ config, backend, runtime: bunRuntime, logger: log, registry: o.registry });
  await gateway.ready;
  const server = Bun.serve({
    port: config.port,
    hostname: config.host,
    idleTimeout: IDLE_TIMEOUT_S,
    async fetch(req: Request, srv: BunServer) {
      const res = await gateway.app.fetch(req, srv);
      if (res.headers.get('content-type')?.startsWith('text/event-stream')) srv.timeout(req, 0);
      return res;
    },
    websocket: bunWebSocketOptions(config),
    error(err: Error) {
      log('error', 'unhandled error in Bun.serve', err);
      return Response.json({ error: 'internal', message: 'internal error' }, { status: 500 });
    },
  });
  gateway.listening([{ hostname: config.host, port: server.port }]); // its own origins, and whether it is loopback-only
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  let stopping: Promise<void> | undefined;
  return {
    gateway,
    port: server.port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${server.port}`,
    stop: () =>
      (stopping ??= (async () => {
        await gateway.close();
        await server.stop(true);
      })()),
  };
}
