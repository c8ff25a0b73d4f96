/**
 * The hostile-input corpus of issue 9 (items 1, 4, 8, 12), the same for
 * every runtime, spoken byte by byte over raw sockets: upgrade offers that
 * are not WebSocket handshakes, a Host that tries to pick the route, HEAD
 * and pipelining on the stream, two Host headers, subprotocol offers,
 * oversized bodies with `Connection: close`, and slow requests.
 */
import { describe, expect, it } from 'vitest';
import { h2cOffer, RawConnection } from '../../helpers/raw-http.ts';
import { publishOk, runMarker, sample, stats } from './client.ts';
import { BODY_TIMEOUT_MS, HEADERS_TIMEOUT_MS } from './config.ts';
import { itNeeds, type Limits, type Target } from './target.ts';

const KEY = 'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';

/** Subscribers whose filter is tagged with `run`. */
async function subscribersOf(t: Target, run: string): Promise<number> {
  return (await stats(t)).subscribers.filter((x: any) => x.filter?.meta?.run === run).length;
}

/** Sends `head`, then one byte of `drip` every 100 ms until the server closes; the answer's status line and the time taken. */
async function trickle(t: Target, head: string, drip: string, ms: number): Promise<{ status: string; ms: number; closed: boolean }> {
  const c = await RawConnection.open(t.url);
  const t0 = Date.now();
  c.send(head);
  const timer = setInterval(() => c.socket.writable && c.send(drip), 100);
  await c.until(() => c.closed || c.received.includes('\r\n\r\n'), ms, 'an answer').catch(() => {});
  clearInterval(timer);
  const r = { status: c.received.toString('latin1').split('\r\n')[0]!, ms: Date.now() - t0, closed: c.closed };
  c.destroy();
  return r;
}

export function hostileChecks(t: () => Target, limits: Limits): void {
  const host = () => new URL(t().url).host;
  const auth = () => `Authorization: Bearer ${t().publishToken}`;

  describe('hostile HTTP', () => {
    it('answers an h2c upgrade offer (curl --http2) on /health as the ordinary request it is', async () => {
      const r = await RawConnection.exchange(t().url, h2cOffer('GET', '/health', host()));
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body)).toMatchObject({ status: 'ok' });
      r.conn.destroy();
    });

    itNeeds(limits, 'h2c_offer_body', 'publishes over an h2c upgrade offer: 202', async () => {
      const body = JSON.stringify(sample('cache', runMarker()));
      const r = await RawConnection.exchange(
        t().url,
        h2cOffer('POST', '/api/events', host(), ['Content-Type: application/json', auth(), `Content-Length: ${Buffer.byteLength(body)}`]) + body,
      );
      expect(r.status, r.body).toBe(202);
      r.conn.destroy();
    });

    it('streams SSE over an h2c upgrade offer, and forgets the subscriber when the client goes', async () => {
      const run = runMarker();
      const c = await RawConnection.open(t().url);
      c.send(h2cOffer('GET', `/api/events/stream?replay=0&meta.run=${run}`, host(), ['Accept: text/event-stream']));
      expect((await c.streamHead()).headers['content-type']).toMatch(/^text\/event-stream/);
      await publishOk(t(), sample('cache', run));
      await c.until(() => c.received.includes(run), 10_000, 'the event on the stream');
      c.destroy();
      await expect.poll(() => subscribersOf(t(), run), { timeout: 10_000 }).toBe(0);
    });

    itNeeds(limits, ['ws', 'ws_needs_connection_upgrade'], 'answers `Upgrade: websocket` without `Connection: Upgrade` on /ws/events with 426 and JSON', async () => {
      const r = await RawConnection.exchange(t().url, `GET /ws/events HTTP/1.1\r\nHost: ${host()}\r\nUpgrade: websocket\r\n${KEY}\r\n`);
      expect(r.status).toBe(426);
      expect(JSON.parse(r.body)).toMatchObject({ error: 'upgrade_required' });
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
      c.send(get + get + get);
      // A fence: an event published now reaches the first stream once the pipelined requests have been dealt with (or the connection is closed).
      await publishOk(t(), sample('cache', run));
      await c.until(() => c.received.includes(run) || c.closed, 10_000, 'the fence event');
      expect(await subscribersOf(t(), run)).toBeLessThanOrEqual(1);
      c.destroy();
      await expect.poll(() => subscribersOf(t(), run), { timeout: 10_000 }).toBe(0);
    });

    itNeeds(limits, 'host_header_refused', 'answers two Host headers with 400', async () => {
      const r = await RawConnection.exchange(t().url, `GET /health HTTP/1.1\r\nHost: ${host()}\r\nHost: evil.example\r\n\r\n`);
      expect(r.status).toBe(400);
      r.conn.destroy();
    });

    itNeeds(limits, 'ws', 'selects no WebSocket subprotocol, whatever the client offers', async () => {
      const c = await RawConnection.open(t().url);
      c.send(`GET /ws/events?replay=0 HTTP/1.1\r\nHost: ${host()}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${KEY}Sec-WebSocket-Protocol: graphql-ws, chat\r\n\r\n`);
      await c.until(() => c.received.includes('\r\n\r\n') || c.closed, 10_000, 'the handshake answer');
      const head = c.rest().split('\r\n\r\n')[0]!;
      // Either a 101 that names no subprotocol, or a clear refusal (a runtime that cannot leave one unselected).
      if (/^HTTP\/1\.1 101/.test(head)) expect(head.toLowerCase()).not.toContain('sec-websocket-protocol');
      else expect(head).toMatch(/^HTTP\/1\.1 400/);
      c.destroy();
    });

    itNeeds(
      limits,
      'readable_413_on_close',
      'answers an oversized chunked body sent with `Connection: close` with a 413 the client can read',
      async () => {
        const c = await RawConnection.open(t().url);
        c.send(`POST /api/events HTTP/1.1\r\nHost: ${host()}\r\nContent-Type: application/json\r\n${auth()}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`);
        const piece = Buffer.alloc(65536, 0x61);
        let sent = 0;
        await new Promise<void>((resolve) => {
          const pump = () => {
            // Encoded as sent: a client no faster than the server, still sending when the answer comes.
            while (sent < 3_000_000 && c.socket.writable) {
              sent += piece.length;
              if (!c.socket.write(`${piece.length.toString(16)}\r\n${piece.toString('latin1')}\r\n`)) return void c.socket.once('drain', pump);
            }
            if (c.socket.writable) c.socket.write('0\r\n\r\n');
            resolve();
          };
          c.socket.once('close', () => resolve());
          pump();
        });
        await c.until(() => c.closed || c.received.includes('payload_too_large'), 15_000, 'the 413').catch(() => {});
        expect(c.received.toString('latin1').split('\r\n')[0], `connection error: ${c.error}`).toBe('HTTP/1.1 413 Payload Too Large');
        c.destroy();
      },
      30_000,
    );

    itNeeds(limits, 'headers_timeout', 'answers trickled headers with 408 once HEADERS_TIMEOUT_MS has passed', async () => {
      const r = await trickle(t(), `GET /health HTTP/1.1\r\nHost: ${host()}\r\nX-Slow: `, 'a', HEADERS_TIMEOUT_MS * 4);
      expect(r.status).toBe('HTTP/1.1 408 Request Timeout');
      expect(r.ms).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS);
    });

    itNeeds(
      limits,
      'body_timeout',
      'answers a trickled body with 408 once BODY_TIMEOUT_MS has passed, while an open stream goes on',
      async () => {
        const run = runMarker();
        const s = await RawConnection.open(t().url);
        s.send(`GET /api/events/stream?replay=0&meta.run=${run} HTTP/1.1\r\nHost: ${host()}\r\n\r\n`);
        expect((await s.streamHead()).status).toBe(200);
        const r = await trickle(
          t(),
          `POST /api/events HTTP/1.1\r\nHost: ${host()}\r\nContent-Type: application/json\r\n${auth()}\r\nContent-Length: 500\r\n\r\n`,
          ' ',
          BODY_TIMEOUT_MS * 3,
        );
        expect(r.status).toBe('HTTP/1.1 408 Request Timeout');
        expect(r.ms).toBeGreaterThanOrEqual(BODY_TIMEOUT_MS);
        await publishOk(t(), sample('cache', run));
        await s.until(() => s.received.includes(run), 10_000, 'the event on the stream');
        expect(s.closed).toBe(false);
        s.destroy();
      },
      30_000,
    );
  });
}
