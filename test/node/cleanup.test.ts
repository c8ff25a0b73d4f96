/**
 * Subscribers are forgotten when their connection goes, however it goes,
 * so memory is freed after disconnect.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeServer } from '../../src/runtimes/node/server.ts';
import { startGateway } from '../helpers/server.ts';
import { WsClient } from '../helpers/ws.ts';

let gw: NodeServer;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(() => gw.stop());

const active = async () => (await (await fetch(`${gw.url}/api/events/stats`)).json()).active_subscribers;

describe('connection cleanup', () => {
  it('ends an SSE stream whose socket closes with a pipelined request still queued behind it', async () => {
    const u = new URL(gw.url);
    const sock = net.connect(Number(u.port), u.hostname);
    await new Promise((r) => sock.once('connect', r));
    const req = `GET /api/events/stream?replay=0 HTTP/1.1\r\nHost: ${u.host}\r\n\r\n`;
    sock.write(req + req);
    await new Promise((r) => sock.once('data', r));
    // One live stream per connection: the pipelined one is refused (test/node/hostile-http.test.ts).
    await expect.poll(active).toBe(1);
    sock.destroy();
    await expect.poll(active, { timeout: 5000 }).toBe(0);
  });

  it('forgets subscribers whose clients vanish without closing (SSE and WS)', async () => {
    const u = new URL(gw.url);
    const socks: net.Socket[] = [];
    for (let i = 0; i < 20; i++) {
      const s = net.connect(Number(u.port), u.hostname);
      s.on('error', () => {});
      s.write(`GET /api/events/stream?replay=0 HTTP/1.1\r\nHost: ${u.host}\r\n\r\n`);
      socks.push(s);
    }
    const wss = await Promise.all(Array.from({ length: 20 }, () => WsClient.open(`${gw.url.replace('http', 'ws')}/ws/events?replay=0`)));
    await expect.poll(active, { timeout: 5000 }).toBe(40);
    for (const s of socks) s.destroy();
    for (const w of wss) w.ws.terminate();
    await expect.poll(active, { timeout: 5000 }).toBe(0);
  });
});
