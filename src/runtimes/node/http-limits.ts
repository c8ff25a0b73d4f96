/**
 * Slow requests and too many connections on Node:
 * - HEADERS_TIMEOUT_MS and BODY_TIMEOUT_MS are Node's own `headersTimeout`
 *   and `requestTimeout`, checked often enough to be kept to within a
 *   quarter of the limit (Node's default check runs every 30 s). Node checks
 *   only requests still arriving: an open stream or WebSocket, whose request
 *   is complete, is never timed out;
 * - Node's bare refusals (408, 400, 431, 413) are written with a JSON body,
 *   like every other refusal;
 * - MAX_CONNECTIONS: a request on a connection past the cap is answered 503
 *   and the connection closes (request-guards.ts asks `overConnectionCap`).
 */
import { STATUS_CODES, type Server, type ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { ServerConfig } from '../server-config.ts';
import { LINGER_MS } from './lingering-close.ts';

/** Seconds an idle keep-alive connection is kept (past typical load balancers' 60 s). */
const KEEP_ALIVE_MS = 65_000;

export function httpServerOptions(config: Pick<ServerConfig, 'headersTimeoutMs' | 'bodyTimeoutMs'>): ServerOptions {
  return {
    headersTimeout: config.headersTimeoutMs,
    requestTimeout: config.bodyTimeoutMs,
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(config.headersTimeoutMs / 4))),
    keepAliveTimeout: KEEP_ALIVE_MS,
    requireHostHeader: true,
  };
}

/** Node's client-error codes and the answer each gets. */
function refusal(code: string | undefined): { status: number; error: string; message: string } {
  switch (code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, error: 'request_timeout', message: 'the request did not arrive in time (HEADERS_TIMEOUT_MS for its headers, BODY_TIMEOUT_MS for all of it)' };
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, error: 'headers_too_large', message: 'the request headers are too large' };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { status: 413, error: 'payload_too_large', message: 'the chunk extensions are too large' };
    default:
      return { status: 400, error: 'bad_request', message: 'the request is not valid HTTP/1.1' };
  }
}

/** Answers what Node's parser refuses with a status and a JSON body, then closes the connection. */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket & { _httpMessage?: { headersSent?: boolean } }) => {
    if (err.code === 'ECONNRESET' || !socket.writable || socket._httpMessage?.headersSent) return void socket.destroy();
    const r = refusal(err.code);
    const body = JSON.stringify({ error: r.error, message: r.message });
    socket.end(
      `HTTP/1.1 ${r.status} ${STATUS_CODES[r.status]}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    // Sent with FIN; the peer gets a moment to read it before the connection is cut.
    const cut = setTimeout(() => socket.destroy(), LINGER_MS);
    cut.unref();
    socket.once('close', () => clearTimeout(cut));
  });
}

const COUNTED = Symbol('eventgate.counted');
const OVER_CAP = Symbol('eventgate.overConnectionCap');
type Counted = Socket & { [COUNTED]?: true; [OVER_CAP]?: true };

/** Counts open connections; one that opens past `max` is marked (0: no cap). */
export function capConnections(server: Server, max: number): void {
  if (max <= 0) return;
  let open = 0;
  // One listener for every socket (a socket closes once): nothing kept per connection but the mark.
  const closed = () => void open--;
  server.prependListener('connection', (socket: Counted) => {
    if (socket[COUNTED]) return; // handed back to the parser (upgrade-offers.ts): already counted
    socket[COUNTED] = true;
    if (++open > max) socket[OVER_CAP] = true;
    socket.on('close', closed);
  });
}

export function overConnectionCap(socket: Socket): boolean {
  return (socket as Counted)[OVER_CAP] === true;
}
