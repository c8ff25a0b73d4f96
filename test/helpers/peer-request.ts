/**
 * Requests as a browser under DNS rebinding, or a proxy, would send them:
 * any Host and Origin header (an empty one included), from a chosen local
 * address (127.0.0.2 is loopback too on Linux), over a real socket with
 * node:http. And a reverse proxy that appends the client's address to
 * X-Forwarded-For, as nginx's `$proxy_add_x_forwarded_for` does.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PeerResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The body, or for an event stream only its first chunk. */
  body: string;
  json(): any;
}

export interface PeerRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** The address the request leaves from. */
  localAddress?: string;
}

/** Sends one request; an event stream is read to its first chunk and then closed. */
export function request(url: string, o: PeerRequest = {}): Promise<PeerResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: o.method ?? 'GET', headers: o.headers, localAddress: o.localAddress, agent: false }, (res) => {
      let body = '';
      const done = () => resolve({ status: res.statusCode!, headers: res.headers, body, json: () => JSON.parse(body) });
      const streaming = String(res.headers['content-type']).startsWith('text/event-stream');
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
        if (streaming) res.destroy(), done();
      });
      res.on('end', done);
      res.on('error', () => done());
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

/** Publishes `body` (JSON unless a string or Buffer) with `o`'s headers and local address. */
export function publishFrom(base: string, body: unknown, o: PeerRequest = {}): Promise<PeerResponse> {
  const raw = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  return request(`${base}/api/events`, { ...o, method: 'POST', headers: { 'content-type': 'application/json', ...o.headers }, body: raw });
}

export interface ForwardingProxy {
  url: string;
  close(): Promise<void>;
}

/**
 * A reverse proxy on 127.0.0.1 in front of `target`: each request goes on
 * from `localAddress` with the client's address appended to X-Forwarded-For.
 */
export async function forwardingProxy(target: string, localAddress: string): Promise<ForwardingProxy> {
  const server = http.createServer((req, res) => {
    const seen = req.headers['x-forwarded-for'];
    const peer = req.socket.remoteAddress!.replace(/^::ffff:/, '');
    const headers = { ...req.headers, 'x-forwarded-for': seen ? `${seen}, ${peer}` : peer };
    const up = http.request(`${target}${req.url}`, { method: req.method, headers, localAddress, agent: false }, (r) => {
      res.writeHead(r.statusCode!, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}
