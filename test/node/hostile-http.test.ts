/**
 * Hostile HTTP on Node (issue 9, items 1, 4, 8, 11, 12), over real sockets:
 * upgrade offers that are not WebSocket handshakes, HEAD and pipelining on
 * the stream, slow requests, the asset cache, and HTTP details.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assetCacheSize } from '../../src/runtimes/assets.ts';
import type { NodeServer } from '../../src/runtimes/node/server.ts';
import { spawnGateway, type GatewayProcess } from '../helpers/process.ts';
import { h2cOffer, RawConnection } from '../helpers/raw-http.ts';
import { publish, sampleEvent, startGateway } from '../helpers/server.ts';
import { WsClient } from '../helpers/ws.ts';

/** Server-side sockets on `port` in CLOSE_WAIT (the peer has gone, nobody closed ours), from /proc/net/tcp{,6}. */
function closeWait(port: number): number {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  let n = 0;
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[1]?.endsWith(`:${hex}`) && cols[3] === '08') n++;
    }
  }
  return n;
}

function curl(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('curl', args, { timeout: 15_000 }, (err, stdout) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout }));
  });
}
const hasCurl = await curl(['--version']).then((r) => r.code === 0);

let gw: NodeServer;
let host: string;
beforeAll(async () => {
  gw = await startGateway();
  host = new URL(gw.url).host;
});
afterAll(() => gw.stop());

const stats = async () => (await fetch(`${gw.url}/api/events/stats`)).json() as Promise<any>;
const active = async () => (await stats()).active_subscribers as number;

describe('upgrade offers that are not WebSocket handshakes are ordinary requests (item 1)', () => {
  it('answers an h2c offer on /health with its 200, and keeps the connection for the next request', async () => {
    const r = await RawConnection.exchange(gw.url, `${h2cOffer('GET', '/health', host)}GET /api/events/stats HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    expect(r.status).toBe(200);
    expect(r.headers.upgrade).toBeUndefined();
    expect(JSON.parse(r.body)).toMatchObject({ status: 'ok' });
    const next = await r.conn.response();
    expect(next.status).toBe(200);
    expect(JSON.parse(next.body)).toHaveProperty('active_subscribers');
    r.conn.destroy();
  });

  it('publishes over an h2c offer: 202, the body read as sent (Content-Length and chunked)', async () => {
    const body = JSON.stringify(sampleEvent('cache'));
    const r = await RawConnection.exchange(gw.url, h2cOffer('POST', '/api/events', host, ['Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`]) + body);
    expect(r.status, r.body).toBe(202);
    expect(JSON.parse(r.body).ids).toHaveLength(1);
    const chunked = `${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`;
    r.conn.send(h2cOffer('POST', '/api/events', host, ['Content-Type: application/json', 'Transfer-Encoding: chunked']) + chunked);
    const again = await r.conn.response();
    expect(again.status, again.body).toBe(202);
    r.conn.destroy();
  });

  it('streams SSE over an h2c offer, and forgets the subscriber when the client goes: no leak, no CLOSE_WAIT', async () => {
    const marker = `m-${Date.now()}`;
    const conns = await Promise.all([1, 2, 3].map(() => RawConnection.open(gw.url)));
    for (const c of conns) c.send(h2cOffer('GET', '/api/events/stream?replay=0', host, ['Accept: text/event-stream']));
    for (const c of conns) expect((await c.streamHead()).headers['content-type']).toMatch(/^text\/event-stream/);
    await expect.poll(active).toBe(3);
    expect((await publish(gw.url, sampleEvent('cache', { key: marker }))).status).toBe(202);
    for (const c of conns) await c.until(() => c.received.includes(marker), 5000, 'the event on the stream');
    for (const c of conns) c.destroy();
    await expect.poll(active, { timeout: 5000 }).toBe(0);
    await expect.poll(() => closeWait(gw.port), { timeout: 5000 }).toBe(0);
  });

  it('answers `Upgrade: websocket` without `Connection: Upgrade` on /ws/events with 426 and JSON, and on /health as usual', async () => {
    const ws = await RawConnection.exchange(
      gw.url,
      `GET /ws/events HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
    );
    expect(ws.status).toBe(426);
    expect(JSON.parse(ws.body)).toMatchObject({ error: 'upgrade_required', field: 'Connection' });
    const h = await RawConnection.exchange(gw.url, `GET /health HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\n\r\n`);
    expect(h.status).toBe(200);
    ws.conn.destroy();
    h.conn.destroy();
  });

  it('serves a WebSocket handshake to another path as the ordinary request it is', async () => {
    const r = await RawConnection.exchange(
      gw.url,
      `GET /health HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
    );
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ status: 'ok' });
    r.conn.destroy();
  });

  it('never takes the route from the Host header: `Host: x/api/events/stats?` on /ws/events is a WebSocket handshake (or refused), never the stats', async () => {
    const c = await RawConnection.open(gw.url);
    c.send(
      'GET /ws/events?replay=0 HTTP/1.1\r\nHost: x/api/events/stats?\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    await c.until(() => c.received.includes('\r\n\r\n') || c.closed, 5000, 'an answer');
    expect(c.rest()).not.toContain('active_subscribers');
    expect(c.rest().split('\r\n')[0]).toMatch(/^HTTP\/1\.1 (101|400|403)/);
    c.destroy();
  });

  it.runIf(hasCurl)('curl --http2: /health 200, a publish 202, and a stream forgotten when curl exits', async () => {
    const h = await curl(['-s', '--http2', '-o', '-', '-w', '\n%{http_code}', `${gw.url}/health`]);
    expect(h.out.trim().split('\n').pop()).toBe('200');
    const p = await curl([
      '-s',
      '--http2',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '-H',
      'Content-Type: application/json',
      '--data-binary',
      JSON.stringify(sampleEvent('cache')),
      `${gw.url}/api/events`,
    ]);
    expect(p.out).toBe('202');
    const s = await curl(['-s', '-N', '--http2', '--max-time', '1', '-o', '-', `${gw.url}/api/events/stream?replay=0`]);
    expect(s.out).toContain('retry:');
    await expect.poll(active, { timeout: 5000 }).toBe(0);
    await expect.poll(() => closeWait(gw.port), { timeout: 5000 }).toBe(0);
  });
});

describe('one connection, one stream (item 4)', () => {
  it('answers HEAD on the stream with its headers and registers no subscriber, however many come on one socket', async () => {
    const small = await startGateway({ MAX_SUBSCRIBERS: '5' });
    try {
      const h = new URL(small.url).host;
      const c = await RawConnection.open(small.url);
      c.send(`HEAD /api/events/stream?replay=0 HTTP/1.1\r\nHost: ${h}\r\n\r\n`.repeat(50));
      // A HEAD answer has no body whatever its headers say: read heads only.
      await c.until(() => c.received.toString('latin1').split('HTTP/1.1 ').length - 1 === 50, 10_000, '50 HEAD answers');
      const heads = c.received.toString('latin1').split('HTTP/1.1 ').slice(1);
      expect(heads.every((x) => x.startsWith('200') && /content-type: text\/event-stream/i.test(x))).toBe(true);
      expect((await (await fetch(`${small.url}/api/events/stats`)).json()).active_subscribers).toBe(0);
      // The gateway still has room for real subscribers.
      const s = await RawConnection.open(small.url);
      s.send(`GET /api/events/stream?replay=0 HTTP/1.1\r\nHost: ${h}\r\n\r\n`);
      expect((await s.streamHead()).status).toBe(200);
      c.destroy();
      s.destroy();
    } finally {
      await small.stop();
    }
  });

  it('serves one stream per connection: what is pipelined behind it is refused, a flood closes the connection, nothing leaks', async () => {
    const c = await RawConnection.open(gw.url);
    const get = `GET /api/events/stream?replay=0 HTTP/1.1\r\nHost: ${host}\r\n\r\n`;
    const body = JSON.stringify(sampleEvent('cache', { key: 'behind-stream' }));
    const post = `POST /api/events HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    c.send(get);
    expect((await c.streamHead()).status).toBe(200);
    await expect.poll(active).toBe(1);
    const publishedBefore = (await stats()).totals.published;
    c.send(get + get + post);
    // A fence: a publish of our own reaches the stream, so the pipelined requests have been dealt with.
    const marker = `fence-${Date.now()}`;
    await publish(gw.url, sampleEvent('cache', { key: marker }));
    await c.until(() => c.received.includes(marker), 5000, 'the fence event');
    expect(await active()).toBe(1);
    expect((await stats()).totals.published).toBe(publishedBefore + 1); // the fence only: the pipelined publish was not served
    c.send(get.repeat(20));
    await c.closedByServer();
    await expect.poll(active, { timeout: 5000 }).toBe(0);
    await expect.poll(() => closeWait(gw.port), { timeout: 5000 }).toBe(0);
  });
});

describe('HTTP details (item 12)', () => {
  it('answers two Host headers with 400 and JSON', async () => {
    const r = await RawConnection.exchange(gw.url, `GET /health HTTP/1.1\r\nHost: ${host}\r\nHost: evil.example\r\n\r\n`);
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body)).toMatchObject({ error: 'bad_request', field: 'Host' });
    r.conn.destroy();
  });
});

describe('WebSocket subprotocols (item 12)', () => {
  it('selects no subprotocol, whatever the client offers', async () => {
    const c = await RawConnection.open(gw.url);
    c.send(
      `GET /ws/events?replay=0 HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n` +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: graphql-ws, chat\r\n\r\n',
    );
    await c.until(() => c.received.includes('\r\n\r\n'), 5000, 'the handshake answer');
    const head = c.rest().split('\r\n\r\n')[0]!;
    expect(head.split('\r\n')[0]).toMatch(/^HTTP\/1\.1 101/);
    expect(head.toLowerCase()).not.toContain('sec-websocket-protocol');
    c.destroy();
  });
});

describe('HTTP details on a small body limit (item 12)', () => {
  // Its own process: a client in the server's own event loop would read every answer before the server could reset it.
  let small: GatewayProcess;
  beforeAll(async () => {
    small = await spawnGateway({ MAX_BODY_BYTES: '65536' });
  });
  afterAll(async () => {
    small.child.kill('SIGTERM');
    await small.exited;
  });

  /** Sends an oversized publish body as fast as the socket takes it; resolves with what came back. */
  async function oversized(headers: string[], size: number, chunked: boolean): Promise<{ response: string; error: string | undefined }> {
    const c = await RawConnection.open(small.url);
    c.send(`POST /api/events HTTP/1.1\r\nHost: ${new URL(small.url).host}\r\nContent-Type: application/json\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`);
    const piece = Buffer.alloc(65536, 0x61);
    // Each piece is encoded as it is sent (a client no faster than the server), so the answer comes while it is still sending.
    const frame = () => (chunked ? `${piece.length.toString(16)}\r\n${piece.toString('latin1')}\r\n` : piece.toString('latin1'));
    let sent = 0;
    await new Promise<void>((resolve) => {
      const pump = () => {
        while (sent < size && !c.socket.destroyed) {
          sent += piece.length;
          if (!c.socket.write(frame())) return void c.socket.once('drain', pump);
        }
        if (!c.socket.destroyed && chunked) c.socket.write('0\r\n\r\n');
        resolve();
      };
      c.socket.once('close', () => resolve());
      pump();
    });
    await c.closedByServer();
    return { response: c.received.toString('latin1'), error: c.error };
  }

  it('an oversized chunked body with `Connection: close` gets a readable 413 before the connection ends', async () => {
    for (let i = 0; i < 3; i++) {
      const { response, error } = await oversized(['Transfer-Encoding: chunked', 'Connection: close'], 3_000_000, true);
      expect(response.split('\r\n')[0], `attempt ${i}: ${error}`).toBe('HTTP/1.1 413 Payload Too Large');
      expect(response).toContain('"error":"payload_too_large"');
    }
  });

  it('an oversized declared Content-Length with `Connection: close` gets a readable 413 too', async () => {
    const { response } = await oversized(['Content-Length: 3000000', 'Connection: close'], 3_000_000, false);
    expect(response.split('\r\n')[0]).toBe('HTTP/1.1 413 Payload Too Large');
  });
});

describe('the asset cache (item 11)', () => {
  it('keeps only files that exist: many distinct missing names leave it as it was', async () => {
    expect((await fetch(`${gw.url}/`)).status).toBe(200);
    expect((await fetch(`${gw.url}/assets/app.js`)).status).toBe(200);
    const before = assetCacheSize();
    expect(before).toBeGreaterThanOrEqual(2);
    const names = Array.from({ length: 1000 }, (_, i) => (i % 2 ? `/assets/missing-${i}.js` : `/client/missing-${i}.css`));
    for (let i = 0; i < names.length; i += 100) {
      const statuses = await Promise.all(names.slice(i, i + 100).map(async (n) => (await fetch(`${gw.url}${n}`)).status));
      expect(statuses.every((s) => s === 404)).toBe(true);
    }
    expect(assetCacheSize()).toBe(before);
    // A file read once is still served from memory.
    expect((await fetch(`${gw.url}/assets/app.js`)).status).toBe(200);
    expect(assetCacheSize()).toBe(before);
  });
});

describe('slow requests and the connection cap (item 8)', () => {
  let slow: NodeServer;
  let h: string;
  beforeAll(async () => {
    slow = await startGateway({ HEADERS_TIMEOUT_MS: '500', BODY_TIMEOUT_MS: '1000', MAX_CONNECTIONS: '6' });
    h = new URL(slow.url).host;
  });
  afterAll(() => slow.stop());

  /** Sends `bytes` one byte every 100 ms until the server closes; resolves with the answer and how long it took. */
  async function trickle(head: string, bytes: string): Promise<{ res: string; ms: number }> {
    const c = await RawConnection.open(slow.url);
    const t0 = Date.now();
    c.send(head);
    let i = 0;
    const timer = setInterval(() => c.socket.writable && c.send(bytes[i++ % bytes.length]!), 100);
    try {
      await c.closedByServer(8000);
    } finally {
      clearInterval(timer);
    }
    return { res: c.received.toString('latin1'), ms: Date.now() - t0 };
  }

  it('answers trickled headers with 408 and JSON once HEADERS_TIMEOUT_MS has passed, and closes', async () => {
    const { res, ms } = await trickle(`GET /health HTTP/1.1\r\nHost: ${h}\r\nX-Slow: `, 'abcdefgh');
    expect(res.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
    expect(JSON.parse(res.slice(res.indexOf('\r\n\r\n') + 4))).toMatchObject({ error: 'request_timeout' });
    expect(ms).toBeGreaterThanOrEqual(500);
    expect(ms).toBeLessThan(2500);
  });

  it('answers a connection that sends nothing with 408 after HEADERS_TIMEOUT_MS', async () => {
    const c = await RawConnection.open(slow.url);
    await c.closedByServer(5000);
    expect(c.received.toString('latin1').split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
  });

  it('answers a body sent one byte at a time with 408 once BODY_TIMEOUT_MS has passed, while open streams and WebSockets go on', async () => {
    const sse = await RawConnection.open(slow.url);
    sse.send(`GET /api/events/stream?replay=0 HTTP/1.1\r\nHost: ${h}\r\n\r\n`);
    expect((await sse.streamHead()).status).toBe(200);
    const ws = await WsClient.open(`${slow.url.replace('http', 'ws')}/ws/events?replay=0`);
    const { res, ms } = await trickle(`POST /api/events HTTP/1.1\r\nHost: ${h}\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n`, ' ');
    expect(res.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
    expect(ms).toBeGreaterThanOrEqual(1000);
    expect(ms).toBeLessThan(3000);
    // Both limits have passed; the stream and the WebSocket still deliver.
    const marker = `after-timeouts-${Date.now()}`;
    expect((await publish(slow.url, sampleEvent('cache', { key: marker }))).status).toBe(202);
    await sse.until(() => sse.received.includes(marker), 5000, 'the event on the stream');
    await ws.until((x) => x.messages.some((m) => m.metadata?.key === marker));
    expect(sse.closed).toBe(false);
    expect(ws.closeCode).toBeUndefined();
    sse.destroy();
    ws.ws.terminate();
  });

  it('answers a request on a connection past MAX_CONNECTIONS with 503 and JSON, and serves again once one closes', async () => {
    // Its own gateway, spoken to only over these raw connections (fetch would keep pooled ones open).
    const capped = await startGateway({ MAX_CONNECTIONS: '3' });
    try {
      const ch = new URL(capped.url).host;
      const health = `GET /health HTTP/1.1\r\nHost: ${ch}\r\n\r\n`;
      const open = [];
      for (let i = 0; i < 3; i++) {
        const r = await RawConnection.exchange(capped.url, health);
        expect(r.status).toBe(200);
        open.push(r.conn);
      }
      const extra = await RawConnection.exchange(capped.url, health);
      expect(extra.status).toBe(503);
      expect(JSON.parse(extra.body)).toMatchObject({ error: 'too_many_connections' });
      await extra.conn.closedByServer();
      open[0]!.destroy();
      await expect.poll(async () => (await RawConnection.exchange(capped.url, health)).status, { timeout: 5000 }).toBe(200);
      for (const c of open) c.destroy();
    } finally {
      await capped.stop();
    }
  });
});
