/**
 * Deno mapped onto the core: a WebSocket upgrade through Deno.upgradeWebSocket
 * with Deno's own protocol pings (`idleTimeout`), the peer address from Deno.serve's
 * handler info, and WebSocket sends that wait while the socket has too much
 * buffered (Deno keeps `bufferedAmount` but has no drain event, so the wait
 * polls it).
 *
 * Deno's types are not part of this project (the core stays web-standard),
 * so the little of Deno's API used here is described locally.
 */
import type { Context } from 'hono';
import { defineWebSocketHelper, WSContext, type UpgradeWebSocket } from 'hono/ws';
import type { Config } from '../server-config.ts';
import type { RuntimeAdapter } from '../../core/runtime.ts';
import { readAsset } from '../node/assets.ts';

/** What Deno.serve hands the handler next to the request. */
export interface DenoServeInfo {
  remoteAddr: { hostname: string; port: number };
}

interface DenoUpgrade {
  upgradeWebSocket(req: Request, options: { idleTimeout: number; protocol?: string }): { socket: WebSocket; response: Response };
}

/** Bytes buffered in a socket past which the sender waits for it to drain. */
const WS_SOCKET_HWM = 1 << 20;
/** How often a waiting sender looks at the socket again. */
const DRAIN_POLL_MS = 10;

function belowMark(raw: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    const look = () => {
      if (raw.readyState !== WebSocket.OPEN || raw.bufferedAmount < WS_SOCKET_HWM / 2) resolve();
      else setTimeout(look, DRAIN_POLL_MS);
    };
    setTimeout(look, DRAIN_POLL_MS);
  });
}

function sendBatch(ws: WSContext, messages: string[]): Promise<void> | void {
  const raw = ws.raw as WebSocket;
  if (raw.readyState !== WebSocket.OPEN) return;
  for (const m of messages) raw.send(m);
  if (raw.bufferedAmount >= WS_SOCKET_HWM) return belowMark(raw);
}

/**
 * Deno pings a peer that has been quiet for half of `idleTimeout` seconds and
 * closes it (1001) when no pong comes within `idleTimeout`; twice the ping
 * interval matches Node's "one missed pong".
 */
export function denoRuntime(config: Config): RuntimeAdapter {
  const idleTimeout = Math.max(1, Math.ceil((2 * config.wsPingMs) / 1000));
  // Not hono/deno's helper: it compares the Upgrade header case-sensitively, and
  // answers `Upgrade: WebSocket` (a valid spelling) with 404.
  const upgrade = defineWebSocketHelper<WebSocket>((c, events) => {
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') return;
    const Deno = (globalThis as unknown as { Deno: DenoUpgrade }).Deno;
    const protocol = c.req.header('sec-websocket-protocol')?.split(',')[0]?.trim();
    const { socket, response } = Deno.upgradeWebSocket(c.req.raw, { idleTimeout, ...(protocol ? { protocol } : {}) });
    const ctx = new WSContext<WebSocket>({
      raw: socket,
      url: socket.url ? new URL(socket.url) : null,
      get protocol() {
        return socket.protocol;
      },
      get readyState() {
        return socket.readyState as 0 | 1 | 2 | 3;
      },
      send: (data) => socket.send(data),
      close: (code, reason) => socket.close(code, reason),
    });
    socket.onopen = (e) => events.onOpen?.(e, ctx);
    socket.onmessage = (e) => events.onMessage?.(e, ctx);
    socket.onclose = (e) => events.onClose?.(e, ctx);
    socket.onerror = (e) => events.onError?.(e, ctx);
    return response;
  }) as UpgradeWebSocket<any, any>;
  return {
    name: 'deno',
    upgradeWebSocket: upgrade,
    remoteAddress: (c: Context) => (c.env as DenoServeInfo | undefined)?.remoteAddr?.hostname,
    ws: { sendBatch, backpressure: true },
    asset: readAsset,
  };
}
