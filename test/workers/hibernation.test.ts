/**
 * WebSocket subscribers across hibernation: the hub Durable Object is
 * evicted while only hibernatable sockets are open (workerd does this after
 * a few idle seconds), and when a publish wakes it each socket gets its
 * subscriber back from its attachment: its changed filter, and its cursor,
 * so nothing is sent twice and no second `ready` arrives. Also: a bad
 * configuration is answered on every request, naming the variable.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { publish, sampleEvent } from '../helpers/server.ts';
import { WsClient } from '../helpers/ws.ts';
import { startWrangler, type WranglerProcess } from './wrangler.ts';

const running: { w: WranglerProcess; dir: string }[] = [];
afterAll(async () => {
  for (const r of running) {
    await r.w.stop();
    rmSync(r.dir, { recursive: true, force: true });
  }
});

async function start(vars: Record<string, string>, anyAnswer = false): Promise<WranglerProcess> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'eventgate-workers-'));
  const w = await startWrangler(vars, dir, { anyAnswer });
  running.push({ w, dir });
  return w;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('workers: hibernation', () => {
  it('a WebSocket keeps its filter and cursor while the object sleeps: no duplicate, no second ready', { timeout: 180_000 }, async () => {
    const w = await start({ HISTORY_SIZE: '100' });
    const pub = async (type: string) => {
      const r = await publish(w.url, sampleEvent(type));
      expect(r.status).toBe(202);
      return r.body.ids[0] as string;
    };
    const ws = await WsClient.open(`${w.url.replace('http', 'ws')}/ws/events?types=cache&replay=0`);
    await ws.ready();
    const first = [await pub('cache'), await pub('cache')];
    ws.send({ op: 'filter', types: 'cache,cgrag' });
    await ws.until((c) => c.controls('ack').length === 1 && c.events.length === 2, 10_000, 'ack and two events');

    // Wait, without touching the object, until a look at it shows it was started again (evicted, then woken by the look).
    let slept = false;
    for (let i = 0; i < 8 && !slept; i++) {
      const t = Date.now();
      await sleep(12_000);
      const stats = await fetch(`${w.url}/api/events/stats`).then((r) => r.json());
      slept = stats.uptime_s * 1000 < Date.now() - t - 2000;
      if (slept) expect(stats.active_by_transport.ws, JSON.stringify({ i, close: ws.closeCode, reason: ws.closeReason, msgs: ws.messages, out: w.output().slice(-2000) })).toBe(1);
    }
    expect(slept, 'the hub object was never evicted').toBe(true);

    const after = [await pub('error'), await pub('cgrag'), await pub('cache')];
    await ws.until((c) => c.events.length === 4, 10_000, 'the events after the wake');
    expect(ws.events.map((e) => e.id)).toEqual([...first, after[1], after[2]]);
    expect(ws.controls('ready')).toHaveLength(1);
    expect(ws.closeCode).toBeUndefined();
    ws.send({ op: 'ping' });
    await ws.until((c) => c.controls('pong').length === 1, 10_000, 'pong');
    ws.close();
  });

  it('a bad configuration is answered on every request, naming the variable', async () => {
    const w = await start({ HISTORY_SIZE: 'lots' }, true);
    for (const p of ['/health', '/api/events/stream', '/api/events']) {
      const res = await fetch(`${w.url}${p}`);
      expect(res.status).toBe(500);
      expect(await res.json()).toMatchObject({ error: 'bad_config', field: 'HISTORY_SIZE' });
    }
  });

  it('refuses a MAX_BODY_BYTES larger than one storage row can hold', async () => {
    const w = await start({ MAX_BODY_BYTES: '4000000' }, true);
    const res = await fetch(`${w.url}/health`);
    expect(res.status).toBe(500);
    const body = await res.json();
    expect(body).toMatchObject({ error: 'bad_config', field: 'MAX_BODY_BYTES' });
    expect(body.message).toContain('1900000');
  });
});
