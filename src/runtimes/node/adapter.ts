/**
 * Node mapped onto the core: the peer address (getConnInfo), socket-close
 * detection for pipelined keep-alive requests, WebSocket upgrades and
 * batched sends (ws-upgrade.ts, ws-frames.ts), request bodies read straight
 * from the socket, and the page's files from disk. SSE responses are written
 * by sse-stream.ts (wired in server.ts and attach.ts).
 */
import type { IncomingMessage } from 'node:http';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import type { RuntimeAdapter } from '../../core/runtime.ts';
import { readAsset } from '../assets.ts';
import { nodeProcessMetrics } from './metrics.ts';
import { sendBatch } from './ws-frames.ts';
import { upgradeWebSocket } from './ws-upgrade.ts';

function incoming(c: Context): IncomingMessage | undefined {
  return (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
}

export const nodeRuntime: RuntimeAdapter = {
  name: 'node',
  upgradeWebSocket,
  remoteAddress: (c) => (incoming(c) ? getConnInfo(c).remote.address : undefined),
  onConnectionClose(c, cb) {
    const sock = incoming(c)?.socket;
    if (!sock) return;
    if (sock.destroyed) cb();
    else sock.on('close', cb); // a socket closes once: no `once` wrapper to keep per stream
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
  processMetrics: nodeProcessMetrics,
};
