/**
 * Operating the gateway: stats that match what happened, health, config
 * validation at start, the demo, and a drain on SIGTERM that exits 0.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeServer } from '../../src/runtimes/node/server.ts';
import { spawnGateway } from '../helpers/process.ts';
import { publish, sampleEvent, startGateway } from '../helpers/server.ts';
import { SseReader } from '../helpers/sse.ts';
import { WsClient } from '../helpers/ws.ts';

let gw: NodeServer;
beforeAll(async () => {
  gw = await startGateway({ HISTORY_SIZE: '1000' });
});
afterAll(() => gw.stop());

const stats = async (url: string) => (await fetch(`${url}/api/events/stats`)).json() as Promise<any>;

describe('operating', () => {
  it('reports stats that match what happened', async () => {
    const sse = await SseReader.open(`${gw.url}/api/events/stream?replay=0&types=error`);
    const ws = await WsClient.open(`${gw.url.replace('http', 'ws')}/ws/events?replay=0`);
    await sse.until((r) => r.named('ready').length === 1);
    await ws.ready();
    await publish(gw.url, [sampleEvent('error'), sampleEvent('cache'), sampleEvent('cgrag')]);
    await publish(gw.url, { bad: true });
    await ws.until((c) => c.events.length === 3);
    await sse.until((r) => r.events.length === 1);
    const s = await stats(gw.url);
    expect(s).toMatchObject({
      running: true,
      active_subscribers: 2,
      active_by_transport: { sse: 1, ws: 1 },
      queue_size: 0,
      history_size: 3,
      history_capacity: 1000,
      totals: { published: 3, delivered: 4, dropped: 0, slow_disconnects: 0, publish_rejected: 1 },
    });
    const sub = s.subscribers.find((x: any) => x.transport === 'sse');
    expect(sub).toMatchObject({ filter: { types: ['error'] }, queued_events: 0, queued_bytes: 0, lag_ms: 0, delivered: 1, on_overflow: 'disconnect' });
    sse.close();
    ws.close();
    await expect.poll(async () => (await stats(gw.url)).active_subscribers).toBe(0);
  });

  it('answers /health with 200 while it can serve', async () => {
    const res = await fetch(`${gw.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', backend: { ok: true, backend: 'memory' } });
  });

  it('refuses to start on a bad configuration value, naming the variable', async () => {
    for (const [name, value] of <[string, string][]>[
      ['PORT', 'eighty'],
      ['HISTORY_SIZE', '0'],
      ['OVERFLOW_POLICY', 'explode'],
      ['ALLOWED_ORIGINS', 'https://a.example/path'],
      ['HEARTBEAT_MS', '-5'],
    ]) {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/runtimes/node/main.ts'], { env: { ...process.env, [name]: value }, stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      const code = await new Promise((r) => child.on('exit', r));
      expect(code, name).toBe(1);
      expect(err).toContain(name);
    }
  });

  it('drains on SIGTERM: SSE clients get a shutdown event with a jittered retry, WS clients 1001, and the process exits 0', async () => {
    const p = await spawnGateway({ SHUTDOWN_TIMEOUT_MS: '3000', SSE_RETRY_MS: '1000', SHUTDOWN_RETRY_JITTER_MS: '4000' });
    const sse = await SseReader.open(`${p.url}/api/events/stream?replay=0`);
    const ws = await WsClient.open(`${p.url.replace('http', 'ws')}/ws/events?replay=0`);
    await sse.until((r) => r.named('ready').length === 1);
    await ws.ready();
    p.child.kill('SIGTERM');
    await sse.until((r) => r.closed, 5000, 'end of stream');
    const shutdown = sse.messages.find((m) => m.event === 'shutdown')!;
    expect(shutdown).toBeDefined();
    expect(shutdown.retry).toBeGreaterThanOrEqual(1000);
    expect(shutdown.retry).toBeLessThan(5000);
    expect(JSON.parse(shutdown.data).retry_ms).toBe(shutdown.retry);
    await ws.until((c) => c.closeCode !== undefined);
    expect(ws.closeCode).toBe(1001);
    expect(await p.exited).toBe(0);
    expect(p.output()).toMatch(/SIGTERM: draining 2 subscribers/);
  });

  it('says at start who may publish', async () => {
    const open = await spawnGateway({});
    expect(open.output()).toMatch(/only loopback clients/);
    open.child.kill('SIGINT');
    expect(await open.exited).toBe(0);
    const locked = await spawnGateway({ PUBLISH_TOKEN: 'long-enough-token' });
    expect(locked.output()).toMatch(/requires Authorization: Bearer/);
    locked.child.kill('SIGTERM');
    expect(await locked.exited).toBe(0);
  });

  it('npm run demo publishes a live mix of all six types', async () => {
    const p = await spawnGateway({ DEMO_RATE: '200' }, ['--demo']);
    const r = await SseReader.open(`${p.url}/api/events/stream?replay=0`);
    await r.until((x) => new Set(x.events.map((e) => e.type)).size === 6, 15_000, 'all six types');
    r.close();
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });
});
