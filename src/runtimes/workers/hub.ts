/**
 * The hub Durable Object: one gateway (the same createGateway app as every
 * runtime) whose bus, subscribers and history live here, because a Worker
 * shares no memory across requests. History is in the object's storage, so
 * cursors survive eviction; WebSocket subscribers survive hibernation.
 */
import type { DurableObjectState, WebSocket as CfWebSocket } from '@cloudflare/workers-types/latest';
import { DurableObjectBackend } from '../../backends/durable-object.ts';
import { ConfigError, loadGatewayConfig } from '../../core/config.ts';
import { formatCursor } from '../../core/cursor.ts';
import { createGateway, type Gateway } from '../../core/gateway.ts';
import { workersRuntime } from './adapter.ts';
import { envRecord } from './env.ts';
import { SseHeartbeat } from './heartbeat.ts';
import { HibernatingSockets } from './sockets.ts';

/** A client's `{"op":"ping"}` is answered by the runtime itself, without waking the object. */
const PING = '{"op":"ping"}';
const PONG = '{"control":"pong"}';

/** Durable Object SQLite keeps a row to 2 MB; an event is stored as one row, with a little room for its id and timestamp. */
export const MAX_STORED_EVENT_BYTES = 1_900_000;

type PairCtor = new (request: string, response: string) => unknown;

export class EventHub {
  readonly #gateway: Gateway | undefined;
  readonly #sockets: HibernatingSockets | undefined;
  readonly #heartbeat: SseHeartbeat | undefined;
  readonly #configError: ConfigError | undefined;

  constructor(state: DurableObjectState, env: Record<string, unknown>) {
    let config;
    try {
      config = loadGatewayConfig(envRecord(env));
      if (config.maxBodyBytes > MAX_STORED_EVENT_BYTES) {
        throw new ConfigError('MAX_BODY_BYTES', `must be at most ${MAX_STORED_EVENT_BYTES} on Workers, where each stored event is one SQLite row (2 MB at most), got ${config.maxBodyBytes}`);
      }
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      console.error(err.message);
      this.#configError = err;
      // Sockets kept from before (a deploy with a bad value) are told, not left unanswered.
      for (const ws of state.getWebSockets()) {
        try {
          ws.close(1011, `bad configuration: ${err.variable}`);
        } catch {
          /* already closed */
        }
      }
      return;
    }
    const backend = new DurableObjectBackend({ storage: state.storage, historySize: config.historySize });
    const sockets = new HibernatingSockets(state, () => {
      const w = backend.window();
      return w.head > 0 ? formatCursor(w.epoch, w.head) : null;
    });
    const heartbeat = new SseHeartbeat(() => {
      for (const s of gateway.bus.subscribers()) if (s.transport === 'sse') return true;
      return false;
    });
    const gateway = createGateway({ config, backend, runtime: workersRuntime(sockets, heartbeat) });
    this.#gateway = gateway;
    this.#sockets = sockets;
    this.#heartbeat = heartbeat;
    const Pair = (globalThis as unknown as { WebSocketRequestResponsePair: PairCtor }).WebSocketRequestResponsePair;
    state.setWebSocketAutoResponse(new Pair(PING, PONG) as never);
    // Nothing is served until the store is open and the sockets kept over hibernation have their subscribers back.
    void state.blockConcurrencyWhile(async () => {
      await gateway.ready;
      sockets.rehydrate();
    });
  }

  async fetch(request: Request): Promise<Response> {
    if (!this.#gateway) {
      const err = this.#configError!;
      return Response.json({ error: 'bad_config', field: err.variable, message: err.message }, { status: 500 });
    }
    if (new URL(request.url).pathname === '/api/events/stream') this.#heartbeat!.arm();
    return this.#gateway.app.fetch(request);
  }

  webSocketMessage(ws: CfWebSocket, message: string | ArrayBuffer): void {
    this.#sockets?.message(ws, message);
  }

  webSocketClose(ws: CfWebSocket, code: number, reason: string, wasClean: boolean): void {
    this.#sockets?.closed(ws, code, reason, wasClean);
  }

  webSocketError(ws: CfWebSocket): void {
    this.#sockets?.errored(ws);
  }
}
