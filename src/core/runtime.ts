/**
 * What a runtime hands the core: its WebSocket upgrade, how to learn the
 * peer's address, and what its sockets can do. Each runtime maps itself
 * onto this in one thin file under src/runtimes/.
 */
import type { Context } from 'hono';
import type { UpgradeWebSocket, WSContext } from 'hono/ws';

export interface WsCapabilities {
  /**
   * Sends a run of text messages; returns a promise when the socket has
   * more buffered than it should and the caller must wait before sending more.
   * Default: `ws.send` per message, no backpressure signal.
   */
  sendBatch?(ws: WSContext, messages: string[]): Promise<void> | void;
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
   * runtimes/node/assets.ts (`readAsset`), which reads dist/web from disk.
   * On Workers, each built file is a Text module (a wrangler.toml
   * `[[rules]] type = "Text"`) answered from a map of them.
   */
  asset?(path: string): Promise<string | undefined> | string | undefined;
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
