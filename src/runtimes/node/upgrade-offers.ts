/**
 * Upgrade offers that are not WebSocket handshakes, served as ordinary
 * requests. Node hands every request carrying `Upgrade` + `Connection:
 * upgrade` to the server's 'upgrade' listener once one is attached (curl
 * --http2 sends `Upgrade: h2c` with a plain GET or POST), with the body
 * unparsed on the raw socket. Such a request is given back to Node's HTTP
 * parser without its upgrade headers, so the app answers it as usual:
 * method, body, keep-alive and what is pipelined behind it intact. The offer
 * itself is ignored, as nginx and Caddy do.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';

function tokens(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter(Boolean);
}

/** A WebSocket opening handshake (RFC 6455 §4.1) for `path`: GET, `Upgrade: websocket`, `Connection: upgrade`. */
export function isWebSocketHandshake(req: IncomingMessage, path: string): boolean {
  if (req.method !== 'GET') return false;
  const target = req.url ?? '';
  const q = target.indexOf('?');
  if ((q === -1 ? target : target.slice(0, q)) !== path) return false;
  return tokens(req.headers.upgrade).includes('websocket') && tokens(req.headers.connection).includes('upgrade');
}

/** Headers that carry only the upgrade offer (RFC 9110 §7.8; RFC 7540 §3.2 for HTTP2-Settings). */
const OFFER_HEADERS = new Set(['upgrade', 'http2-settings']);

/** The request's head as it came, less the upgrade offer: its own headers and their `Connection` tokens. */
function headWithoutOffer(req: IncomingMessage): Buffer {
  const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (OFFER_HEADERS.has(lower)) continue;
    if (lower === 'connection') {
      const kept = raw[i + 1]!.split(',')
        .map((t) => t.trim())
        .filter((t) => t && !OFFER_HEADERS.has(t.toLowerCase()));
      if (kept.length) lines.push(`${name}: ${kept.join(', ')}`);
      continue;
    }
    lines.push(`${name}: ${raw[i + 1]}`);
  }
  // Header values are kept as Node read them (latin1), so bytes go back unchanged.
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

/**
 * Gives the request back to `server`'s HTTP parser as an ordinary request:
 * its head without the offer, then `head` (what followed it on the socket),
 * then the rest of the socket. Node then emits 'request' for it.
 */
export function serveAsOrdinaryRequest(server: Server, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  socket.unshift(head.length ? Buffer.concat([headWithoutOffer(req), head]) : headWithoutOffer(req));
  server.emit('connection', socket);
}
