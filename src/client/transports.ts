/**
 * The two transports of the client, behind one small interface: open a URL,
 * report `open`, each event, each control message and the one `close`; never
 * reconnect by themselves (the client does, with its own backoff and the last
 * cursor in the query). Each sets an error handler on its socket: a failed
 * connection ends in `close`, never in an uncaught error (the `ws` package
 * throws an `error` event nobody listens to). No dependencies: the WebSocket
 * and EventSource classes are the runtime's or the caller's.
 */
import { SSE_CONTROLS, type Control } from '../protocol.ts';
import type { EventSourceClass, WebSocketClass } from './types.ts';

/** How to open a connection: the class to use and the headers to send, if it can. */
export interface Opener<C> {
  Class: C;
  /** Sent where the class can send them (see ClientOptions.headers); absent: none. */
  headers?: Record<string, string>;
}

const OPEN = 1;
const CONNECTING = 0;

export interface TransportHandlers {
  open(): void;
  event(event: unknown): void;
  control(control: Control): void;
  close(info: CloseInfo): void;
}

export interface CloseInfo {
  /** Whether the connection was open before it closed. */
  opened: boolean;
  /** WebSocket close code and reason. */
  code?: number;
  reason?: string;
}

export interface Transport {
  /** Closes without reporting `close`. */
  close(): void;
  /** WebSocket only; false when it could not be sent. */
  send(message: object): boolean;
}

const badMessage = (data: unknown): Control => ({
  control: 'error',
  error: 'bad_message',
  message: `the gateway sent text that is not JSON: ${String(data).slice(0, 200)}`,
});

/**
 * Server-Sent Events through EventSource. EventSource's own reconnects are
 * cut short: the first `error` closes it and reports `close`.
 */
export function openSse(url: string, h: TransportHandlers, o: Opener<EventSourceClass>): Transport {
  const headers = o.headers;
  // The `eventsource` package fetches through this; a browser's EventSource ignores it.
  const init = headers ? { fetch: (u: string | URL, i: { headers?: Record<string, string> }) => fetch(u, { ...i, headers: { ...i.headers, ...headers } }) } : undefined;
  const es = new o.Class(url, init);
  let opened = false;
  let done = false;
  const parse = (m: MessageEvent, to: (v: any) => void) => {
    if (done) return;
    let value: unknown;
    try {
      value = JSON.parse(String(m.data));
    } catch {
      h.control(badMessage(m.data));
      return;
    }
    to(value);
  };
  es.onopen = () => {
    if (done) return;
    opened = true;
    h.open();
  };
  es.onmessage = (m: MessageEvent) => parse(m, h.event);
  for (const name of SSE_CONTROLS) {
    es.addEventListener(name, (m: MessageEvent) => parse(m, (v) => h.control({ ...v, control: name })));
  }
  es.onerror = () => {
    if (done) return;
    done = true;
    es.close();
    h.close({ opened });
  };
  return {
    close() {
      done = true;
      es.close();
    },
    send: () => false,
  };
}

/** One WebSocket. Events are JSON messages with `type`; control messages have `control`. */
export function openWs(url: string, h: TransportHandlers, o: Opener<WebSocketClass>): Transport {
  const ws = o.headers ? new o.Class(url, { headers: o.headers }) : new o.Class(url);
  let opened = false;
  let done = false;
  ws.onopen = () => {
    if (done) return;
    opened = true;
    h.open();
  };
  ws.onmessage = (m: MessageEvent) => {
    if (done) return;
    let msg: any;
    try {
      msg = JSON.parse(String(m.data));
    } catch {
      h.control(badMessage(m.data));
      return;
    }
    if (msg !== null && typeof msg === 'object' && msg.control !== undefined) h.control(msg as Control);
    else h.event(msg);
  };
  ws.onclose = (c: CloseEvent) => {
    if (done) return;
    done = true;
    h.close({ opened, code: c.code, reason: String(c.reason ?? '') });
  };
  // A close always follows; what went wrong is told by its code, or by the probe.
  ws.onerror = () => {};
  return {
    close() {
      done = true;
      if (ws.readyState === CONNECTING || ws.readyState === OPEN) ws.close(1000);
    },
    send(message) {
      if (ws.readyState !== OPEN) return false;
      ws.send(JSON.stringify(message));
      return true;
    },
  };
}
