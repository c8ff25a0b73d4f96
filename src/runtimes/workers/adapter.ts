/**
 * Cloudflare Workers mapped onto the core. The gateway runs inside the hub
 * Durable Object: WebSockets through the hibernation API (sockets.ts), the
 * peer address as the Worker saw it (CF-Connecting-IP, handed over in a
 * header the Worker sets itself), and the SSE heartbeat armed only while
 * streams are open (heartbeat.ts). Workers expose no socket backpressure.
 * The live page's files are bundled into the Worker (assets.ts).
 */
import type { RuntimeAdapter } from '../../core/runtime.ts';
import { workersAsset } from './assets.ts';
import type { SseHeartbeat } from './heartbeat.ts';
import type { HibernatingSockets } from './sockets.ts';

/** Set by the Worker on every request it forwards (any value from the client is replaced). */
export const PEER_HEADER = 'x-eventgate-peer';

export function workersRuntime(sockets: HibernatingSockets, heartbeat: SseHeartbeat): RuntimeAdapter {
  return {
    name: 'workers',
    upgradeWebSocket: sockets.upgradeWebSocket,
    remoteAddress: (c) => c.req.header(PEER_HEADER) || undefined,
    ws: { backpressure: false, sendBatch: (ws, batch) => sockets.sendBatch(ws, batch), sessions: (open) => sockets.sessions(open) },
    every: (ms, tick) => heartbeat.every(ms, tick),
    asset: workersAsset,
  };
}
