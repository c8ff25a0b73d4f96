/**
 * Node mapped onto the core: @hono/node-server's built-in WebSocket support
 * (upstream deprecates @hono/node-ws in its favour), the peer address from
 * the socket, socket-close detection for pipelined keep-alive requests, and
 * batched, backpressure-aware WebSocket sends.
 */
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import type { WSContext } from 'hono/ws';
import { upgradeWebSocket } from '@hono/node-server';
import type { WebSocket, WebSocketServer } from 'ws';
import type { RuntimeAdapter } from '../../core/runtime.ts';
import { readAsset } from './assets.ts';

/** Bytes buffered in a socket past which the sender waits for it to drain. */
const WS_SOCKET_HWM = 1 << 20;

function incoming(c: Context): IncomingMessage | undefined {
  return (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
}

function sendBatch(ws: WSContext, messages: string[]): Promise<void> | void {
  const raw = ws.raw as WebSocket & { _socket?: { cork(): void; uncork(): void } };
  if (raw.readyState !== 1) return;
  // One write for the whole run instead of one per message.
  const sock = raw._socket;
  sock?.cork();
  const last = messages.length - 1;
  for (let i = 0; i < last; i++) raw.send(messages[i]!);
  if (raw.bufferedAmount + messages[last]!.length < WS_SOCKET_HWM) {
    raw.send(messages[last]!);
    sock?.uncork();
    return;
  }
  const drained = new Promise<void>((resolve) => raw.send(messages[last]!, () => resolve()));
  sock?.uncork();
  return drained;
}

/** Pings every client each interval; one that has not answered the previous ping is terminated. */
export function startPings(wss: WebSocketServer, intervalMs: number): () => void {
  const alive = new WeakMap<WebSocket, boolean>();
  wss.on('connection', (ws) => {
    alive.set(ws, true);
    ws.on('pong', () => alive.set(ws, true));
  });
  const timer = setInterval(() => {
    for (const ws of wss.clients) {
      if (alive.get(ws) === false) {
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

export const nodeRuntime: RuntimeAdapter = {
  name: 'node',
  upgradeWebSocket,
  remoteAddress: (c) => incoming(c)?.socket.remoteAddress,
  onConnectionClose(c, cb) {
    const sock = incoming(c)?.socket;
    if (!sock) return;
    if (sock.destroyed) cb();
    else sock.once('close', cb);
  },
  ws: { sendBatch, backpressure: true },
  asset: readAsset,
};

/**
 * @hono/node-server answers a refused WebSocket upgrade with the status and
 * headers only (Content-Length: 0). This wrapper writes the whole refusal,
 * JSON body included, so WS clients get the same answer as SSE ones.
 */
export function withUpgradeRefusalBodies(fetch: (req: Request, env: any) => Response | Promise<Response>) {
  return async (req: Request, env: any): Promise<Response> => {
    const res = await fetch(req, env);
    const incoming = env?.incoming as IncomingMessage | undefined;
    if (env?.outgoing === undefined && incoming?.headers.upgrade && res.status >= 400) {
      const body = Buffer.from(await res.arrayBuffer());
      const lines = [`HTTP/1.1 ${res.status} ${STATUS_CODES[res.status] ?? ''}`, 'Connection: close', `Content-Length: ${body.length}`];
      res.headers.forEach((v, k) => {
        if (k !== 'content-length' && k !== 'connection') lines.push(`${k}: ${v}`);
      });
      const sock = incoming.socket;
      sock.end(Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n'), body]));
      // node-server would now write its own bodiless refusal; the socket is already ended.
      sock.destroySoon?.();
    }
    return res;
  };
}
