/**
 * WebSocket replies count against the subscriber's marks like events: a
 * client that keeps sending filter ops without reading is cut off with 1013
 * instead of having its answers buffered without limit, and each answer is
 * small (a 50 kB filter is acknowledged by its size, not echoed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeServer } from '../../src/runtimes/node/server.ts';
import { publish, sampleEvent, startGateway } from '../helpers/server.ts';
import { WsClient } from '../helpers/ws.ts';

let gw: NodeServer;
beforeAll(async () => {
  gw = await startGateway({ QUEUE_MAX_EVENTS: '100', QUEUE_MAX_BYTES: String(64 << 20), MAX_BODY_BYTES: String(8 << 20) });
});
afterAll(() => gw.stop());

const stats = async () => (await fetch(`${gw.url}/api/events/stats`)).json() as Promise<any>;
const mine = async (run: string) => (await stats()).subscribers.find((s: any) => s.filter?.meta?.run === run);

describe('WebSocket replies', () => {
  it('acknowledges a large filter by its size and a small one by echoing it', async () => {
    const run = `r${Date.now()}`;
    const c = await WsClient.open(`${gw.url.replace('http', 'ws')}/ws/events?replay=0&meta.run=${run}`);
    await c.ready();
    c.send({ op: 'filter', meta: { run } });
    c.send({ op: 'filter', meta: { run, pad: 'y'.repeat(50_000) } });
    await c.until((x) => x.controls('ack').length === 2);
    expect(c.controls('ack')[0]).toEqual({ control: 'ack', op: 'filter', filter: { meta: { run } } });
    const big = c.controls('ack')[1];
    expect(big).toEqual({ control: 'ack', op: 'filter', filter_bytes: expect.any(Number) });
    expect(big.filter_bytes).toBeGreaterThan(50_000);
    c.close();
  });

  it('cuts off with 1013 a client that sends 500 filter ops of 50 kB and reads nothing', async () => {
    const run = `r${Date.now()}`;
    const c = await WsClient.open(`${gw.url.replace('http', 'ws')}/ws/events?replay=0&meta.run=${run}`);
    await c.ready();
    c.ws.pause();
    // Fill what the sockets buffer, until the gateway itself holds events for this client.
    const pad = 'x'.repeat(64 * 1024);
    for (let i = 0; !((await mine(run))?.queued_events > 0); i++) {
      expect(i).toBeLessThan(200); // 200 x 16 x 64 KiB: far more than any socket buffers
      expect((await publish(gw.url, Array.from({ length: 16 }, () => sampleEvent('cache', { run, pad })))).status).toBe(202);
    }
    const rss0 = process.memoryUsage().rss;
    for (let i = 0; i < 500; i++) c.send({ op: 'filter', meta: { run, pad: `${i}`.padEnd(50_000, 'y') } });
    // Fence: the subscriber is gone from the gateway (cut off), not buffering answers.
    await expect.poll(async () => (await mine(run)) === undefined, { timeout: 30_000 }).toBe(true);
    const grown = (process.memoryUsage().rss - rss0) / 2 ** 20;
    c.ws.resume();
    await c.until((x) => x.closeCode !== undefined, 30_000, 'close');
    expect(c.closeCode).toBe(1013);
    expect(c.closeReason).toMatch(/slow consumer/);
    // A sanity bound: 500 echoed filters held 25 MB of answers alone, and such floods took 57-108 MB before;
    // what is left here is the garbage of the ops as read.
    expect(grown).toBeLessThan(96);
    console.log(`ws replies: RSS grew ${grown.toFixed(1)} MiB over 500 filter ops of 50 kB`);
  }, 120_000);
});
