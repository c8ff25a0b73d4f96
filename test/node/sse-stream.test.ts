/**
 * The SSE endpoint, byte for byte, and with the `eventsource` package as a
 * browser-like client.
 */
import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeServer } from '../../src/runtimes/node/server.ts';
import { publish, sampleEvent, startGateway } from '../helpers/server.ts';
import { SseReader } from '../helpers/sse.ts';

let gw: NodeServer;
beforeAll(async () => {
  gw = await startGateway({ HEARTBEAT_MS: '200', SSE_RETRY_MS: '1500' });
});
afterAll(() => gw.stop());

describe('SSE stream', () => {
  it('answers with the spec headers and opens at once with a comment and a retry hint', async () => {
    const r = await SseReader.open(`${gw.url}/api/events/stream?replay=0`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(r.headers.get('cache-control')).toBe('no-cache');
    expect(r.headers.get('x-accel-buffering')).toBe('no');
    await r.until((x) => x.raw.includes('retry:'));
    expect(r.raw.startsWith(': eventgate stream open\n\nretry: 1500\n\n')).toBe(true);
    r.close();
  });

  it('frames each event as id + one data line, with no event name, exactly', async () => {
    const r = await SseReader.open(`${gw.url}/api/events/stream?replay=0`);
    await r.until((x) => x.named('ready').length === 1);
    const res = await publish(gw.url, { ...sampleEvent('cache'), message: 'line one\nline two\r\nthree', timestamp: 1699468800.123 });
    expect(res.status).toBe(202);
    const id = res.body.ids[0];
    await r.until((x) => x.events.length === 1);
    const json = JSON.stringify({ id, timestamp: 1699468800.123, type: 'cache', severity: 'info', message: 'line one\nline two\r\nthree', metadata: r.events[0].metadata });
    expect(r.raw).toContain(`\n\nid: ${id}\ndata: ${json}\n\n`);
    expect(r.events[0].message).toBe('line one\nline two\r\nthree');
    expect(r.messages.find((m) => m.event === 'message')!.id).toBe(id);
    r.close();
  });

  it('sends heartbeat comments at the configured interval', async () => {
    const r = await SseReader.open(`${gw.url}/api/events/stream?replay=0`);
    const start = r.comments;
    await r.until((x) => x.comments >= start + 2, 5000, 'two heartbeats');
    expect(r.raw).toContain('\n:\n\n');
    r.close();
  });

  it('delivers every type, including `error`, to EventSource.onmessage and nothing to its error handler', async () => {
    const es = new EventSource(`${gw.url}/api/events/stream?replay=0`);
    const got: any[] = [];
    const lastIds: string[] = [];
    const errors: unknown[] = [];
    const ready = new Promise<void>((resolve) => es.addEventListener('ready', () => resolve()));
    es.onmessage = (e) => {
      got.push(JSON.parse(e.data));
      lastIds.push(e.lastEventId);
    };
    es.onerror = (e) => errors.push(e);
    await ready;
    const types = ['query_route', 'model_state', 'cgrag', 'cache', 'error', 'performance'];
    const res = await publish(gw.url, types.map((t) => sampleEvent(t)));
    expect(res.status).toBe(202);
    await expect.poll(() => got.length, { timeout: 5000 }).toBe(6);
    expect(got.map((e) => e.type)).toEqual(types);
    expect(got.map((e) => e.id)).toEqual(res.body.ids);
    expect(lastIds).toEqual(res.body.ids);
    expect(errors).toEqual([]);
    es.close();
  });
});
