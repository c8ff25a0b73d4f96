/**
 * The WebSocket protocol: filter changes in place with an ack, clear answers
 * to bad messages on a socket that stays open, 1009 for an oversized one,
 * 426 for a plain GET, and protocol pings that close a dead peer.
 */
import net from 'node:net';
import { describe, expect } from 'vitest';
import { MAX_WS_MESSAGE_BYTES } from './config.ts';
import { publishOk, runMarker, sample, stats, ws } from './client.ts';
import { itNeeds, type Limits, type Target } from './target.ts';

export function webSocketChecks(t: () => Target, limits: Limits): void {
  describe('WebSocket', () => {
    itNeeds(limits, 'ws', 'changes its filter with {"op":"filter"} without reconnecting, acknowledges, and applies it to what follows', async () => {
      const run = runMarker();
      const c = await ws(t(), `replay=0&types=cache&meta.run=${run}`);
      await c.ready();
      const a = await publishOk(t(), [sample('cache', run), sample('error', run)]);
      await c.until((x) => x.events.length === 1);
      c.send({ op: 'filter', types: ['error'], min_severity: 'warning', 'meta.run': run });
      await c.until((x) => x.controls('ack').length === 1);
      expect(c.controls('ack')[0]).toEqual({ control: 'ack', op: 'filter', filter: { types: ['error'], min_severity: 'warning', meta: { run } } });
      const b = await publishOk(t(), [sample('cache', run), sample('error', run, {}, 'info'), sample('error', run, {}, 'error')]);
      await c.until((x) => x.events.length === 2);
      expect(c.events.map((e) => e.id)).toEqual([a[0], b[2]]);
      const s = (await stats(t())).subscribers.find((x: any) => x.filter?.meta?.run === run);
      expect(s.filter).toEqual({ types: ['error'], min_severity: 'warning', meta: { run } });
      c.close();
    });

    itNeeds(limits, 'ws', 'answers malformed messages with an error message and keeps the socket; {"op":"ping"} gets a pong', async () => {
      const run = runMarker();
      const c = await ws(t(), `replay=0&meta.run=${run}`);
      await c.ready();
      c.send('{not json');
      c.send('[1,2]');
      c.send({ op: 'explode' });
      c.send({ op: 'filter', types: ['nope'] });
      c.ws.send(Buffer.from([1, 2, 3]));
      await c.until((x) => x.controls('error').length === 5);
      expect(c.controls('error').map((e) => e.error)).toEqual(['bad_message', 'bad_message', 'unknown_op', 'bad_filter', 'bad_message']);
      expect(c.controls('error')[3]).toMatchObject({ field: 'types', message: expect.stringContaining('"nope"') });
      c.send({ op: 'ping' });
      await c.until((x) => x.controls('pong').length === 1);
      const [id] = await publishOk(t(), sample('cgrag', run));
      await c.until((x) => x.events.length === 1);
      expect(c.events[0].id).toBe(id);
      expect(c.closeCode).toBeUndefined();
      c.close();
    });

    itNeeds(limits, 'ws', 'closes with 1009 on a message over MAX_WS_MESSAGE_BYTES, and nobody else notices', async () => {
      const run = runMarker();
      const other = await ws(t(), `replay=0&meta.run=${run}`);
      const c = await ws(t(), `replay=0&meta.run=${run}`);
      await c.ready();
      await other.ready();
      c.send({ op: 'filter', pad: 'x'.repeat(MAX_WS_MESSAGE_BYTES * 4) });
      await c.until((x) => x.closeCode !== undefined);
      expect(c.closeCode).toBe(1009);
      const [id] = await publishOk(t(), sample('cgrag', run));
      await other.until((x) => x.events.some((e) => e.id === id));
      expect(other.closeCode).toBeUndefined();
      other.close();
    });

    itNeeds(limits, 'ws', 'upgrades whatever the case of the Upgrade header (`Upgrade: WebSocket`)', async () => {
      const u = new URL(t().url);
      const head = await new Promise<string>((resolve, reject) => {
        const sock = net.connect(Number(u.port), u.hostname, () =>
          sock.write(
            `GET /ws/events?replay=0 HTTP/1.1\r\nHost: ${u.host}\r\nConnection: Upgrade\r\nUpgrade: WebSocket\r\n` +
              'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
          ),
        );
        let got = '';
        sock.on('data', (d) => {
          got += d.toString('latin1');
          if (got.includes('\r\n\r\n')) {
            sock.destroy();
            resolve(got);
          }
        });
        sock.on('error', reject);
      });
      expect(head.split('\r\n')[0]).toMatch(/^HTTP\/1\.1 101/);
    });

    itNeeds(limits, 'ws', 'answers a plain GET on the WebSocket endpoint with 426 and a JSON body', async () => {
      const res = await fetch(`${t().url}/ws/events`);
      expect(res.status).toBe(426);
      expect(await res.json()).toMatchObject({ error: 'upgrade_required' });
    });

    itNeeds(
      limits,
      ['ws', 'ws_protocol_pings'],
      'sends protocol pings, and closes a peer that stops answering them',
      async () => {
        const run = runMarker();
        const c = await ws(t(), `replay=0&meta.run=${run}`);
        let pings = 0;
        c.ws.on('ping', () => pings++);
        await expect.poll(() => pings, { timeout: 30_000, interval: 200 }).toBeGreaterThanOrEqual(2);
        expect(c.closeCode).toBeUndefined();
        // A peer that no longer answers (its socket stops reading, so `ws` cannot pong) is closed by the server.
        const dead = await ws(t(), `replay=0&meta.run=${run}`);
        await dead.ready();
        dead.ws.pause();
        const count = async () => (await stats(t())).subscribers.filter((x: any) => x.filter?.meta?.run === run).length;
        await expect.poll(count, { timeout: 45_000, interval: 250 }).toBe(1);
        expect(c.closeCode).toBeUndefined();
        c.close();
        dead.ws.terminate();
      },
      90_000,
    );
  });
}
