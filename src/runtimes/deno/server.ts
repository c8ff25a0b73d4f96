/**
 * The gateway on Deno: `serve(gateway, { port, hostname })` (eventgate/deno)
 * with Deno.serve, WebSocket upgrades through Deno.upgradeWebSocket
 * (adapter.ts), and a drain on close. `startDenoServer(config)` is the whole
 * start sequence (../start.ts).
 */
import type { Config } from '../server-config.ts';
import type { Gateway } from '../../core/gateway.ts';
import { listeningUrl, once, serveSettings, type ServeOptions, type ServerHandle } from '../handle.ts';
import { bindRuntime } from '../slot.ts';
import { startServer, type StartOptions, type StartedServer } from '../start.ts';
import { hostRefusal, withBodyTimeout } from '../web-request-checks.ts';
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

/** How long Deno's graceful shutdown may wait for connections after the drain. */
const SERVER_SHUTDOWN_MS = 1000;

/** Serves `gateway` (from createGateway in 'eventgate') with Deno.serve; resolves once it listens. */
export async function serve(gateway: Gateway, options: ServeOptions = {}): Promise<ServerHandle> {
  const Deno = (globalThis as { Deno?: DenoGlobal }).Deno;
  if (!Deno) throw new Error("eventgate: 'eventgate/deno' runs on Deno only; on Node use 'eventgate/node'");
  const o = serveSettings(options);
  bindRuntime(gateway, denoRuntime(gateway.config));
  await gateway.ready;
  const app = withBodyTimeout(gateway.app.fetch, o.bodyTimeoutMs);
  const hostname = o.hostname;
  const server = Deno.serve(
    {
      port: o.port,
      hostname,
      onListen: () => {},
      onError(err) {
        console.error('[eventgate] unhandled error in Deno.serve', err);
        return Response.json({ error: 'internal', message: 'internal error' }, { status: 500 });
      },
    },
    (req, info) => hostRefusal(req) ?? app(req, info),
  );
  const port = server.addr.port;
  gateway.listening([{ hostname, port }]); // its own origins, and whether it is loopback-only
  return {
    port,
    url: listeningUrl(hostname, port),
    close: once(async () => {
      await gateway.close();
      await Promise.race([server.shutdown(), new Promise((r) => setTimeout(r, SERVER_SHUTDOWN_MS))]);
    }),
  };
}

export type DenoGateway = StartedServer;

export function startDenoServer(config: Config, options: StartOptions = {}): Promise<DenoGateway> {
  return startServer(config, serve, options);
}
