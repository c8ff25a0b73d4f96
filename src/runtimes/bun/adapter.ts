/**
 * Bun mapped onto the core: hono/bun's WebSocket upgrade, the peer address
 * from the server, and WebSocket sends that read the raw socket's send()
 * result (Hono's Bun adapter throws it away): -1 means "queued, but wait for
 * the drain callback", 0 means "dropped", which must not pass silently.
 *
 * Bun's types are not part of this project (the core stays web-standard), so
 * the little of Bun's API used here is described locally.
 */
import type { Context } from 'hono';
import type { WSContext } from 'hono/ws';
import type { UpgradeWebSocket } from 'hono/ws';
import { getConnInfo, upgradeWebSocket as honoUpgradeWebSocket, websocket as honoWebsocket } from 'hono/bun';
import { handshakeRefusal } from '../web-request-checks.ts';
import type { Config } from '../server-config.ts';
import type { RuntimeAdapter } from '../../core/runtime.ts';
import type { WsBatch } from '../../core/ws-batch.ts';
import { readAsset } from '../assets.ts';
import { portableProcessMetrics } from '../process-metrics.ts';
import { WS_CLOSE } from '../../core/routes/ws.ts';
import { directEventStream } from './event-stream.ts';

/** The parts of Bun's ServerWebSocket used here. */
export interface BunSocket {
  readonly readyState: number;
  send(data: string): number;
  cork(cb: () => void): void;
  close(code?: number, reason?: string): void;
}

/** The parts of Bun's Server used here. */
export interface BunServer {
  readonly port: number;
  requestIP(req: Request): { address: string } | null;
  /** Requests in flight, the one being handled and open streams included. */
  readonly pendingRequests: number;
  readonly pendingWebSockets: number;
  timeout(req: Request, seconds: number): void;
  stop(closeActiveConnections?: boolean): Promise<void> | void;
}

/** Senders waiting for a socket's drain callback. */
const waiting = new WeakMap<BunSocket, (() => void)[]>();

function wake(raw: BunSocket): void {
  const ws = waiting.get(raw);
  if (!ws) return;
  waiting.delete(raw);
  for (const f of ws) f();
}

function drained(raw: BunSocket): Promise<void> {
  return new Promise((resolve) => {
    const list = waiting.get(raw);
    if (list) list.push(resolve);
    else waiting.set(raw, [resolve]);
  });
}

/**
 * Sends messages[from..]; when Bun reports backpressure, waits for the drain
 * before the rest. A dropped message ends the socket with 1013, so that the
 * client resumes from the last event it holds instead of missing one unseen.
 */
function sendFrom(raw: BunSocket, messages: string[], from: number): Promise<void> | void {
  let result = 1;
  let i = from;
  // One message needs no cork (one frame, one write), nor a closure per delivery.
  if (messages.length - from === 1) result = raw.send(messages[i++]!);
  else {
    raw.cork(() => {
      for (; i < messages.length && raw.readyState === 1; ) {
        result = raw.send(messages[i++]!);
        if (result <= 0) break;
      }
    });
  }
  if (result === 0 && raw.readyState === 1) {
    raw.close(WS_CLOSE.tryAgainLater, 'slow consumer: a message could not be buffered; reconnect with last_event_id');
    return;
  }
  if (result === -1 && raw.readyState === 1) {
    return drained(raw).then(() => (raw.readyState === 1 && i < messages.length ? sendFrom(raw, messages, i) : undefined));
  }
}

function sendBatch(ws: WSContext, batch: WsBatch): Promise<void> | void {
  const raw = ws.raw as BunSocket;
  if (raw.readyState !== 1) return;
  return sendFrom(raw, batch.texts, 0);
}

function _server(c: Context): BunServer | undefined {
  const env = c.env as BunServer | { server: BunServer } | undefined;
  return env && 'server' in env ? env.server : env;
}

/**
 * hono/bun's upgrade, after the handshake checks Bun does not make: it
 * upgrades without `Connection: Upgrade`, and it always selects the first
 * subprotocol offered (a Sec-WebSocket-Protocol it is given replaces the
 * value but cannot remove the header), so an offer is refused instead.
 */
const upgradeWebSocket = ((createEvents: any, options: any) => {
  const inner = honoUpgradeWebSocket(createEvents, options);
  return async (c: Context, next: () => Promise<void>) => handshakeRefusal(c.req.raw, { refuseSubprotocols: true }) ?? inner(c, next);
}) as UpgradeWebSocket<any, any>;

/** Most bytes of an oversized body read (and dropped) before its 413 is sent anyway. */
const DRAIN_MAX_BYTES = 64 * 1024 * 1024;

/**
 * The request body, at most `limit` bytes (undefined past it). An oversized
 * body is read to its end (up to DRAIN_MAX_BYTES) and dropped before the
 * caller answers 413: Bun resets a connection that closes with body bytes
 * unread (`Connection: close`), and the reset would destroy the 413 before
 * the client reads it.
 */
async function readBodyDraining(req: Request, limit: number): Promise<Uint8Array | undefined> {
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > DRAIN_MAX_BYTES) {
      await reader.cancel().catch(() => {});
      break;
    }
    if (total <= limit) parts.push(value);
  }
  if (total > limit) return undefined;
  const all = new Uint8Array(total);
  let at = 0;
  for (const p of parts) all.set(p, at), (at += p.byteLength);
  return all;
}

/**
 * Reads and drops what is left of a request body that its answer did not
 * need (a 413 sent on the declared Content-Length alone), at most
 * DRAIN_MAX_BYTES and `ms`: for the same reason as above, the answer would
 * otherwise be lost to the reset when the connection closes.
 */
export async function drainUnreadBody(req: Request, ms: number): Promise<void> {
  if (!req.body || req.bodyUsed) return;
  const reader = req.body.getReader();
  const stop = setTimeout(() => void reader.cancel().catch(() => {}), ms);
  try {
    for (let total = 0; total <= DRAIN_MAX_BYTES; ) {
      const { done, value } = await reader.read();
      if (done) return;
      total += value.byteLength;
    }
    await reader.cancel();
  } catch {
    /* the client went, or the time is up */
  } finally {
    clearTimeout(stop);
  }
}

export const bunRuntime: RuntimeAdapter = {
  name: 'bun',
  upgradeWebSocket,
  readBody: (c, limit) => readBodyDraining(c.req.raw, limit),
  remoteAddress: (c) => (c.env ? getConnInfo(c).remote.address : undefined),
  ws: { sendBatch, backpressure: true },
  eventStreamBody: directEventStream,
  asset: readAsset,
  processMetrics: portableProcessMetrics,
};

/**
 * Bun.serve's `websocket` option: Hono's handlers plus the drain callback,
 * the payload limit (Bun closes with 1009 past it) and protocol pings. Bun
 * pings a quiet peer and closes one that sends nothing for `idleTimeout`
 * seconds; twice the ping interval matches Node's "one missed pong".
 */
/** What Bun.serve's `websocket` option is given (Bun's own type is not part of this project). */
export type BunWebSocketOptions = Record<string, unknown>;

export function bunWebSocketOptions(config: Pick<Config, 'maxWsMessageBytes' | 'wsPingMs'>): BunWebSocketOptions {
  return {
    ...honoWebsocket,
    close(ws: any, code: number, reason: string) {
      wake(ws);
      honoWebsocket.close(ws, code, reason);
    },
    drain(ws: any) {
      wake(ws);
    },
    maxPayloadLength: config.maxWsMessageBytes,
    idleTimeout: Math.min(960, Math.max(1, Math.ceil((2 * config.wsPingMs) / 1000))),
    sendPings: true,
    perMessageDeflate: false,
  };
}
