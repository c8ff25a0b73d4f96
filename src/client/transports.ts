/**
 * The two transports of the client, behind one small interface: open a URL,
 * report `open`, each event, each control message and the one `close`; never
 * reconnect by themselves (the client does, with its own backoff and the last
 * cursor in the query). No dependencies.
 */
import { SSE_CONTROLS, type Control } from '../protocol.ts';
import type { ClientError } from './types.ts';

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
export function openSse(url: string, h: TransportHandlers): Transport {
  const es = new EventSource(url);
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
  es.onmessage = (m) => parse(m, h.event);
  for (const name of SSE_CONTROLS) {
    es.addEventListener(name, (m) => parse(m as MessageEvent, (v) => h.control({ ...v, control: name })));
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
export function openWs(url: string, h: TransportHandlers): Transport {
  const ws = new WebSocket(url);
  let opened = false;
  let done = false;
  ws.onopen = () => {
    if (done) return;
    opened = true;
    h.open();
  };
  ws.onmessage = (m) => {
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
  ws.onclose = (c) => {
    if (done) return;
    done = true;
    h.close({ opened, code: c.code, reason: c.reason });
  };
  return {
    close() {
      done = true;
      if (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN) ws.close(1000);
    },
    send(message) {
      if (ws.readyState !== WebSocket.OPEN) return false;
      ws.send(JSON.stringify(message));
      return true;
    },
  };
}

export interface Refusal {
  status: number;
  body: unknown;
}

/**
 * Asks the SSE endpoint why a connection that never opened was refused
 * (neither EventSource nor a browser WebSocket shows the status or body).
 * The WebSocket endpoint validates its query the same way. Undefined when the
 * stream would open, or on a network error.
 */
export async function probe(url: string): Promise<Refusal | undefined> {
  const ctl = new AbortController();
  try {
    const res = await fetch(url, { headers: { accept: 'text/event-stream' }, signal: ctl.signal });
    if (res.status === 200) return undefined;
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, body };
  } catch {
    return undefined;
  } finally {
    ctl.abort();
  }
}

/** What the client reports for a refusal: the gateway's own `error`, `field` and `message` when it sent JSON. */
export function refusalError(refusal: Refusal): ClientError {
  const body = (refusal.body && typeof refusal.body === 'object' ? refusal.body : { message: String(refusal.body) }) as Partial<ClientError>;
  return {
    error: body.error ?? `http_${refusal.status}`,
    status: refusal.status,
    field: body.field,
    message: body.message ?? `the gateway answered ${refusal.status}`,
  };
}
