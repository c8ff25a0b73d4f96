/**
 * Starts the gateway on Deno: Deno.serve with the same app as every runtime,
 * WebSocket upgrades through hono/deno, and a drain on stop.
 */
import { createBackend } from '../../backends/select.ts';
import type { Config } from '../server-config.ts';
import { createGateway, type Gateway } from '../../core/gateway.ts';
import { consoleLogger, type Logger } from '../../core/logger.ts';
import type { EventRegistry } from '../../core/registry.ts';
import { denoRuntime, type DenoServeInfo } from './adapter.ts';

interface DenoHttpServer {
  readonly addr: { hostname: string; port: number };
  shutdown(): Promise<void>;
  readonly finished: Promise<void>;
}

interface DenoGlobal {
  serve(
    options: { port: number; hostname: string; onListen?: (addr: unknown) => void; onError?: (err: unknown) => Response },
    handler: (req: Request, info: DenoServeInfo) => Response | Promise<Response>,
  ): DenoHttpServer;
}

export interface DenoGateway {
  gateway: Gateway;
  port: number;
  url: string;
  /** Drains subscribers (bounded by SHUTDOWN_TIMEOUT_MS), closes the server and the backend. */
  stop(): Promise<void>;
}

/** How long Deno's graceful shutdown may wait for connections after the drain. */
const SERVER_SHUTDOWN_MS = 1000;

export async function startDenoServer(config: Config, o: { logger?: Logger; registry?: EventRegistry } = {}): Promise<DenoGateway> {
  const Deno = (globalThis as { Deno?: DenoGlobal }).Deno;
  if (!Deno) throw new Error('eventgate: src/runtimes/deno runs on Deno only (npm run start:deno)');
  const log = o.logger ?? consoleLogger;
  const backend = await createBackend(config, log);
  const gateway = createGateway({ config, backend, runtime: denoRuntime(config), logger: log, registry: o.registry });
  await gateway.ready;
  const server = Deno.serve(
    {
      port: config.port,
      hostname: config.host,
      onListen: () => {},
      onError(err) {
        log('error', 'unhandled error in Deno.serve', err);
        return Response.json({ error: 'internal', message: 'internal error' }, { status: 500 });
      },
    },
    (req, info) => gateway.app.fetch(req, info),
  );
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const port = server.addr.port;
  gateway.listening([{ hostname: config.host, port }]); // its own origins, and whether it is loopback-only
  let stopping: Promise<void> | undefined;
  return {
    gateway,
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    stop: () =>
      (stopping ??= (async () => {
        await gateway.close();
        await Promise.race([server.shutdown(), new Promise((r) => setTimeout(r, SERVER_SHUTDOWN_MS))]);
      })()),
  };
}
