/**
 * The browser client alone, in a bare test page, in real headless Chromium,
 * on both transports: typed handlers, filters (changed in place on a
 * WebSocket), resume with no duplicate and no gap after the connection
 * drops, after an overflow and after a page reload (cursor from storage),
 * and a gap notice after the gateway restarts.
 */
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { publish, sampleEvent } from '../helpers/server.ts';
import { eventually, launchBrowser, TestGateway, watchPage, type Browser } from './browser.ts';
import { openHarness, readLog, startClient, startHarnessServer, type ClientLog, type HarnessServer } from './client-harness.ts';

let browser: Browser;
let harness: HarnessServer;
beforeAll(async () => {
  browser = await launchBrowser();
  harness = await startHarnessServer();
});
afterAll(async () => {
  await browser?.close();
  await harness?.close();
});

async function publishIds(base: string, events: unknown[]): Promise<string[]> {
  const res = await publish(base, events);
  expect(res.status).toBe(202);
  return res.body.ids;
}

const BACKOFF = { initialMs: 300, maxMs: 1500 };

describe.each(['sse', 'ws'] as const)('client over %s', (transport) => {
  let gw: TestGateway;
  let page: Page;
  let problems: string[];
  const log = () => readLog(page);
  const until = (pred: (l: ClientLog) => boolean, what: string, ms = 5000) => eventually(log, pred, what, ms);

  async function open(options: Record<string, unknown> = {}): Promise<void> {
    page = await browser.context.newPage();
    problems = watchPage(page);
    await openHarness(page, harness);
    await startClient(page, { url: gw.url, transport, backoff: BACKOFF, ...options });
    await until((l) => l.states.includes('live'), 'live');
  }

  afterEach(async () => {
    await page?.close();
    await gw?.stop();
    expect(problems).toEqual([]);
  });

  it('delivers events to typed handlers, and a new filter applies (in place on a WebSocket)', async () => {
    gw = await new TestGateway().start();
    await open({ filter: { types: ['cgrag', 'error'] } });
    const ids = await publishIds(gw.url, [sampleEvent('cgrag', { chunks_retrieved: 7 }), sampleEvent('cache'), sampleEvent('error')]);
    let l = await until((x) => x.events.length >= 2, 'two events');
    expect(l.events.map((e) => e.id)).toEqual([ids[0], ids[2]]);
    expect(l.events.every((e) => !e.replayed)).toBe(true);
    expect(l.cgrag).toEqual([7]);

    await page.evaluate(() => (window as any).client.setFilter({ types: ['cache'], min_severity: 'info' }));
    const [cacheId] = await publishIds(gw.url, [sampleEvent('cgrag'), sampleEvent('cache')]).then((x) => [x[1]]);
    l = await until((x) => x.events.some((e) => e.id === cacheId), 'the cache event after the filter change');
    expect(l.events.map((e) => e.type)).toEqual(['cgrag', 'error', 'cache']);
    // On a WebSocket the filter changed without a new connection; SSE reconnects from its cursor.
    expect(l.states.filter((s) => s === 'connecting').length).toBe(transport === 'ws' ? 1 : 2);
    expect(l.gaps).toEqual([]);
  });

  it('a refused filter is reported and the previous one stays', async () => {
    gw = await new TestGateway().start();
    await open({ filter: { types: ['error'] } });
    const err = await page.evaluate(() =>
      (window as any).client.setFilter({ types: ['nope'] }).then(
        () => 'accepted',
        (e: any) => ({ field: e.field, message: e.message }),
      ),
    );
    expect(err).toMatchObject({ field: 'types' });
    expect(await page.evaluate(() => (window as any).client.filter)).toEqual({ types: ['error'] });
    await until((l) => l.states.at(-1) === 'live', 'live again');
    const [id] = await publishIds(gw.url, [sampleEvent('error')]);
    await until((l) => l.events.some((e) => e.id === id), 'an event under the previous filter');
  });

  it('resumes after the connection drops, with no duplicate and no gap', async () => {
    gw = await new TestGateway().start();
    await open({ backoff: { initialMs: 1500, maxMs: 3000 } });
    const before = await publishIds(gw.url, [sampleEvent('cgrag'), sampleEvent('cache'), sampleEvent('error')]);
    await until((l) => l.events.length === 3, 'three events');
    expect(gw.cutConnections()).toBeGreaterThan(0);
    await until((l) => l.states.at(-1) === 'reconnecting', 'reconnecting');
    // Published while the client is away: it must get them by replay, once each.
    const during = await publishIds(gw.url, [sampleEvent('query_route'), sampleEvent('performance'), sampleEvent('model_state')]);
    const l = await until((x) => x.events.length >= 6 && x.states.at(-1) === 'live', 'the missed events', 10_000);
    const after = await publishIds(gw.url, [sampleEvent('cgrag')]);
    const final = await until((x) => x.events.length >= 7, 'a live event after resuming');
    expect(final.events.map((e) => e.id)).toEqual([...before, ...during, ...after]);
    expect(l.events.slice(3).every((e) => e.replayed)).toBe(true);
    expect(final.events.at(-1)!.replayed).toBe(false);
    expect(final.gaps).toEqual([]);
  });

  it('resumes after the gateway closes it as a slow consumer (overflow), with no duplicate and no gap', async () => {
    gw = await new TestGateway().start();
    await open();
    const before = await publishIds(gw.url, [sampleEvent('cgrag'), sampleEvent('cache')]);
    await until((l) => l.events.length === 2, 'two events');
    // The gateway's own overflow path (SSE: `overflow` event then close; WS: close 1013).
    for (const s of [...gw.node.gateway.bus.subscribers()]) {
      s.end('overflow', { control: 'overflow', queued_events: 0, queued_bytes: 0, last_event_id: before[1]!, message: 'test: slow consumer' });
    }
    const during = await publishIds(gw.url, [sampleEvent('error'), sampleEvent('performance')]);
    const l = await until((x) => x.events.length >= 4 && x.states.filter((s) => s === 'live').length >= 2, 'resumed after overflow', 10_000);
    expect(l.events.map((e) => e.id)).toEqual([...before, ...during]);
    if (transport === 'sse') expect(l.overflows.length).toBe(1);
    expect(l.gaps).toEqual([]);
  });

  it('resumes from the cursor saved in storage after a page reload', async () => {
    gw = await new TestGateway().start();
    await open({ useStorage: true, storageKey: `cursor-${transport}` });
    const before = await publishIds(gw.url, [sampleEvent('cgrag'), sampleEvent('cache')]);
    await until((l) => l.events.length === 2, 'two events');
    await page.reload();
    await page.waitForFunction(() => (window as any).harnessLoaded === true);
    const during = await publishIds(gw.url, [sampleEvent('error'), sampleEvent('performance')]);
    await startClient(page, { url: gw.url, transport, backoff: BACKOFF, useStorage: true, storageKey: `cursor-${transport}` });
    const l = await until((x) => x.events.length >= 2 && x.states.includes('live'), 'the events published during the reload');
    expect(l.events.map((e) => e.id)).toEqual(during);
    expect(l.events.every((e) => e.replayed)).toBe(true);
    expect(l.gaps).toEqual([]);
    expect(before).not.toContain(l.events[0]!.id);
  });

  it('after the gateway restarts (a new epoch), reports the gap and continues', async () => {
    gw = await new TestGateway().start();
    await open();
    const [first] = await publishIds(gw.url, [sampleEvent('cgrag')]);
    await until((l) => l.events.length === 1, 'one event');
    await gw.restart();
    const l = await until((x) => x.gaps.length === 1 && x.states.at(-1) === 'live', 'a gap after the restart', 15_000);
    expect(l.gaps[0]).toMatchObject({ reason: 'unknown_epoch', requested: first });
    if (transport === 'sse') expect(l.shutdowns.length).toBe(1);
    const [next] = await publishIds(gw.url, [sampleEvent('error')]);
    const final = await until((x) => x.events.some((e) => e.id === next), 'an event from the new run');
    expect(final.events.map((e) => e.id)).toEqual([first, next]);
    expect(next!.split('-')[0]).not.toBe(first!.split('-')[0]);
  });
});
