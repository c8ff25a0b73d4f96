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
import { isWebSocketHandshake, serveAsOrdinaryRequest } from './upgrade-offers.ts';

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
  // Not a handshake the 'upgrade' listener took (no `Connection: upgrade`): say what is missing.
  if (!slot) return notAHandshake();
  slot.events = events;
  return new Response(null, { status: 200 }); // the upgrade listener answers 101
});

function notAHandshake(): Response {
  const body = { error: 'upgrade_required', field: 'Connection', message: 'a WebSocket handshake needs Connection: Upgrade with Upgrade: websocket' };
  return new Response(JSON.stringify(body), { status: 426, headers: { 'Content-Type': 'application/json', Upgrade: 'websocket', Connection: 'Upgrade' } });
}

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

/** What a wired socket's listeners need: kept on the socket, so that the listeners are shared by every socket. */
const WIRED = Symbol('eventgate.wired');
type Wired = WebSocket & { [WIRED]: { events: WSEvents; ctx: WSContext } };

function onWsMessage(this: WebSocket, data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
  const { events, ctx } = (this as Wired)[WIRED];
  const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
  const payload = isBinary ? buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) : buf.toString('utf8');
  try {
    events.onMessage?.(new MessageEvent('message', { data: payload }), ctx);
  } catch (e) {
    report(e);
  }
}

function onWsClose(this: WebSocket, code: number, reason: Buffer): void {
  const { events, ctx } = (this as Wired)[WIRED];
  try {
    events.onClose?.(Object.assign(new Event('close'), { code, reason: reason.toString('utf8'), wasClean: code !== 1006 }) as unknown as CloseEvent, ctx);
  } catch (e) {
    report(e);
  }
}

function onWsError(this: WebSocket, error: Error): void {
  const { events, ctx } = (this as Wired)[WIRED];
  try {
    events.onError?.(Object.assign(new Event('error'), { error, message: error.message }), ctx);
  } catch (e) {
    report(e);
  }
}

function wire(ws: WebSocket, events: WSEvents): void {
  const ctx = new WSContext(new WsInit(ws));
  (ws as Wired)[WIRED] = { events, ctx };
  try {
    events.onOpen?.(new Event('open'), ctx);
  } catch (e) {
    report(e);
  }
  ws.on('message', onWsMessage).on('close', onWsClose).on('error', onWsError);
}

function refuseUpgrade(socket: Duplex, status: number, headers: Headers | undefined, body: Buffer): void {
  const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`, 'Connection: close', `Content-Length: ${body.length}`];
  headers?.forEach((v, k) => {
    if (k !== 'content-length' && k !== 'connection') lines.push(`${k}: ${v}`);
  });
  socket.end(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), body]));
}

/**
 * The handshake as a web Request. Its URL is the server's own address plus
 * the request target, never the Host header: a Host such as
 * `x/api/events/stats?` must not choose the route. The Host header itself
 * is passed on as sent, for the origin check.
 */
function upgradeRequest(req: IncomingMessage): Request {
  const headers = new Headers();
  for (const key in req.headers) {
    const value = req.headers[key];
    if (value !== undefined) headers.append(key, Array.isArray(value) ? value[0]! : value); // an empty header (Origin:) is kept, as on plain requests
  }
  const target = req.url ?? '/';
  if (target[0] !== '/') throw new Error('bad request target');
  const { localAddress, localPort } = req.socket;
  const host = !localAddress ? 'localhost' : localAddress.includes(':') ? `[${localAddress}]` : localAddress;
  const url = new URL(`http://${host}:${localPort ?? 80}`);
  url.pathname = target.split('?', 1)[0]!;
  url.search = target.slice(url.pathname.length);
  return new Request(url, { headers });
}

type Fetch = (req: Request, env: unknown) => Response | Promise<Response>;

/**
 * Serves WebSocket handshakes to `path` on `server` through the app's
 * `fetch`, with `wss` (noServer) doing the handshake. Every other upgrade
 * offer (h2c from `curl --http2`, a WebSocket handshake to another path) is
 * served as the ordinary request it also is (upgrade-offers.ts).
 */
export function serveWebSockets(server: Server, wss: WebSocketServer, fetch: Fetch, path: string): void {
  server.on('upgrade', upgradeListener(server, wss, fetch, path));
}

/** The `upgrade` listener of serveWebSockets (attach.ts calls it for its prefix only). */
export function upgradeListener(server: Server, wss: WebSocketServer, fetch: Fetch, path: string): (req: IncomingMessage, socket: Duplex, head: Buffer) => Promise<void> {
  const ignore = () => {};
  return async (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!isWebSocketHandshake(req, path)) return serveAsOrdinaryRequest(server, req, socket, head);
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
  };
}
