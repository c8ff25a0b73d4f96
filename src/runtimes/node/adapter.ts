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

/**
 * RFC 6455 text frames (server to client: unmasked, one frame per message),
 * built once per message text and shared by every socket that sends it. An
 * event's JSON text is one string object shared by all its subscribers, so
 * a small map keyed by it finds the frame for the 2nd..Nth subscriber.
 */
const FRAME_CACHE_MAX = 2048;
const frameCache = new Map<string, Buffer>();

export function textFrame(text: string): Buffer {
  let f = frameCache.get(text);
  if (f !== undefined) return f;
  const len = Buffer.byteLength(text);
  const head = len < 126 ? 2 : len < 65536 ? 4 : 10;
  f = Buffer.allocUnsafe(head + len);
  f[0] = 0x81; // FIN + text
  if (head === 2) f[1] = len;
  else if (head === 4) {
    f[1] = 126;
    f.writeUInt16BE(len, 2);
  } else {
    f[1] = 127;
    f.writeUInt32BE(Math.floor(len / 2 ** 32), 2);
    f.writeUInt32BE(len >>> 0, 6);
  }
  f.write(text, head, 'utf8');
  if (text.startsWith('{"control"')) return f; // one subscriber's own message: not shared
  if (frameCache.size >= FRAME_CACHE_MAX) frameCache.delete(frameCache.keys().next().value!);
  frameCache.set(text, f);
  return f;
}

type RawSocket = { write(b: Uint8Array, cb?: (err?: Error | null) => void): boolean; writableLength: number; destroyed: boolean };

function sendBatch(ws: WSContext, messages: string[]): Promise<void> | void {
  const raw = ws.raw as WebSocket & { _socket?: RawSocket };
  if (raw.readyState !== 1) return;
  const sock = raw._socket;
  if (!sock || sock.destroyed) {
    for (const m of messages) raw.send(m);
    return;
  }
  // Whole frames written straight to the socket, one write for the whole run:
  // ws adds nothing here (no extensions are negotiated, perMessageDeflate is off).
  let buf: Buffer;
  if (messages.length === 1) buf = textFrame(messages[0]!);
  else {
    const frames = new Array<Buffer>(messages.length);
    let total = 0;
    for (let i = 0; i < messages.length; i++) total += (frames[i] = textFrame(messages[i]!)).length;
    buf = Buffer.concat(frames, total);
  }
  if (sock.writableLength + buf.length < WS_SOCKET_HWM) {
    sock.write(buf);
    return;
  }
  return new Promise<void>((resolve) => sock.write(buf, () => resolve()));
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
