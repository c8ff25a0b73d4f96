/**
 * The gateway on workerd through `wrangler dev`, over real sockets: publish,
 * SSE and WebSocket delivery, resume with Last-Event-ID, the gap when
 * HISTORY_SIZE is outrun, cursors that survive a restart on the same
 * storage, and the unknown_epoch gap when the storage is lost.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publish, sampleEvent } from '../helpers/server.ts';
import { SseReader } from '../helpers/sse.ts';
import { WsClient } from '../helpers/ws.ts';
import { startWrangler, type WranglerProcess } from './wrangler.ts';

const VARS = { HISTORY_SIZE: '5', REPLAY_DEFAULT: '2', HEARTBEAT_MS: '500' };
let dir: string;
let w: WranglerProcess;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'eventgate-workers-'));
  w = await startWrangler(VARS, dir);
});
afterAll(async () => {
  await w?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const wsUrl = (q = '') => `${w.url.replace('http', 'ws')}/ws/events${q}`;

async function publishIds(n: number, type = 'cache'): Promise<string[]> {
  const res = await publish(
    w.url,
    Array.from({ length: n }, () => sampleEvent(type)),
  );
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.ids;
}

describe('workers (wrangler dev)', () => {
  it('answers health, stats and bad input like every runtime', async () => {
    const health = await fetch(`${w.url}/health`).then((r) => r.json());
    expect(health).toMatchObject({ status: 'ok', backend: { backend: 'durable-object' } });
    const stats = await fetch(`${w.url}/api/events/stats`).then((r) => r.json());
    expect(stats).toMatchObject({ runtime: 'workers', history_capacity: 5 });
    const bad = await publish(w.url, '{nope');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('invalid_json');
    const badSub = await fetch(`${w.url}/api/events/stream?types=nope`);
    expect(badSub.status).toBe(400);
    expect((await badSub.json()).field).toBe('types');
    const plain = await fetch(`${w.url}/ws/events`);
    expect(plain.status).toBe(426);
  });

  it('delivers a published event over SSE and WebSocket, filtered', async () => {
    const sse = await SseReader.open(`${w.url}/api/events/stream?types=error&replay=0`);
    const ws = await WsClient.open(wsUrl('?types=error&replay=0'));
    await sse.until((r) => r.named('ready').length > 0, 10_000, 'SSE ready');
    await ws.ready();
    await publishIds(1, 'cache');
    const [id] = await publishIds(1, 'error');
    await sse.until((r) => r.events.length > 0, 10_000, 'SSE event');
    await ws.until((c) => c.events.length > 0, 10_000, 'WS event');
    expect(sse.events.map((e) => e.id)).toEqual([id]);
    expect(ws.events.map((e) => e.id)).toEqual([id]);
    expect(sse.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    sse.close();
    ws.close();
  });

  it('WebSocket: ping is answered, a filter change is acknowledged, junk gets an error and the socket stays', async () => {
    const ws = await WsClient.open(wsUrl('?replay=0'));
    await ws.ready();
    ws.send({ op: 'ping' });
    await ws.until((c) => c.controls('pong').length === 1, 10_000, 'pong');
    ws.send({ op: 'filter', types: 'cgrag' });
    await ws.until((c) => c.controls('ack').length === 1, 10_000, 'ack');
    ws.send('junk');
    await ws.until((c) => c.controls('error').length === 1, 10_000, 'error');
    const [id] = await publishIds(1, 'cgrag');
    await ws.until((c) => c.events.length === 1, 10_000, 'event after the filter change');
    expect(ws.events[0].id).toBe(id);
    expect(ws.closeCode).toBeUndefined();
    ws.close();
  });

  it('resumes after Last-Event-ID (SSE) and last_event_id (WS) without duplicate or gap', async () => {
    const ids = await publishIds(4);
    const sse = await SseReader.open(`${w.url}/api/events/stream?types=cache`, { 'last-event-id': ids[0]! });
    const ws = await WsClient.open(wsUrl(`?types=cache&last_event_id=${ids[1]}`));
    await sse.until((r) => r.named('ready').length > 0, 10_000, 'SSE ready');
    await ws.ready();
    expect(sse.named('gap')).toEqual([]);
    expect(sse.events.map((e) => e.id)).toEqual(ids.slice(1));
    expect(ws.events.map((e) => e.id)).toEqual(ids.slice(2));
    sse.close();
    ws.close();
  });

  it('signals the gap when HISTORY_SIZE is outrun, on both transports', async () => {
    const [old] = await publishIds(1);
    const later = await publishIds(8); // history holds 5
    const sse = await SseReader.open(`${w.url}/api/events/stream?types=cache`, { 'last-event-id': old! });
    const ws = await WsClient.open(wsUrl(`?types=cache&last_event_id=${old}`));
    await sse.until((r) => r.named('ready').length > 0, 10_000, 'SSE ready');
    await ws.ready();
    const kept = later.slice(-5);
    for (const gap of [sse.named('gap')[0], ws.controls('gap')[0]]) {
      expect(gap).toMatchObject({ reason: 'expired', requested: old, resume_from: kept[0], missed: 3 });
    }
    expect(sse.events.map((e) => e.id)).toEqual(kept);
    expect(ws.events.map((e) => e.id)).toEqual(kept);
    sse.close();
    ws.close();
  });

  it('forgets an SSE subscriber that went away by the next write (event or heartbeat)', async () => {
    const sse = await SseReader.open(`${w.url}/api/events/stream?replay=0`);
    await sse.until((r) => r.named('ready').length > 0, 10_000, 'SSE ready');
    const count = async () => (await fetch(`${w.url}/api/events/stats`).then((r) => r.json())).active_by_transport.sse as number;
    expect(await count()).toBeGreaterThanOrEqual(1);
    sse.close();
    const deadline = Date.now() + 15_000;
    while ((await count()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await count()).toBe(0);
  });

  it('keeps history and epoch across a restart on the same storage, and signals unknown_epoch when the storage is lost', async () => {
    const ids = await publishIds(3);
    await w.stop();
    w = await startWrangler(VARS, dir);
    const after = await SseReader.open(`${w.url}/api/events/stream?types=cache`, { 'last-event-id': ids[0]! });
    await after.until((r) => r.named('ready').length > 0, 10_000, 'SSE ready after restart');
    expect(after.named('gap')).toEqual([]);
    expect(after.events.map((e) => e.id)).toEqual(ids.slice(1));
    after.close();

    await w.stop();
    rmSync(dir, { recursive: true, force: true });
    w = await startWrangler(VARS, dir);
    const lost = await WsClient.open(wsUrl(`?last_event_id=${ids[2]}`));
    await lost.ready();
    expect(lost.controls('gap')[0]).toMatchObject({ reason: 'unknown_epoch', requested: ids[2] });
    const [fresh] = await publishIds(1);
    expect(fresh!.split('-')[0]).not.toBe(ids[0]!.split('-')[0]);
    lost.close();
  });
});
