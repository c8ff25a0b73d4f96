/**
 * The gateway inside an existing Node HTTP server (Express, Fastify's
 * server, a bare http.Server) under a path prefix:
 *
 *   const server = app.listen(3000);          // Express 5
 *   attach(server, gateway, { prefix: '/events' });
 *   // /events/api/events/stream, /events/ws/events, /events/api/events ...
 *
 * Requests and WebSocket upgrades under the prefix go to the gateway, with
 * the prefix taken off their URL; everything else goes to the host's own
 * `request` listeners (which attach() puts behind its own, the way
 * engine.io does) and the host's own `upgrade` listeners are left alone.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { getRequestListener } from '@hono/node-server';
import type { Gateway } from '../../core/gateway.ts';
import { bindRuntime } from '../slot.ts';
import { nodeRuntime } from './adapter.ts';
import { withDirectEventStreams } from './sse-stream.ts';
import { withRequestGuards } from './request-guards.ts';
import { isWebSocketHandshake, serveAsOrdinaryRequest } from './upgrade-offers.ts';
import { upgradeListener } from './ws-upgrade.ts';
import { nodeWebSockets } from './ws-server.ts';

export interface AttachOptions {
  /** Path the gateway answers under, like `/events`; default `/` (then the host keeps nothing). */
  prefix?: string;
}

export interface Attached {
  readonly prefix: string;
  /** Drains the gateway and gives the server back to the host's listeners; the server keeps running. */
  close(): Promise<void>;
}

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

function normalPrefix(prefix = '/'): string {
  if (!prefix.startsWith('/') || /[?#\s]/.test(prefix)) throw new Error(`eventgate: attach prefix must be a path like /events, got "${prefix}"`);
  return prefix.replace(/\/+$/, '');
}

/** The part of `url` after `prefix`, or undefined when `url` is not under it. */
function underPrefix(url: string | undefined, prefix: string): string | undefined {
  if (url === undefined || !url.startsWith(prefix)) return undefined;
  const rest = url.slice(prefix.length);
  if (rest === '') return '/';
  if (rest[0] === '/') return rest;
  if (rest[0] === '?') return `/${rest}`;
  return undefined;
}

/** Binds the gateway (from createGateway in 'eventgate') to `server` under `options.prefix`. */
export function attach(server: Server, gateway: Gateway, options: AttachOptions = {}): Attached {
  const prefix = normalPrefix(options.prefix);
  bindRuntime(gateway, nodeRuntime);
  const sockets = nodeWebSockets(gateway.config);
  const fetch = withRequestGuards(gateway.app.fetch);
  const handleRequest = getRequestListener(withDirectEventStreams(fetch));
  const handleUpgrade = upgradeListener(server, sockets.wss, fetch, '/ws/events');

  const hostListeners = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const rest = underPrefix(req.url, prefix);
    if (rest === undefined) {
      for (const l of hostListeners) l.call(server, req, res);
      return;
    }
    req.url = rest;
    void handleRequest(req, res);
  };
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const rest = underPrefix(req.url, prefix);
    if (rest === undefined) {
      // The host's upgrade, for its own listeners; with none, it is the ordinary request it also is.
      if (server.listenerCount('upgrade') === 1) serveAsOrdinaryRequest(server, req, socket, head);
      return;
    }
    // An offer that is not our WebSocket handshake (h2c) goes back to the parser whole, prefix included.
    if (!isWebSocketHandshake(req, `${prefix}/ws/events`)) return serveAsOrdinaryRequest(server, req, socket, head);
    req.url = rest;
    void handleUpgrade(req, socket, head);
  };
  server.on('request', onRequest);
  server.on('upgrade', onUpgrade);
  // Its own origins, and whether it is loopback-only: where the host listens, now or once it does.
  const tell = () => {
    const a = server.address();
    if (a && typeof a === 'object') gateway.listening([{ hostname: a.address, port: a.port }]);
  };
  if (server.listening) tell();
  else server.once('listening', tell);

  let closing: Promise<void> | undefined;
  return {
    prefix: prefix || '/',
    close: () =>
      (closing ??= (async () => {
        await gateway.close();
        sockets.close();
        server.off('upgrade', onUpgrade);
        server.off('request', onRequest);
        for (const l of hostListeners) server.on('request', l);
      })()),
  };
}
