/**
 * The two transports of the browser client, behind one small interface:
 * open a URL, report `open`, each event, each control message and the one
 * `close`; never reconnect by themselves (the client does, with its own
 * backoff and the last cursor in the query). No dependencies.
 */

/** Control messages the gateway sends as named SSE events. */
const SSE_CONTROLS = ['gap', 'dropped', 'overflow', 'shutdown', 'ready'];

/**
 * @typedef {object} TransportHandlers
 * @property {() => void} open
 * @property {(event: any) => void} event
 * @property {(control: any) => void} control
 * @property {(info: { opened: boolean, code?: number, reason?: string }) => void} close
 */

/**
 * @typedef {object} Transport
 * @property {() => void} close  Closes without reporting `close`.
 * @property {(message: object) => boolean} send  WebSocket only; false when it could not be sent.
 */

/**
 * Server-Sent Events through EventSource. EventSource's own reconnects are
 * cut short: the first `error` closes it and reports `close`.
 * @param {string} url
 * @param {TransportHandlers} h
 * @returns {Transport}
 */
export function openSse(url, h) {
  const es = new EventSource(url);
  let opened = false;
  let done = false;
  const parse = (/** @type {MessageEvent} */ m, /** @type {(v: any) => void} */ to) => {
    if (done) return;
    let value;
    try {
      value = JSON.parse(m.data);
    } catch {
      h.control({ control: 'error', error: 'bad_message', message: `the gateway sent text that is not JSON: ${String(m.data).slice(0, 200)}` });
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
  for (const name of SSE_CONTROLS) es.addEventListener(name, (m) => parse(/** @type {MessageEvent} */ (m), (v) => h.control({ ...v, control: name })));
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

/**
 * One WebSocket. Events are JSON messages with `type`; control messages have `control`.
 * @param {string} url
 * @param {TransportHandlers} h
 * @returns {Transport}
 */
export function openWs(url, h) {
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
    let msg;
    try {
      msg = JSON.parse(String(m.data));
    } catch {
      h.control({ control: 'error', error: 'bad_message', message: `the gateway sent text that is not JSON: ${String(m.data).slice(0, 200)}` });
      return;
    }
    if (msg !== null && typeof msg === 'object' && msg.control !== undefined) h.control(msg);
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

/**
 * Asks the SSE endpoint why a connection that never opened was refused
 * (neither EventSource nor a browser WebSocket shows the status or body).
 * The WebSocket endpoint validates its query the same way.
 * @param {string} url  the SSE URL with the same query
 * @returns {Promise<{ status: number, body: any } | undefined>} undefined when the stream would open, or on a network error
 */
export async function probe(url) {
  const ctl = new AbortController();
  try {
    const res = await fetch(url, { headers: { accept: 'text/event-stream' }, signal: ctl.signal });
    if (res.status === 200) return undefined;
    const text = await res.text();
    let body = text;
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
