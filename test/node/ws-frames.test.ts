/**
 * Node writes WebSocket frames itself (src/runtimes/node/ws-frames.ts): a
 * message of 64 KiB or more takes the 64-bit payload length. A real `ws`
 * client must read such an event intact, between two small ones, and the
 * same frame shared by two sockets must reach both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeServer } from '../../src/runtimes/node/server.ts';
import { publish, sampleEvent, startGateway } from '../helpers/server.ts';
import { WsClient } from '../helpers/ws.ts';

let gw: NodeServer;
beforeAll(async () => {
  gw = await startGateway({ MAX_BODY_BYTES: String(4 << 20) });
});
afterAll(() => gw.stop());

describe('WebSocket frames on Node', () => {
  it('an event over 64 KiB (64-bit payload length) reaches two clients intact, between small ones', async () => {
    const url = `${gw.url.replace('http', 'ws')}/ws/events?replay=0`;
    const clients = [await WsClient.open(url), await WsClient.open(url)];
    for (const c of clients) await c.ready();
    const big = 'x'.repeat(70_000) + 'é'.repeat(40_000); // 150,000 bytes of UTF-8
    const res = await publish(gw.url, [sampleEvent('cache'), sampleEvent('error', { stack_trace: big }), sampleEvent('cgrag')]);
    expect(res.status).toBe(202);
    for (const c of clients) {
      await c.until((x) => x.events.length === 3, 10_000, 'three events');
      expect(c.events.map((e) => e.id)).toEqual(res.body.ids);
      expect(c.events[1].metadata.stack_trace).toBe(big);
      c.close();
    }
  });
});
