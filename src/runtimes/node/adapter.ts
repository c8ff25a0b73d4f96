/**
 * Node mapped onto the core: @hono/node-server's built-in WebSocket support
 * (upstream deprecates @hono/node-ws in its favour), the peer address from
 * the socket, socket-close detection for pipelined keep-alive requests, and
 * batched, backpressure-aware WebSocket sends.
 */
import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { Duplex } from 'node:stream';
import type { Context } from 'hono';
import { defineWebSocketHelper, WSContext, type UpgradeWebSocket, type WSEvents } from 'hono/ws';
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
    if (value) headers.append(key, Array.isArray(value) ? value[0]! : value);
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

/**
 * Event-stream responses written here rather than by @hono/node-server's
 * generic body pump: headers at once, then one `write` per chunk the
 * subscriber's stream hands over, waiting for `drain` when the socket is
 * full. Same bytes and backpressure, fewer objects kept per open stream
 * (no pending async frame, no close/error listeners, no `closed` promise).
 * Other responses pass through untouched.
 */
export function withDirectEventStreams(fetch: (req: Request, env: any) => Response | Promise<Response>) {
  return async (req: Request, env: any): Promise<Response> => {
    const res = await fetch(req, env);
    const out = env?.outgoing as ServerResponse | undefined;
    // Status and headers first: reading `body` turns node-server's light Response into a full one.
    if (!out || res.status !== 200 || !res.headers.get('content-type')?.startsWith('text/event-stream') || !res.body) return res;
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => {
      headers[k] = v;
    });
    out.writeHead(res.status, headers);
    pipeEventStream(res.body.getReader() as ReadableStreamDefaultReader<Uint8Array>, out);
    return RESPONSE_ALREADY_SENT;
  };
}

/**
 * HTTP/1.1 chunks, framed here: one socket write per chunk instead of the
 * four buffers ServerResponse.write hands to writev. A chunk that is one
 * event's shared SSE bytes reaches its subscribers one after another in a
 * flush, so the last framing is kept and reused while the same bytes come by.
 */
let lastChunk: Uint8Array | undefined;
let lastFrame: Buffer | undefined;
function chunkFrame(data: Uint8Array): Buffer {
  if (data === lastChunk) return lastFrame!;
  const head = `${data.byteLength.toString(16)}\r\n`;
  const f = Buffer.allocUnsafe(head.length + data.byteLength + 2);
  f.write(head, 0, 'latin1');
  f.set(data, head.length);
  f[f.length - 2] = 13;
  f[f.length - 1] = 10;
  lastChunk = data;
  lastFrame = f;
  return f;
}

function pipeEventStream(reader: ReadableStreamDefaultReader<Uint8Array>, out: ServerResponse): void {
  const sock = out.socket;
  // Chunks go straight to the socket when the response is chunked (HTTP/1.1); otherwise through ServerResponse.
  const direct = sock !== null && out.chunkedEncoding === true;
  if (direct) out.flushHeaders();
  const target = direct ? sock : out;
  const fail = () => out.destroy();
  const next = () => void reader.read().then(step, fail);
  const step = (r: ReadableStreamReadResult<Uint8Array>): void => {
    if (r.done) out.end();
    else if (out.destroyed || target.destroyed) reader.cancel().catch(() => {});
    else if (r.value.byteLength === 0) next();
    else if (direct ? sock.write(chunkFrame(r.value)) : out.write(r.value)) next();
    else target.once('drain', next);
  };
  next();
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
  readBody(c, limit) {
    const inc = incoming(c);
    // Only a body nobody has started on; anything else goes the web-standard way.
    if (!inc || inc.readableDidRead || inc.readableEnded || inc.destroyed) return undefined;
    return new Promise<Uint8Array | undefined>((resolve, reject) => {
      const parts: Buffer[] = [];
      let total = 0;
      const onData = (d: Buffer) => {
        total += d.length;
        if (total <= limit) return void parts.push(d);
        inc.off('data', onData).off('end', onEnd).off('error', onError);
        inc.resume(); // discard the rest, keep the connection
        resolve(undefined);
      };
      const onEnd = () => resolve(parts.length === 1 ? parts[0]! : Buffer.concat(parts, total));
      const onError = (err: Error) => reject(err);
      inc.on('data', onData).once('end', onEnd).once('error', onError);
    });
  },
  asset: readAsset,
};
