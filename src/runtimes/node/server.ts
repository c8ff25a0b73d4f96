/**
 * The gateway on its own Node HTTP server: `serve(gateway, { port, hostname })`
 * (eventgate/node), WebSocket upgrades included, and a drain on close.
 * `startNodeServer(config)` is the whole start sequence (../start.ts), for
 * main.ts, the command and the tests.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve as honoServe } from '@hono/node-server';
import type { Config } from '../server-config.ts';
import type { Gateway } from '../../core/gateway.ts';
import { DEFAULT_HOSTNAME, DEFAULT_PORT, listeningUrl, once, type ServeOptions, type ServerHandle } from '../handle.ts';
import { bindRuntime } from '../slot.ts';
import { startServer, type StartOptions, type StartedServer } from '../start.ts';
import { nodeRuntime } from './adapter.ts';
import { withDirectEventStreams } from './sse-stream.ts';
import { serveWebSockets } from './ws-upgrade.ts';
import { nodeWebSockets } from './ws-server.ts';

export interface NodeHandle extends ServerHandle {
  /** The HTTP server, for what the handle does not cover. */
  readonly server: Server;
}

/** Serves `gateway` (from createGateway in 'eventgate') on a new HTTP server; resolves once it listens. */
export async function serve(gateway: Gateway, options: ServeOptions = {}): Promise<NodeHandle> {
  bindRuntime(gateway, nodeRuntime);
  await gateway.ready;
  const sockets = nodeWebSockets(gateway.config);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = honoServe(
      { fetch: withDirectEventStreams(gateway.app.fetch), port: options.port ?? DEFAULT_PORT, hostname: options.hostname ?? DEFAULT_HOSTNAME },
      () => resolve(s as Server),
    );
    (s as Server).once('error', (err) => {
      sockets.close();
      reject(err);
    });
    serveWebSockets(s as Server, sockets.wss, gateway.app.fetch);
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 0; // streams are long-lived
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    url: listeningUrl(options.hostname ?? DEFAULT_HOSTNAME, port),
    close: once(async () => {
      server.close();
      await gateway.close();
      sockets.close();
      server.closeAllConnections();
    }),
  };
}

export type NodeServer = StartedServer<NodeHandle>;

export function startNodeServer(config: Config, options: StartOptions = {}): Promise<NodeServer> {
  return startServer(config, serve, options);
}
