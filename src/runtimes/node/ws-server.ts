/**
 * The `ws` server (noServer: the handshake only; upgrades are routed by
 * ws-upgrade.ts) with the gateway's payload limit and protocol pings, for
 * serve() and attach() alike.
 */
import { WebSocketServer } from 'ws';
import type { Gateway } from '../../core/gateway.ts';
import { startPings } from './ws-upgrade.ts';

export interface NodeWebSockets {
  wss: WebSocketServer;
  /** Stops the pings and ends every socket still open. */
  close(): void;
}

export function nodeWebSockets(config: Pick<Gateway['config'], 'maxWsMessageBytes' | 'wsPingMs'>): NodeWebSockets {
  // eventgate speaks no subprotocol: one offered is never selected (ws would pick the first).
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.maxWsMessageBytes, perMessageDeflate: false, handleProtocols: () => false });
  const stopPings = startPings(wss, config.wsPingMs);
  return {
    wss,
    close() {
      stopPings();
      for (const ws of wss.clients) ws.terminate();
    },
  };
}
