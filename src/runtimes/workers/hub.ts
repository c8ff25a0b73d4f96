/**
 * The hub Durable Object: one gateway (the same createGateway app as every
 * runtime) whose bus, subscribers and history live here, because a Worker
 * shares no memory across requests. History is in the object's storage, so
 * cursors survive eviction; WebSocket subscribers survive hibernation.
 */
import type { DurableObjectState, WebSocket as CfWebSocket } from '@cloudflare/workers-types/latest';
import { DurableObjectBackend } from '../../backends/durable-object.ts';
import { ConfigError, loadGatewayConfig, type GatewayConfig } from '../../core/config.ts';
import { createGateway, type Gateway } from '../../core/gateway.ts';
import { oneOf } from '../../core/env.ts';
import { createLogger, LOG_FORMATS, LOG_LEVELS, type Logger } from '../../core/logger.ts';
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

  /** Called by the Workers runtime (`ctx` is its DurableObjectState); typed loosely so that the package's types need no @cloudflare/workers-types. */
  constructor(ctx: unknown, env: Record<string, unknown>) {
    const state = ctx as DurableObjectState;
    let config: GatewayConfig;
    let logger: Logger;
    try {
      config = loadGatewayConfig(envRecord(env));
      logger = createLogger({ format: oneOf(envRecord(env), 'LOG_FORMAT', 'text', LOG_FORMATS), level: oneOf(envRecord(env), 'LOG_LEVEL', 'info', LOG_LEVELS) });
      if (config.maxBodyBytes > MAX_STORED_EVENT_BYTES) {
        throw new ConfigError(
          'MAX_BODY_BYTES',
          `must be at most ${MAX_STORED_EVENT_BYTES} on Workers, where each stored event is one SQLite row (2 MB at most), got ${config.maxBodyBytes}`,
        );
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
    const sockets = new HibernatingSockets(state);
    const heartbeat = new SseHeartbeat(() => {
      for (const s of gateway.bus.subscribers()) if (s.transport === 'sse') return true;
      return false;
    });
    const gateway = createGateway({ config, backend, runtime: workersRuntime(sockets, heartbeat), logger });
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

  webSocketMessage(ws: unknown, message: string | ArrayBuffer): void {
    this.#sockets?.message(ws as CfWebSocket, message);
  }

  webSocketClose(ws: unknown, code: number, reason: string, wasClean: boolean): void {
    this.#sockets?.closed(ws as CfWebSocket, code, reason, wasClean);
  }

  webSocketError(ws: unknown): void {
    this.#sockets?.errored(ws as CfWebSocket);
  }
}
