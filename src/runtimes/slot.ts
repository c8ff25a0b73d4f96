/**
 * A gateway built by `createGateway` from the package entry (src/index.ts)
 * is not tied to a runtime when it is built: the runtime that serves it
 * binds itself later (`serve(gateway)` from eventgate/node, /bun, /deno, or
 * `attach`). Until then it answers as an in-process gateway: no peer
 * address is known, so every peer is unknown and never loopback (publishing
 * needs a token), there is no WebSocket (501) and no page (404), which is
 * what `gateway.app.request()` in a test, or `gateway.app.fetch` served by
 * another server, gets. The heartbeat timer is the default interval: a runtime
 * that needs its own (`every`, Workers) builds its gateway with it instead.
 * What the app takes from its runtime when it is built (`name`, `ws`,
 * `asset`, `upgradeWebSocket`) is given here as getters and functions that
 * look the bound runtime up at each use.
 */
import type { MiddlewareHandler } from 'hono';
import type { UpgradeWebSocket } from 'hono/ws';
import { jsonError } from '../core/http-error.ts';
import { inProcessRuntime, type RuntimeAdapter } from '../core/runtime.ts';

export interface RuntimeSlot {
  /** Hand this to the core's createGateway: it delegates to whatever is bound. */
  readonly adapter: RuntimeAdapter;
  /** The bound runtime, if any. */
  readonly bound: RuntimeAdapter | undefined;
  bind(runtime: RuntimeAdapter): void;
}

export function runtimeSlot(): RuntimeSlot {
  let bound: RuntimeAdapter | undefined;
  const current = () => bound ?? inProcessRuntime;
  const upgradeWebSocket = ((createEvents: never, options?: never) => {
    const handlers = new Map<RuntimeAdapter, MiddlewareHandler>();
    const handler: MiddlewareHandler = (c, next) => {
      const rt = bound;
      if (!rt?.upgradeWebSocket) {
        return Promise.resolve(
          jsonError(c, 501, {
            error: 'websocket_unavailable',
            field: 'Upgrade',
            message: 'this gateway is not served by a runtime with WebSocket support; use /api/events/stream',
          }),
        );
      }
      let h = handlers.get(rt);
      if (!h) handlers.set(rt, (h = rt.upgradeWebSocket(createEvents, options)));
      return h(c, next);
    };
    return handler;
  }) as unknown as UpgradeWebSocket<any, any>;

  const adapter: RuntimeAdapter = {
    get name() {
      return current().name;
    },
    upgradeWebSocket,
    remoteAddress: (c) => current().remoteAddress(c),
    get onConnectionClose() {
      return bound?.onConnectionClose;
    },
    get eventStreamBody() {
      return bound?.eventStreamBody;
    },
    // The app reads `ws` and `asset` once, when it is built: these delegate at each call.
    ws: {
      get backpressure() {
        return bound?.ws?.backpressure ?? false;
      },
      sendBatch(ws, batch) {
        const send = bound?.ws?.sendBatch;
        if (send) return send(ws, batch);
        for (const m of batch.texts) ws.send(m);
      },
    },
    get readBody() {
      return bound?.readBody;
    },
    asset: (path) => bound?.asset?.(path),
    processMetrics: () => bound?.processMetrics?.() ?? '',
  };
  return {
    adapter,
    get bound() {
      return bound;
    },
    bind(runtime) {
      if (bound && bound.name !== runtime.name) throw new Error(`eventgate: this gateway is already served by ${bound.name}; build another one for ${runtime.name}`);
      bound = runtime;
    },
  };
}

const slots = new WeakMap<object, RuntimeSlot>();

/** Records the slot of a gateway built by the package entry. */
export function rememberSlot(gateway: object, slot: RuntimeSlot): void {
  slots.set(gateway, slot);
}

/** Called by a runtime's serve()/attach(): binds it to the gateway, or says why it cannot. */
export function bindRuntime(gateway: object, runtime: RuntimeAdapter): void {
  const slot = slots.get(gateway);
  if (!slot) throw new Error("eventgate: serve a gateway built by createGateway() from 'eventgate' (this one was built with a runtime of its own)");
  slot.bind(runtime);
}
