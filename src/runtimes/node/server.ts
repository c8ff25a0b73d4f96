/**
 * Starts the gateway on Node: an HTTP server with WebSocket upgrades, and a
 * drain on stop. Used by the CLI (main.ts) and by tests.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { WebSocketServer } from 'ws';
import { createBackend } from '../../backends/select.ts';
import type { Config } from '../server-config.ts';
import { createGateway, type Gateway } from '../../core/gateway.ts';
import { consoleLogger, type Logger } from '../../core/logger.ts';
import type { EventRegistry } from '../../core/registry.ts';
import { nodeRuntime, serveWebSockets, startPings, withDirectEventStreams } from './adapter.ts';

export interface NodeServer {
  gateway: Gateway;
  server: Server;
  port: number;
  url: string;
  /** Drains subscribers (bounded by SHUTDOWN_TIMEOUT_MS), closes the server and the backend. */
  stop(): Promise<void>;
}

export async function startNodeServer(config: Config, o: { logger?: Logger; registry?: EventRegistry } = {}): Promise<NodeServer> {
  const log = o.logger ?? consoleLogger;
  const backend = await createBackend(config, log);
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.maxWsMessageBytes, perMessageDeflate: false });
  const stopPings = startPings(wss, config.wsPingMs);
  const gateway = createGateway({ config, backend, runtime: nodeRuntime, logger: log, registry: o.registry });
  await gateway.ready;
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: withDirectEventStreams(gateway.app.fetch), port: config.port, hostname: config.host }, () => resolve(s as Server));
    (s as Server).once('error', reject);
    serveWebSockets(s as Server, wss, gateway.app.fetch);
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 0; // streams are long-lived
  const port = (server.address() as AddressInfo).port;
  gateway.listening([{ hostname: config.host, port }]); // its own origins, and whether it is loopback-only
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  let stopping: Promise<void> | undefined;
  return {
    gateway,
    server,
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    stop: () =>
      (stopping ??= (async () => {
        server.close();
        await gateway.close();
        stopPings();
        for (const ws of wss.clients) ws.terminate();
        server.closeAllConnections();
      })()),
  };
}
