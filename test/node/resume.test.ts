/**
 * Resume: replay after a cursor through the subscriber's filter, then live,
 * with no duplicate and no gap even while publishing goes on; and the gap
 * signal when the cursor is older than history or from another run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeServer } from '../../src/runtimes/node/server.ts';
import { publish, sampleEvent, startGateway } from '../helpers/server.ts';
import { SseReader } from '../helpers/sse.ts';
import { WsClient } from '../helpers/ws.ts';

let gw: NodeServer;
beforeAll(async () => {
  gw = await startGateway({ HISTORY_SIZE: '500', REPLAY_DEFAULT: '5' });
});
afterAll(() => gw.stop());

const offset = (id: string) => Number(id.split('-')[1]);

/** Publishes `n` events in small batches as fast as the server takes them; returns all ids. */
async function publishStream(n: number, type = 'cache'): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 5) {
    const res = await publish(gw.url, Array.from({ length: Math.min(5, n - i) }, () => sampleEvent(type)));
    expect(res.status).toBe(202);
    ids.push(...res.body.ids);
  }
  return ids;
}

describe('resume', () => {
  it('SSE: Last-Event-ID replays what was missed, then live, with no duplicate and no gap while publishing continues', async () => {
    const first = await publishStream(20);
    const cursor = first[9]!;
    const during = publishStream(200); // publishing goes on while the subscriber replays
    const r = await SseReader.open(`${gw.url}/api/events/stream?types=cache`, { 'last-event-id': cursor });
    const later = await during;
    const all = [...first, ...later];
    const expected = all.slice(10);
    await r.until((x) => x.events.length >= expected.length, 10_000, 'all events');
    expect(r.events.map((e) => e.id)).toEqual(expected);
    expect(r.named('gap')).toEqual([]);
    r.close();
  });

  it('WS: last_event_id replays through the filter, then live, in order, exactly once', async () => {
    const mixed = await publish(gw.url, [sampleEvent('error'), sampleEvent('cache'), sampleEvent('error'), sampleEvent('cgrag')]);
    const cursor = mixed.body.ids[0];
    const during = publishStream(100, 'error');
    const ws = await WsClient.open(`${gw.url.replace('http', 'ws')}/ws/events?types=error&last_event_id=${cursor}`);
    const later = await during;
    const expected = [mixed.body.ids[2], ...later];
    await ws.until((c) => c.events.length >= expected.length, 10_000, 'all events');
    expect(ws.events.map((e) => e.id)).toEqual(expected);
    expect(ws.events.every((e) => e.type === 'error')).toBe(true);
    expect(ws.controls('gap')).toEqual([]);
    ws.close();
  });

  it('without a cursor, a new subscriber first gets the most recent matching events; replay=N sets how many, 0 none', async () => {
    const ids = await publishStream(10, 'cgrag');
    const dflt = await SseReader.open(`${gw.url}/api/events/stream?types=cgrag`);
    await dflt.until((x) => x.named('ready').length === 1);
    expect(dflt.events.map((e) => e.id)).toEqual(ids.slice(-5));
    expect(dflt.named('ready')[0].replayed).toBe(5);
    const three = await WsClient.open(`${gw.url.replace('http', 'ws')}/ws/events?types=cgrag&replay=3`);
    await three.ready();
    expect(three.events.map((e) => e.id)).toEqual(ids.slice(-3));
    const none = await SseReader.open(`${gw.url}/api/events/stream?replay=0`);
    await none.until((x) => x.named('ready').length === 1);
    expect(none.events).toEqual([]);
    dflt.close();
    three.close();
    none.close();
  });

  it('tells the subscriber first when its cursor is older than history, and where replay starts', async () => {
    const old = (await publishStream(5))[0]!;
    await publishStream(600); // outruns HISTORY_SIZE=500
    const r = await SseReader.open(`${gw.url}/api/events/stream?types=cache`, { 'last-event-id': old });
    await r.until((x) => x.named('ready').length === 1);
    const gap = r.named('gap');
    expect(gap).toHaveLength(1);
    expect(gap[0]).toMatchObject({ requested: old, reason: 'expired' });
    // The gap comes before any event.
    expect(r.messages[0]!.event).toBe('gap');
    expect(r.events[0].id).toBe(gap[0].resume_from);
    expect(gap[0].missed).toBe(offset(gap[0].resume_from) - offset(old) - 1);
    const ws = await WsClient.open(`${gw.url.replace('http', 'ws')}/ws/events?types=cache&last_event_id=${old}`);
    await ws.ready();
    expect(ws.messages[0]).toMatchObject({ control: 'gap', reason: 'expired', requested: old });
    r.close();
    ws.close();
  });

  it('recognises a cursor from before a restart and says so, then replays what the new run holds', async () => {
    const before = (await publish(gw.url, sampleEvent('performance'))).body.ids[0];
    await gw.stop();
    gw = await startGateway({ HISTORY_SIZE: '500', REPLAY_DEFAULT: '5' }, { port: gw.port });
    const after = (await publish(gw.url, sampleEvent('performance'))).body.ids[0];
    expect(after.split('-')[0]).not.toBe(before.split('-')[0]);
    const r = await SseReader.open(`${gw.url}/api/events/stream`, { 'last-event-id': before });
    await r.until((x) => x.events.length === 1);
    expect(r.named('gap')[0]).toMatchObject({ requested: before, reason: 'unknown_epoch', resume_from: after });
    expect(r.messages[0]!.event).toBe('gap');
    const ws = await WsClient.open(`${gw.url.replace('http', 'ws')}/ws/events?last_event_id=${before}`);
    await ws.ready();
    expect(ws.messages[0]).toMatchObject({ control: 'gap', reason: 'unknown_epoch' });
    expect(ws.events.map((e) => e.id)).toEqual([after]);
    r.close();
    ws.close();
  });
});
