/**
 * A subscriber that never reads does not slow the others, is ended or
 * dropped as chosen, keeps memory bounded, and is counted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeServer } from '../../src/runtimes/node/server.ts';
import { publish, sampleEvent, startGateway } from '../helpers/server.ts';
import { SseReader } from '../helpers/sse.ts';
import { StalledClient } from '../helpers/stalled.ts';
import { WsClient } from '../helpers/ws.ts';

let gw: NodeServer;
beforeAll(async () => {
  gw = await startGateway({ QUEUE_MAX_EVENTS: '200', QUEUE_MAX_BYTES: '1048576', MAX_BODY_BYTES: '8388608', OVERFLOW_GRACE_MS: '2000' });
});
afterAll(() => gw.stop());

const stats = async () => (await fetch(`${gw.url}/api/events/stats`)).json() as Promise<any>;
const pad = 'x'.repeat(16 * 1024);

/** Publishes `batches` x 50 events of ~16 KiB: enough to fill any socket buffer. */
async function flood(batches: number): Promise<string[]> {
  const ids: string[] = [];
  for (let b = 0; b < batches; b++) {
    const res = await publish(gw.url, Array.from({ length: 50 }, () => sampleEvent('cache', { pad })));
    expect(res.status).toBe(202);
    ids.push(...res.body.ids);
  }
  return ids;
}

describe('slow consumers', () => {
  it('by default ends a stalled SSE subscriber with an overflow signal, while a reading one gets everything', async () => {
    const before = await stats();
    const stalled = await StalledClient.open(gw.url, '/api/events/stream?replay=0&types=cache');
    const reader = await SseReader.open(`${gw.url}/api/events/stream?replay=0&types=cache`);
    await reader.until((r) => r.named('ready').length === 1);
    const ids = await flood(40); // 2000 events, ~32 MiB
    await reader.until((r) => r.events.length === ids.length, 20_000, 'every event');
    expect(reader.events.map((e) => e.id)).toEqual(ids);
    const after = await stats();
    expect(after.totals.slow_disconnects).toBe(before.totals.slow_disconnects + 1);
    expect(after.totals.overflow_discarded).toBeGreaterThan(before.totals.overflow_discarded);
    // The stalled subscriber is gone from the active list; the reader is still there.
    expect(after.active_subscribers).toBe(1);
    // Once it reads again, it finds the overflow event naming where to resume from, then the end of the stream.
    stalled.drain();
    await expect.poll(() => stalled.closed || stalled.received.includes('event: overflow'), { timeout: 10_000 }).toBe(true);
    reader.close();
    stalled.destroy();
  });

  it('closes a stalled WebSocket subscriber with 1013, and it resumes by replay with nothing lost', async () => {
    const ws = await WsClient.open(`${gw.url.replace('http', 'ws')}/ws/events?replay=0&types=cache`);
    await ws.ready();
    ws.ws.pause();
    const before = await stats();
    const ids = await flood(40);
    const mid = await stats();
    expect(mid.totals.slow_disconnects).toBe(before.totals.slow_disconnects + 1);
    ws.ws.resume();
    await ws.until((c) => c.closeCode !== undefined, 10_000, 'close');
    expect(ws.closeCode).toBe(1013);
    expect(ws.closeReason).toMatch(/slow consumer/);
    const last = ws.events.at(-1)?.id ?? null;
    const got = ws.events.map((e) => e.id);
    // Reconnect from the last event received: replay covers exactly the rest.
    const again = await WsClient.open(`${gw.url.replace('http', 'ws')}/ws/events?types=cache${last ? `&last_event_id=${last}` : ''}`);
    await again.until((c) => c.events.length >= ids.length - got.length, 20_000, 'replay');
    expect([...got, ...again.events.map((e) => e.id)].filter((id) => ids.includes(id))).toEqual(ids);
    again.close();
  });

  it('with on_overflow=drop keeps the stalled subscriber, drops its oldest events and says how many, with the cursor range', async () => {
    const ws = await WsClient.open(`${gw.url.replace('http', 'ws')}/ws/events?replay=0&types=cache&on_overflow=drop`);
    await ws.ready();
    ws.ws.pause();
    const ids = await flood(40);
    const s = await stats();
    const mine = s.subscribers.find((x: any) => x.transport === 'ws' && x.on_overflow === 'drop');
    expect(mine.dropped).toBeGreaterThan(0);
    expect(mine.queued_events).toBeLessThanOrEqual(200);
    ws.ws.resume();
    await ws.until((c) => c.events.at(-1)?.id === ids.at(-1), 20_000, 'last event');
    const dropped = ws.controls('dropped');
    expect(dropped.length).toBeGreaterThan(0);
    const total = dropped.reduce((n, d) => n + d.count, 0);
    // What was received plus what was reported dropped is everything: nothing vanished silently.
    expect(ws.events.length + total).toBe(ids.length);
    expect(ids).toContain(dropped[0].from);
    expect(ws.closeCode).toBeUndefined();
    const after = await stats();
    expect(after.totals.dropped).toBeGreaterThanOrEqual(total);
    ws.close();
  });

  it('with on_overflow=drop on SSE sends a named dropped event in the stream', async () => {
    const stalled = await StalledClient.open(gw.url, '/api/events/stream?replay=0&types=cache&on_overflow=drop');
    await flood(40);
    stalled.drain();
    await expect.poll(() => stalled.received.includes('event: dropped\ndata: {"count":'), { timeout: 20_000 }).toBe(true);
    expect(stalled.closed).toBe(false);
    stalled.destroy();
  });
});
