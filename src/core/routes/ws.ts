/**
 * GET /ws/events: one subscriber over a WebSocket. Events are one JSON text
 * message each; control messages carry `control` instead of `type`. The
 * client may send `{"op":"filter", ...}` to change its filter in place.
 * Overflow closes with 1013, shutdown with 1001, an oversized client message
 * with 1009; a malformed one gets an error message and the socket stays.
 * Every reply (ack, error, pong) goes through the subscriber's queue and
 * counts against its marks, so a client that sends without reading is cut
 * off like any slow consumer. The transport is handed WsBatch runs, which
 * say what is shared and where the client stands.
 */
import type { WSContext, WSEvents } from 'hono/ws';
import type { GatewayAuth } from '../auth/gateway-auth.ts';
import { WS_TOKEN_EXPIRED, WsAccess } from '../auth/ws-auth.ts';
import type { Bus } from '../bus.ts';
import { wsCodec } from '../codec.ts';
import { ACK_FILTER_ECHO_BYTES, type AckControl, type ErrorControl } from '../control.ts';
import { parseFilter, type Filter } from '../filter.ts';
import type { Sink } from '../sink.ts';
import type { WsCapabilities } from '../runtime.ts';
import type { Subscriber } from '../subscriber.ts';
import type { SubscriptionSpec } from '../subscription.ts';
import { FilterChange, type WsBatch } from '../ws-batch.ts';

export const WS_CLOSE = {
  goingAway: 1001,
  tooBig: 1009,
  tryAgainLater: 1013,
  policy: 1008,
} as const;

function errorControl(error: string, message: string, field?: string): ErrorControl {
  return { control: 'error', error, message, ...(field ? { field } : {}) };
}

/** The ack of a filter op: the filter as read when short, else only its size. */
function filterAck(filter: Filter): AckControl {
  const bytes = JSON.stringify(filter).length;
  return bytes <= ACK_FILTER_ECHO_BYTES ? { control: 'ack', op: 'filter', filter } : { control: 'ack', op: 'filter', filter_bytes: bytes };
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
  /** Token checks, expiry and the message rate. */
  auth?: GatewayAuth;
}

/** The WebSocket events of one subscriber. */
export function wsSession(deps: WsDeps, spec: SubscriptionSpec): WSEvents {
  return new WsSession(deps, spec);
}

/**
 * One subscriber's WebSocket: its events (as Hono's WSEvents) and the
 * subscriber's sink (written synchronously; a send past the socket's mark
 * waits for it to drain). Methods on the prototype, so that an idle
 * connection keeps one object here rather than a closure per handler.
 */
class WsSession implements WSEvents, Sink<WsBatch> {
  #sub: Subscriber<WsBatch> | undefined;
  #ws: WSContext | undefined;
  readonly #deps: WsDeps;
  readonly #spec: SubscriptionSpec;
  readonly #access: WsAccess;

  constructor(deps: WsDeps, spec: SubscriptionSpec) {
    this.#deps = deps;
    this.#spec = spec;
    this.#access = new WsAccess(deps.auth, spec);
  }

  onOpen(_evt: Event, ws: WSContext): void {
    const spec = this.#spec;
    const access = this.#access;
    this.#ws = ws;
    const sub = (this.#sub = this.#deps.bus.subscribe({
      transport: 'ws',
      codec: wsCodec,
      filter: spec.filter,
      policy: spec.policy,
      cursor: spec.cursor,
      replay: spec.replay,
      onEnd: (reason) => {
        access.live.end();
        if (reason === 'overflow') ws.close(WS_CLOSE.tryAgainLater, 'slow consumer: queue limit reached; reconnect with last_event_id');
        else if (reason === 'shutdown') ws.close(WS_CLOSE.goingAway, 'server shutting down');
        else if (reason === 'unavailable') ws.close(WS_CLOSE.tryAgainLater, 'event store unavailable: history could not be read; reconnect with last_event_id');
      },
    }));
    access.live.arm(sub);
    sub.attach(this);
  }

  onMessage(evt: MessageEvent, ws: WSContext) {
    const deps = this.#deps;
    const access = this.#access;
    const sub = this.#sub;
    // Replies are queued like events (a socket whose subscriber has ended is closing).
    const reply = (c: Parameters<Subscriber<WsBatch>['control']>[0]) => void sub?.control(c);
    const sendError = (error: string, message: string, field?: string) => reply(errorControl(error, message, field));
    const data = evt.data;
    const size = typeof data === 'string' ? data.length : data instanceof ArrayBuffer ? data.byteLength : (data as Blob).size;
    if (size > deps.maxWsMessageBytes) {
      ws.close(WS_CLOSE.tooBig, `message larger than ${deps.maxWsMessageBytes} bytes`);
      return;
    }
    if (!access.admit(ws)) return;
    if (typeof data !== 'string') return sendError('bad_message', 'messages must be JSON text, not binary');
    let msg: unknown;
    try {
      msg = JSON.parse(data);
    } catch {
      return sendError('bad_message', 'message is not valid JSON');
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return sendError('bad_message', 'message must be a JSON object with an "op" field');
    const { op, ...fields } = msg as Record<string, unknown>;
    if (op === 'ping') return reply({ control: 'pong' });
    if (op === 'auth') return void access.auth(fields.token, sub, deps.bus, sendError);
    if (op !== 'filter') return sendError('unknown_op', `unknown op ${String(JSON.stringify(op)).slice(0, 64)} (known: filter, auth, ping)`, 'op');
    const parsed = parseFilter(fields, deps.knownTypes());
    if ('error' in parsed) return sendError('bad_filter', parsed.error.message, parsed.error.field);
    if (!sub || sub.ended) return;
    const granted = access.live.refilter(parsed.filter);
    if ('refused' in granted) return sendError('forbidden', `${granted.refused.field}: ${granted.refused.message}`, granted.refused.field);
    const head = deps.bus.setFilter(sub, granted.filter);
    sub.control(new FilterChange(filterAck(granted.filter), granted.filter, head));
  }

  onClose(): void {
    this.#access.live.end();
    this.#sub?.close();
  }

  /** A getter: Bun's adapter calls onError detached from its object. */
  get onError(): () => void {
    return () => this.#sub?.close();
  }

  // The subscriber's sink.

  write(batch: WsBatch): boolean {
    const ws = this.#ws!;
    const caps = this.#deps.ws;
    if (!caps?.sendBatch) {
      for (const m of batch.texts) ws.send(m);
      return true;
    }
    const wait = caps.sendBatch(ws, batch);
    if (!wait) return true;
    const resume = () => this.#sub?.resume();
    wait.then(resume, resume);
    return false;
  }

  end(): void {
    if (this.#sub?.endReason === 'token_expired') this.#ws?.close(WS_TOKEN_EXPIRED, 'token expired; reconnect with a new token and last_event_id');
  }

  abort(): void {
    this.end();
  }
}
