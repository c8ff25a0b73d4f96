/**
 * What a runtime hands the core: its WebSocket upgrade, how to learn the
 * peer's address, and what its sockets can do. Each runtime maps itself
 * onto this in one thin file under src/runtimes/.
 */
import type { Context } from 'hono';
import type { UpgradeWebSocket, WSContext, WSEvents } from 'hono/ws';
import type { DirectSource } from './sink.ts';
import type { SubscriptionSpec } from './subscription.ts';
import type { WsBatch } from './ws-batch.ts';

/**
 * Bytes a WebSocket may have buffered in its socket past which the sender
 * waits for it to drain (every runtime that can see them uses this one mark).
 */
export const WS_SOCKET_HWM = 1 << 20;

export interface WsCapabilities {
  /**
   * Sends a run of text messages (`batch.texts`; the batch also says which
   * are shared among subscribers and where the client stands after them);
   * returns a promise when the socket has more buffered than it should and
   * the caller must wait before sending more.
   * Default: `ws.send` per message, no backpressure signal.
   */
  sendBatch?(ws: WSContext, batch: WsBatch): Promise<void> | void;
  /**
   * Given once, when the app is built: how to make the session of a
   * subscription, for runtimes that rebuild sessions themselves (Workers,
   * after hibernation).
   */
  sessions?(open: (spec: SubscriptionSpec) => WSEvents): void;
  /** Whether the runtime reports socket backpressure (else queues are bounded by the subscriber's mark alone). */
  backpressure: boolean;
}

export interface RuntimeAdapter {
  readonly name: 'node' | 'bun' | 'deno' | 'workers' | (string & {});
  /** The runtime's WebSocket upgrade; absent where the gateway serves no WebSocket. */
  upgradeWebSocket?: UpgradeWebSocket<any, any>;
  /**
   * The socket's remote address, as the runtime sees it; undefined when it
   * cannot tell (then the client is unknown, never loopback). The client
   * address the gateway judges is derived from it in core/peer.ts.
   */
  remoteAddress(c: Context): string | undefined;
  /**
   * Calls `cb` when the client's connection closes. Needed where the request
   * signal does not fire (Node with pipelined keep-alive requests).
   */
  onConnectionClose?(c: Context, cb: () => void): void;
  ws?: WsCapabilities;
  /**
   * The body of an SSE response, written by the runtime straight from the
   * subscriber (`source.attach`), where it has a faster way than reading a
   * web ReadableStream (Bun's direct streams). Absent: the subscriber's own
   * stream is the body (Node attaches to it the same way: sink.ts).
   */
  eventStreamBody?(source: DirectSource<Uint8Array>): ReadableStream<Uint8Array>;
  /**
   * Reads the request body, at most `limit` bytes; resolves undefined when it
   * is larger (the rest is discarded). Returns undefined itself when it cannot
   * (the caller then reads `c.req.raw.body`). Optional: a faster path than the
   * web-standard body where the runtime has one (Node).
   */
  readBody?(c: Context, limit: number): Promise<Uint8Array | undefined> | undefined;
  /**
   * Runs `tick` every `ms` ms (the SSE heartbeat) and returns how to stop it.
   * Default: a plain interval. Workers arm theirs only while SSE streams are
   * open, so that an idle Durable Object can hibernate.
   */
  every?(ms: number, tick: () => void): () => void;
  /**
   * The live event page's files, as text: `ui/<name>` and `client/<name>`,
   * as `npm run build:web` writes them to dist/web/ from src/ui and
   * src/client; undefined for a file it does not have. Absent: the gateway
   * serves no page (GET / answers 404). Node, Bun and Deno can all use
   * runtimes/assets.ts (`readAsset`), which reads dist/web from disk.
   * On Workers, each built file is a Text module (a wrangler.toml
   * `[[rules]] type = "Text"`) answered from a map of them.
   */
  asset?(path: string): Promise<string | undefined> | string | undefined;
  /**
   * The process's own metrics as Prometheus exposition text, appended to
   * GET /metrics (Node: prom-client's defaults). Absent where the runtime
   * has none to give.
   */
  processMetrics?(): Promise<string> | string;
}

/**
 * For embedding without a server of ours (tests through `app.request`, or
 * `gw.app.fetch` served by another server): no peer address is known, so no
 * client is loopback and publishing needs a PUBLISH_TOKEN. An embedder that
 * knows the peer passes its own runtime with `remoteAddress`.
 */
export const inProcessRuntime: RuntimeAdapter = {
  name: 'in-process',
  remoteAddress: () => undefined,
};
