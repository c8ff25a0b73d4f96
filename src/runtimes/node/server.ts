/**
 * The gateway on its own Node HTTP server: `serve(gateway, { port, hostname })`
 * (eventgate/node), WebSocket upgrades included, the HTTP limits
 * (http-limits.ts, request-guards.ts), and a drain on close.
 * `startNodeServer(config)` is the whole start sequence (../start.ts), for
 * main.ts, the command and the tests.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve as honoServe } from '@hono/node-server';
import type { Gateway } from '../../core/gateway.ts';
import { listeningUrl, once, serveSettings, type ServeOptions, type ServerHandle } from '../handle.ts';
import type { Config } from '../server-config.ts';
import { bindRuntime } from '../slot.ts';
import { startServer, type StartOptions, type StartedServer } from '../start.ts';
import { nodeRuntime } from './adapter.ts';
import { answerClientErrors, capConnections, httpServerOptions } from './http-limits.ts';
import { withRequestGuards } from './request-guards.ts';
import { withDirectEventStreams } from './sse-stream.ts';
import { serveWebSockets } from './ws-upgrade.ts';
import { nodeWebSockets } from './ws-server.ts';

export interface NodeHandle extends ServerHandle {
  /** The HTTP server, for what the handle does not cover. */
  readonly server: Server;
}

/** Serves `gateway` (from createGateway in 'eventgate') on a new HTTP server; resolves once it listens. */
export async function serve(gateway: Gateway, options: ServeOptions = {}): Promise<NodeHandle> {
  const o = serveSettings(options);
  bindRuntime(gateway, nodeRuntime);
  await gateway.ready;
  const sockets = nodeWebSockets(gateway.config);
  const server = await new Promise<Server>((resolve, reject) => {
    const fetch = withRequestGuards(gateway.app.fetch);
    const s = honoServe({ fetch: withDirectEventStreams(fetch), port: o.port, hostname: o.hostname, serverOptions: httpServerOptions(o) }, () => resolve(s as Server));
    (s as Server).once('error', (err) => {
      sockets.close();
      reject(err);
    });
    answerClientErrors(s as Server);
    capConnections(s as Server, o.maxConnections);
    serveWebSockets(s as Server, sockets.wss, fetch, '/ws/events');
  });
  const port = (server.address() as AddressInfo).port;
  gateway.listening([{ hostname: o.hostname, port }]); // its own origins, and whether it is loopback-only
  return {
    server,
    port,
    url: listeningUrl(o.hostname, port),
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
