/**
 * GET /ws/events: one subscriber over a WebSocket. Events are one JSON text
 * message each; control messages carry `control` instead of `type`. The
 * client may send `{"op":"filter", ...}` to change its filter in place.
 * Overflow closes with 1013, shutdown with 1001, an oversized client message
 * with 1009; a malformed one gets an error message and the socket stays.
 */
import type { WSContext, WSEvents } from 'hono/ws';
import type { Bus } from '../bus.ts';
import { wsCodec } from '../codec.ts';
import type { Control } from '../control.ts';
import { parseFilter } from '../filter.ts';
import type { WsCapabilities } from '../runtime.ts';
import type { Subscriber } from '../subscriber.ts';
import type { SubscriptionSpec } from '../subscription.ts';

export const WS_CLOSE = {
  goingAway: 1001,
  tooBig: 1009,
  tryAgainLater: 1013,
  policy: 1008,
} as const;

function sendError(ws: WSContext, error: string, message: string, field?: string): void {
  const body: Control = { control: 'error', error, message, ...(field ? { field } : {}) };
  ws.send(JSON.stringify(body));
}

/** What a WebSocket session needs. */
export interface WsDeps {
  bus: Pick<Bus, 'subscribe' | 'setFilter'>;
  /** The event types a filter may name. */
  knownTypes(): readonly string[];
  /** Largest client message; a larger one closes with 1009. */
  maxWsMessageBytes: number;
  /** What the runtime's sockets can do. */
  ws: WsCapabilities | undefined;
}

/** The WebSocket events of one subscriber. */
export function wsSession(deps: WsDeps, spec: SubscriptionSpec): WSEvents {
  let sub: Subscriber<string[]> | undefined;
  const caps = deps.ws;

  async function pump(s: Subscriber<string[]>, ws: WSContext): Promise<void> {
    const reader = s.stream.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (caps?.sendBatch) {
          const wait = caps.sendBatch(ws, value);
          if (wait) await wait;
        } else for (const m of value) ws.send(m);
      }
    } catch {
      /* the stream was aborted: the socket is being closed */
    }
  }

  return {
    onOpen(_evt, ws) {
      sub = deps.bus.subscribe({
        transport: 'ws',
        codec: wsCodec,
        filter: spec.filter,
        policy: spec.policy,
        cursor: spec.cursor,
        replay: spec.replay,
        onEnd: (reason) => {
          if (reason === 'overflow') ws.close(WS_CLOSE.tryAgainLater, 'slow consumer: queue limit reached; reconnect with last_event_id');
          else if (reason === 'shutdown') ws.close(WS_CLOSE.goingAway, 'server shutting down');
        },
      });
      void pump(sub, ws);
    },
    onMessage(evt, ws) {
      const data = evt.data;
      const size = typeof data === 'string' ? data.length : data instanceof ArrayBuffer ? data.byteLength : (data as Blob).size;
      if (size > deps.maxWsMessageBytes) {
        ws.close(WS_CLOSE.tooBig, `message larger than ${deps.maxWsMessageBytes} bytes`);
        return;
      }
      if (typeof data !== 'string') return sendError(ws, 'bad_message', 'messages must be JSON text, not binary');
      let msg: unknown;
      try {
        msg = JSON.parse(data);
      } catch {
        return sendError(ws, 'bad_message', 'message is not valid JSON');
      }
      if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return sendError(ws, 'bad_message', 'message must be a JSON object with an "op" field');
      const { op, ...fields } = msg as Record<string, unknown>;
      if (op === 'ping') return ws.send(JSON.stringify({ control: 'pong' }));
      if (op !== 'filter') return sendError(ws, 'unknown_op', `unknown op ${JSON.stringify(op)} (known: filter, ping)`, 'op');
      const parsed = parseFilter(fields, deps.knownTypes());
      if ('error' in parsed) return sendError(ws, 'bad_filter', parsed.error.message, parsed.error.field);
      if (!sub || sub.ended) return;
      deps.bus.setFilter(sub, parsed.filter);
      const ack: Control = { control: 'ack', op: 'filter', filter: parsed.filter };
      sub.control(ack);
    },
    onClose() {
      sub?.close();
    },
    onError() {
      sub?.close();
    },
  };
}
