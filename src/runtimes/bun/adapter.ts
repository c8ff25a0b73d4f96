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
import { upgradeWebSocket, websocket as honoWebsocket } from 'hono/bun';
import type { Config } from '../server-config.ts';
import type { RuntimeAdapter } from '../../core/runtime.ts';
import { readAsset } from '../node/assets.ts';
import { WS_CLOSE } from '../../core/routes/ws.ts';

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
  raw.cork(() => {
    for (; i < messages.length && raw.readyState === 1; ) {
      result = raw.send(messages[i++]!);
      if (result <= 0) break;
    }
  });
  if (result === 0 && raw.readyState === 1) {
    raw.close(WS_CLOSE.tryAgainLater, 'slow consumer: a message could not be buffered; reconnect with last_event_id');
    return;
  }
  if (result === -1 && raw.readyState === 1) {
    return drained(raw).then(() => (raw.readyState === 1 && i < messages.length ? sendFrom(raw, messages, i) : undefined));
  }
}

function sendBatch(ws: WSContext, messages: string[]): Promise<void> | void {
  const raw = ws.raw as BunSocket;
  if (raw.readyState !== 1) return;
  return sendFrom(raw, messages, 0);
}

function server(c: Context): BunServer | undefined {
  const env = c.env as BunServer | { server: BunServer } | undefined;
  return env && 'server' in env ? env.server : env;
}

export const bunRuntime: RuntimeAdapter = {
  name: 'bun',
  upgradeWebSocket,
  remoteAddress: (c) => server(c)?.requestIP(c.req.raw)?.address,
  ws: { sendBatch, backpressure: true },
  asset: readAsset,
};

/**
 * Bun.serve's `websocket` option: Hono's handlers plus the drain callback,
 * the payload limit (Bun closes with 1009 past it) and protocol pings. Bun
 * pings a quiet peer and closes one that sends nothing for `idleTimeout`
 * seconds; twice the ping interval matches Node's "one missed pong".
 */
export function bunWebSocketOptions(config: Config) {
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
