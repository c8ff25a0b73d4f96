/**
 * The hostile-input corpus of issue 9 (items 1, 4, 8, 12), the same for
 * every runtime, spoken byte by byte over raw sockets: upgrade offers that
 * are not WebSocket handshakes (and curl --http2 itself), a Host that tries
 * to pick the route, HEAD and pipelining on the stream, two Host headers,
 * subprotocol offers, oversized bodies with `Connection: close`, and slow
 * requests. A client that goes leaves no socket in CLOSE_WAIT.
 */
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { closeWait } from '../../helpers/close-wait.ts';
import { h2cOffer, RawConnection } from '../../helpers/raw-http.ts';
import { WsClient } from '../../helpers/ws.ts';
import { publishOk, runMarker, sample, stats } from './client.ts';
import { BODY_TIMEOUT_MS, HEADERS_TIMEOUT_MS, MAX_BODY_BYTES } from './config.ts';
import { itNeeds, type Limits, type Target } from './target.ts';

const KEY = 'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';

/** Subscribers whose filter is tagged with `run`. */
async function subscribersOf(t: Target, run: string): Promise<number> {
  return (await stats(t)).subscribers.filter((x: any) => x.filter?.meta?.run === run).length;
}

/**
 * Sends `head`, then one byte of `drip` every 100 ms (none when `drip` is
 * empty) until the server answers or closes; the answer's status line, its
 * body once complete, and the time taken.
 */
async function trickle(t: Target, head: string, drip: string, ms: number): Promise<{ status: string; body: string; ms: number }> {
  const c = await RawConnection.open(t.url);
  const t0 = Date.now();
  if (head) c.send(head);
  const timer = drip ? setInterval(() => c.socket.writable && c.send(drip), 100) : undefined;
  await c.until(() => c.closed || c.received.includes('\r\n\r\n'), ms, 'an answer').catch(() => {});
  const took = Date.now() - t0;
  clearInterval(timer);
  const text = () => c.received.toString('latin1');
  // The body follows the head (Content-Length), or the server closes after it.
  await c.until(() => c.closed || /\r\n\r\n[\s\S]*\}/.test(text()), 2000).catch(() => {});
  const r = { status: text().split('\r\n')[0]!, body: text().slice(text().indexOf('\r\n\r\n') + 4), ms: took };
  c.destroy();
  return r;
}

function curl(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('curl', args, { timeout: 15_000 }, (err, stdout) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout }));
  });
}
const hasCurl = await curl(['--version']).then((r) => r.code === 0);
/** A check that runs curl: where there is none, it is reported skipped, saying so. */
function itNeedsCurl(limits: Limits, cap: Parameters<typeof itNeeds>[1], name: string, fn: () => Promise<void>): void {
  if (hasCurl) itNeeds(limits, cap, name, fn);
  else it.skip(`${name} — no curl on this machine`, fn);
}

/** Sends an oversized publish body no faster than the server reads it, then waits for the answer; resolves with what came back. */
async function oversized(t: Target, headers: string[], size: number, chunked: boolean): Promise<{ response: string; error: string | undefined }> {
  const c = await RawConnection.open(t.url);
  c.send(
    `POST /api/events HTTP/1.1\r\nHost: ${new URL(t.url).host}\r\nContent-Type: application/json\r\nAuthorization: Bearer ${t.publishToken}\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`,
  );
  const piece = Buffer.alloc(65536, 0x61);
  // Each piece is encoded as it is sent: a client no faster than the server, still sending when the answer comes.
  const frame = () => (chunked ? `${piece.length.toString(16)}\r\n${piece.toString('latin1')}\r\n` : piece.toString('latin1'));
  let sent = 0;
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (sent < size && c.socket.writable) {
        sent += piece.length;
        if (!c.socket.write(frame())) return void c.socket.once('drain', pump);
      }
      if (c.socket.writable && chunked) c.socket.write('0\r\n\r\n');
      resolve();
    };
    c.socket.once('close', () => resolve());
    pump();
  });
  await c.until(() => c.closed || c.received.includes('payload_too_large'), 15_000, 'the 413').catch(() => {});
  const r = { response: c.received.toString('latin1'), error: c.error };
  c.destroy();
  return r;
}

export function hostileChecks(t: () => Target, limits: Limits): void {
  const host = () => new URL(t().url).host;
  const port = () => Number(new URL(t().url).port);
  const auth = () => `Authorization: Bearer ${t().publishToken}`;

  describe('hostile HTTP', () => {
    it('answers an h2c upgrade offer (curl --http2) on /health as the ordinary request it is, and serves the next request on the connection', async () => {
      const r = await RawConnection.exchange(t().url, `${h2cOffer('GET', '/health', host())}GET /api/events/stats HTTP/1.1\r\nHost: ${host()}\r\n\r\n`);
      expect(r.status).toBe(200);
      expect(r.headers.upgrade).toBeUndefined();
      expect(JSON.parse(r.body)).toMatchObject({ status: 'ok' });
      const next = await r.conn.response();
      expect(next.status).toBe(200);
      expect(JSON.parse(next.body)).toHaveProperty('active_subscribers');
      r.conn.destroy();
    });

    itNeeds(limits, 'h2c_offer_body', 'publishes over an h2c upgrade offer: 202, the body read as sent (Content-Length, then chunked)', async () => {
      const body = JSON.stringify(sample('cache', runMarker()));
      const headers = ['Content-Type: application/json', auth()];
      const r = await RawConnection.exchange(t().url, h2cOffer('POST', '/api/events', host(), [...headers, `Content-Length: ${Buffer.byteLength(body)}`]) + body);
      expect(r.status, r.body).toBe(202);
      expect(JSON.parse(r.body).ids).toHaveLength(1);
      r.conn.send(`${h2cOffer('POST', '/api/events', host(), [...headers, 'Transfer-Encoding: chunked'])}${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`);
      const again = await r.conn.response();
      expect(again.status, again.body).toBe(202);
      r.conn.destroy();
    });

    it('streams SSE over h2c upgrade offers, and forgets each subscriber when its client goes: no leak, no socket left in CLOSE_WAIT', async () => {
      const run = runMarker();
      const conns = await Promise.all([1, 2, 3].map(() => RawConnection.open(t().url)));
      for (const c of conns) c.send(h2cOffer('GET', `/api/events/stream?replay=0&meta.run=${run}`, host(), ['Accept: text/event-stream']));
      for (const c of conns) expect((await c.streamHead()).headers['content-type']).toMatch(/^text\/event-stream/);
      await expect.poll(() => subscribersOf(t(), run), { timeout: 10_000 }).toBe(3);
      await publishOk(t(), sample('cache', run));
      for (const c of conns) await c.until(() => c.received.includes(run), 10_000, 'the event on the stream');
      for (const c of conns) c.destroy();
      await expect.poll(() => subscribersOf(t(), run), { timeout: 10_000 }).toBe(0);
      await expect.poll(() => closeWait(port()), { timeout: 10_000 }).toBe(0);
    });

    itNeedsCurl(limits, [], 'curl --http2: /health answers 200, and a stream is forgotten when curl exits, leaving no socket in CLOSE_WAIT', async () => {
      const h = await curl(['-s', '--http2', '-o', '-', '-w', '\n%{http_code}', `${t().url}/health`]);
      expect(h.out.trim().split('\n').pop()).toBe('200');
      const run = runMarker();
      const s = await curl(['-s', '-N', '--http2', '--max-time', '1', '-o', '-', `${t().url}/api/events/stream?replay=0&meta.run=${run}`]);
      expect(s.out).toContain('retry:');
      await expect.poll(() => subscribersOf(t(), run), { timeout: 10_000 }).toBe(0);
      await expect.poll(() => closeWait(port()), { timeout: 10_000 }).toBe(0);
    });

    itNeedsCurl(limits, 'h2c_offer_body', 'curl --http2: a publish gets 202', async () => {
      const p = await curl([
        '-s',
        '--http2',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        '-H',
        'Content-Type: application/json',
        '-H',
        auth(),
        '--data-binary',
        JSON.stringify(sample('cache', runMarker())),
        `${t().url}/api/events`,
      ]);
      expect(p.out).toBe('202');
    });

    itNeeds(
      limits,
      ['ws', 'ws_needs_connection_upgrade'],
      'answers `Upgrade: websocket` without `Connection: Upgrade` on /ws/events with 426 and JSON naming Connection',
      async () => {
        const r = await RawConnection.exchange(t().url, `GET /ws/events HTTP/1.1\r\nHost: ${host()}\r\nUpgrade: websocket\r\n${KEY}\r\n`);
        expect(r.status).toBe(426);
        expect(JSON.parse(r.body)).toMatchObject({ error: 'upgrade_required', field: 'Connection' });
        r.conn.destroy();
      },
    );

    it('answers a request to another path that carries `Upgrade: websocket` alone as usual', async () => {
      const r = await RawConnection.exchange(t().url, `GET /health HTTP/1.1\r\nHost: ${host()}\r\nUpgrade: websocket\r\n\r\n`);
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body)).toMatchObject({ status: 'ok' });
      r.conn.destroy();
    });

    it('answers a WebSocket handshake to another path as the ordinary request it is', async () => {
      const r = await RawConnection.exchange(t().url, `GET /health HTTP/1.1\r\nHost: ${host()}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${KEY}\r\n`);
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body)).toMatchObject({ status: 'ok' });
      r.conn.destroy();
    });

    it('never takes the route from the Host header (`Host: x/api/events/stats?` on /ws/events)', async () => {
      const c = await RawConnection.open(t().url);
      c.send(`GET /ws/events?replay=0 HTTP/1.1\r\nHost: x/api/events/stats?\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${KEY}\r\n`);
      await c.until(() => c.received.includes('\r\n\r\n') || c.closed, 10_000, 'an answer');
      await c.until(() => c.closed || c.received.length > 0, 2000).catch(() => {});
      expect(c.rest()).not.toContain('active_subscribers');
      if (limits.host_header_refused === undefined) expect(c.rest().split('\r\n')[0]).toMatch(/^HTTP\/1\.1 (101|400|403)/);
      c.destroy();
    });

    it('answers HEAD on the stream with its headers and registers no subscriber', async () => {
      const run = runMarker();
      const c = await RawConnection.open(t().url);
      c.send(`HEAD /api/events/stream?replay=0&meta.run=${run} HTTP/1.1\r\nHost: ${host()}\r\n\r\n`.repeat(20));
      const count = () => c.received.toString('latin1').split('HTTP/1.1 ').length - 1;
      await c.until(() => count() === 20 || c.closed, 10_000, '20 HEAD answers');
      const heads = c.received.toString('latin1').split('HTTP/1.1 ').slice(1);
      expect(heads.length).toBe(20);
      expect(heads.every((x) => x.startsWith('200') && /content-type: text\/event-stream/i.test(x))).toBe(true);
      expect(await subscribersOf(t(), run)).toBe(0);
      c.destroy();
    });

    it('keeps at most one live stream per connection: what is pipelined behind it opens none', async () => {
      const run = runMarker();
      const get = `GET /api/events/stream?replay=0&meta.run=${run} HTTP/1.1\r\nHost: ${host()}\r\n\r\n`;
      const c = await RawConnection.open(t().url);
      c.send(get);
      expect((await c.streamHead()).status).toBe(200);
      const body = JSON.stringify(sample('cache', run, { key: 'behind-the-stream' }));
      const post = `POST /api/events HTTP/1.1\r\nHost: ${host()}\r\nContent-Type: application/json\r\n${auth()}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
      const publishedBefore = (await stats(t())).totals.published;
      c.send(get + get + post);
      // A fence: an event published now reaches the first stream once the pipelined requests have been dealt with (or the connection is closed).
      await publishOk(t(), sample('cache', run));
      await c.until(() => c.received.includes(run) || c.closed, 10_000, 'the fence event');
      expect(await subscribersOf(t(), run)).toBeLessThanOrEqual(1);
      expect((await stats(t())).totals.published).toBe(publishedBefore + 1); // the fence alone: the pipelined publish was not served
      c.destroy();
      await expect.poll(() => subscribersOf(t(), run), { timeout: 10_000 }).toBe(0);
    });

    itNeeds(limits, 'host_header_refused', 'answers two Host headers with 400 (with JSON naming Host where the gateway answers it)', async () => {
      const r = await RawConnection.exchange(t().url, `GET /health HTTP/1.1\r\nHost: ${host()}\r\nHost: evil.example\r\n\r\n`);
      expect(r.status).toBe(400);
      // Where the gateway answers, the body names the header; Deno.serve refuses two Host headers itself, before the app, with no body.
      if (r.body !== '') expect(JSON.parse(r.body)).toMatchObject({ error: 'bad_request', field: 'Host' });
      r.conn.destroy();
    });

    const refusesOffers = limits.ws_subprotocol_unselected;
    itNeeds(
      limits,
      'ws',
      refusesOffers === undefined
        ? 'selects no WebSocket subprotocol, whatever the client offers'
        : `refuses a WebSocket handshake that offers subprotocols with 400 (it cannot leave one unselected: ${refusesOffers})`,
      async () => {
        const c = await RawConnection.open(t().url);
        c.send(`GET /ws/events?replay=0 HTTP/1.1\r\nHost: ${host()}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${KEY}Sec-WebSocket-Protocol: graphql-ws, chat\r\n\r\n`);
        await c.until(() => c.received.includes('\r\n\r\n') || c.closed, 10_000, 'the handshake answer');
        const head = c.rest().split('\r\n\r\n')[0]!;
        if (refusesOffers === undefined) {
          expect(head.split('\r\n')[0]).toMatch(/^HTTP\/1\.1 101/);
          expect(head.toLowerCase()).not.toContain('sec-websocket-protocol');
        } else expect(head).toMatch(/^HTTP\/1\.1 400/);
        c.destroy();
      },
    );

    itNeeds(
      limits,
      'readable_413_on_close',
      'answers an oversized body sent with `Connection: close` with a 413 the client can read: chunked (three times), and with a declared Content-Length',
      async () => {
        for (let i = 0; i < 3; i++) {
          const { response, error } = await oversized(t(), ['Transfer-Encoding: chunked', 'Connection: close'], 3_000_000, true);
          expect(response.split('\r\n')[0], `attempt ${i}, connection error: ${error}`).toBe('HTTP/1.1 413 Payload Too Large');
          expect(response).toContain('"error":"payload_too_large"');
        }
        const size = MAX_BODY_BYTES * 8;
        const { response, error } = await oversized(t(), [`Content-Length: ${size}`, 'Connection: close'], size, false);
        expect(response.split('\r\n')[0], `connection error: ${error}`).toBe('HTTP/1.1 413 Payload Too Large');
      },
      60_000,
    );

    itNeeds(limits, 'headers_timeout', 'answers trickled headers with 408 and JSON once HEADERS_TIMEOUT_MS has passed', async () => {
      const r = await trickle(t(), `GET /health HTTP/1.1\r\nHost: ${host()}\r\nX-Slow: `, 'a', HEADERS_TIMEOUT_MS * 4);
      expect(r.status).toBe('HTTP/1.1 408 Request Timeout');
      expect(JSON.parse(r.body)).toMatchObject({ error: 'request_timeout' });
      expect(r.ms).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS);
      expect(r.ms).toBeLessThan(HEADERS_TIMEOUT_MS * 3);
    });

    itNeeds(limits, 'headers_timeout', 'answers a connection that sends nothing with 408 once HEADERS_TIMEOUT_MS has passed', async () => {
      const r = await trickle(t(), '', '', HEADERS_TIMEOUT_MS * 4);
      expect(r.status).toBe('HTTP/1.1 408 Request Timeout');
      expect(r.ms).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 50);
    });

    itNeeds(
      limits,
      ['body_timeout', 'ws'],
      'answers a trickled body with 408 once BODY_TIMEOUT_MS has passed, while an open stream and a WebSocket go on',
      async () => {
        const run = runMarker();
        const s = await RawConnection.open(t().url);
        s.send(`GET /api/events/stream?replay=0&meta.run=${run} HTTP/1.1\r\nHost: ${host()}\r\n\r\n`);
        expect((await s.streamHead()).status).toBe(200);
        const w = await WsClient.open(`${t().url.replace(/^http/, 'ws')}/ws/events?replay=0&meta.run=${run}`);
        await w.ready();
        const r = await trickle(
          t(),
          `POST /api/events HTTP/1.1\r\nHost: ${host()}\r\nContent-Type: application/json\r\n${auth()}\r\nContent-Length: 500\r\n\r\n`,
          ' ',
          BODY_TIMEOUT_MS * 3,
        );
        expect(r.status).toBe('HTTP/1.1 408 Request Timeout');
        expect(r.ms).toBeGreaterThanOrEqual(BODY_TIMEOUT_MS);
        expect(r.ms).toBeLessThan(BODY_TIMEOUT_MS * 2.5);
        // The limit has passed for both; they still deliver.
        const [id] = await publishOk(t(), sample('cache', run));
        await s.until(() => s.received.includes(run), 10_000, 'the event on the stream');
        await w.until((x) => x.events.some((e) => e.id === id), 10_000, 'the event on the WebSocket');
        expect(s.closed).toBe(false);
        expect(w.closeCode).toBeUndefined();
        s.destroy();
        w.close();
      },
      30_000,
    );
  });
}
