/**
 * WebSocket upgrades on Node, handled here with `ws` (noServer) instead of
 * @hono/node-server's helper, which keeps each connection's Hono context and
 * Request alive for the socket's life. The app's `fetch` still decides
 * (origin, query), and a refusal is written with its JSON body. Also the
 * protocol pings that find dead peers.
 */
import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { defineWebSocketHelper, WSContext, type UpgradeWebSocket, type WSEvents } from 'hono/ws';
import type { WebSocket, WebSocketServer } from 'ws';

const MISSED_PONG = Symbol('eventgate.missedPong');
type Pinged = WebSocket & { [MISSED_PONG]?: boolean };
/** One listener for every socket (`this` is the socket): nothing allocated per connection. */
function onPong(this: Pinged): void {
  this[MISSED_PONG] = false;
}

/** Pings every client each interval; one that has not answered the previous ping is terminated. */
export function startPings(wss: WebSocketServer, intervalMs: number): () => void {
  wss.on('connection', (ws: Pinged) => {
    ws.on('pong', onPong);
  });
  const timer = setInterval(() => {
    for (const ws of wss.clients as Set<Pinged>) {
      if (ws[MISSED_PONG] === true) {
        ws.terminate();
        continue;
      }
      ws[MISSED_PONG] = true;
      ws.ping();
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * WebSocket upgrades, done here rather than by @hono/node-server's helper,
 * which keeps each connection's whole Hono context, Request and URL alive
 * for as long as the socket is open (about 8 KiB per connection). The app
 * still decides: the upgrade request goes through `app.fetch` (origin check,
 * subscription validation), and `upgradeWebSocket` below only leaves the
 * connection's events in a slot the `upgrade` listener picks up. A refusal
 * is written whole, JSON body included, so WS clients get the same answer as
 * SSE ones.
 */
const UPGRADE = Symbol('eventgate.upgrade');
interface UpgradeSlot {
  events?: WSEvents;
}

export const upgradeWebSocket: UpgradeWebSocket<any, any> = defineWebSocketHelper(async (c, events) => {
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') return;
  const slot = (c.env as Record<symbol, UpgradeSlot> | undefined)?.[UPGRADE];
  if (!slot) return new Response(null, { status: 500 });
  slot.events = events;
  return new Response(null, { status: 200 }); // the upgrade listener answers 101
});

/** What hono's WSContext reads; methods on the prototype, nothing per connection but the socket. */
class WsInit {
  constructor(readonly raw: WebSocket) {}
  get readyState(): 0 | 1 | 2 | 3 {
    return this.raw.readyState as 0 | 1 | 2 | 3;
  }
  get protocol(): string {
    return this.raw.protocol;
  }
  send(data: string | ArrayBuffer | Uint8Array): void {
    this.raw.send(data);
  }
  close(code?: number, reason?: string): void {
    this.raw.close(code, reason);
  }
}

function report(err: unknown): void {
  console.error('[eventgate] WebSocket handler error', err);
}

function wire(ws: WebSocket, events: WSEvents): void {
  const ctx = new WSContext(new WsInit(ws));
  try {
    events.onOpen?.(new Event('open'), ctx);
  } catch (e) {
    report(e);
  }
  ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    const payload = isBinary ? buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) : buf.toString('utf8');
    try {
      events.onMessage?.(new MessageEvent('message', { data: payload }), ctx);
    } catch (e) {
      report(e);
    }
  });
  ws.on('close', (code: number, reason: Buffer) => {
    try {
      events.onClose?.(Object.assign(new Event('close'), { code, reason: reason.toString('utf8'), wasClean: code !== 1006 }) as unknown as CloseEvent, ctx);
    } catch (e) {
      report(e);
    }
  });
  ws.on('error', (error: Error) => {
    try {
      events.onError?.(Object.assign(new Event('error'), { error, message: error.message }), ctx);
    } catch (e) {
      report(e);
    }
  });
}

function refuseUpgrade(socket: Duplex, status: number, headers: Headers | undefined, body: Buffer): void {
  const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`, 'Connection: close', `Content-Length: ${body.length}`];
  headers?.forEach((v, k) => {
    if (k !== 'content-length' && k !== 'connection') lines.push(`${k}: ${v}`);
  });
  socket.end(Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n'), body]));
}

function upgradeRequest(req: IncomingMessage): Request {
  const headers = new Headers();
  for (const key in req.headers) {
    const value = req.headers[key];
    if (value !== undefined) headers.append(key, Array.isArray(value) ? value[0]! : value); // an empty header (Origin:) is kept, as on plain requests
  }
  const target = req.url ?? '/';
  if (target[0] !== '/') throw new Error('bad request target');
  return new Request(`http://${req.headers.host ?? 'localhost'}${target}`, { headers });
}

/** Serves WebSocket upgrades on `server` through the app's `fetch`, with `wss` (noServer) doing the handshake. */
export function serveWebSockets(server: Server, wss: WebSocketServer, fetch: (req: Request, env: unknown) => Response | Promise<Response>): void {
  const ignore = () => {};
  server.on('upgrade', async (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', ignore);
    const slot: UpgradeSlot = {};
    let res: Response;
    try {
      res = await fetch(upgradeRequest(req), { incoming: req, outgoing: undefined, [UPGRADE]: slot });
    } catch {
      if (!socket.destroyed) refuseUpgrade(socket, 400, undefined, Buffer.alloc(0));
      return;
    }
    if (socket.destroyed) return;
    const events = slot.events;
    if (!events || res.status !== 200) {
      const status = events ? res.status : res.status === 200 ? 500 : res.status;
      refuseUpgrade(socket, status, res.headers, Buffer.from(await res.arrayBuffer()));
      return;
    }
    const addHeaders = (lines: string[]) => res.headers.forEach((v, k) => lines.push(`${k}: ${v}`));
    wss.on('headers', addHeaders);
    try {
      wss.handleUpgrade(req, socket, head, (ws) => {
        socket.off('error', ignore);
        wire(ws, events);
        wss.emit('connection', ws, req);
      });
    } finally {
      wss.off('headers', addHeaders);
    }
  });
}
