/**
 * One subscription shared by the tabs of an origin (SharedEventgateClient),
 * in real headless Chromium: two tabs, one connection at the gateway, both
 * tabs get every event; when the leading tab closes, the other takes over
 * from the last cursor, with no duplicate and no gap.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publish, sampleEvent } from '../helpers/server.ts';
import { eventually, launchBrowser, TestGateway, watchPage, type Browser } from './browser.ts';
import { openHarness, readLog, startClient, startHarnessServer, type HarnessServer } from './client-harness.ts';

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

const subscribers = async (gw: TestGateway) => ((await (await fetch(`${gw.url}/api/events/stats`)).json()) as any).active_subscribers as number;
const isLeader = (p: Page) => p.evaluate(() => (window as any).client.leader as boolean);

describe.each(['sse', 'ws'] as const)('tabs sharing one subscription over %s', (transport) => {
  it('one connection for two tabs; when the leading tab closes, the other takes over with no duplicate and no gap', async () => {
    const gw = await new TestGateway().start();
    const name = `share-${transport}`;
    const tabs: Page[] = [];
    const problems: string[][] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const p = await browser.context.newPage();
        problems.push(watchPage(p));
        await openHarness(p, harness);
        await startClient(p, { shared: true, name, url: gw.url, transport, backoff: { initialMs: 300, maxMs: 1500 } });
        tabs.push(p);
        await eventually(
          () => readLog(p),
          (l) => l.states.includes('live'),
          `tab ${i} live`,
        );
      }
      const [a, b] = tabs as [Page, Page];
      expect(await isLeader(a)).toBe(true);
      expect(await isLeader(b)).toBe(false);
      expect(await subscribers(gw)).toBe(1);

      const first = await publishIds(gw.url, [sampleEvent('cgrag'), sampleEvent('error')]);
      for (const p of tabs)
        await eventually(
          () => readLog(p),
          (l) => l.events.length === 2,
          'both tabs get the events',
        );
      expect((await readLog(b)).events.map((e) => e.id)).toEqual(first);
      expect((await readLog(b)).cgrag.length).toBe(1);

      // The filter is shared: set from the following tab, applied by the leading one.
      await b.evaluate(() => (window as any).client.setFilter({ types: ['cgrag', 'error', 'cache', 'performance', 'query_route'] }));
      const [, cg] = await publishIds(gw.url, [sampleEvent('model_state'), sampleEvent('cgrag')]);
      for (const p of tabs)
        await eventually(
          () => readLog(p),
          (l) => l.events.length === 3,
          'both tabs get the cgrag event only',
        );
      expect((await readLog(a)).events.map((e) => e.id)).toEqual([...first, cg]);

      await a.close();
      const during = await publishIds(gw.url, [sampleEvent('cache'), sampleEvent('model_state'), sampleEvent('performance')]);
      await eventually(
        () => isLeader(b),
        (x) => x,
        'the other tab leads',
      );
      const after = await publishIds(gw.url, [sampleEvent('query_route')]);
      const l = await eventually(
        () => readLog(b),
        (x) => x.events.length >= 6,
        'every event in the remaining tab',
        10_000,
      );
      // The new leader resumed from the last relayed cursor, with the shared filter.
      expect(l.events.map((e) => e.id)).toEqual([...first, cg, during[0], during[2], ...after]);
      expect(l.gaps).toEqual([]);
      await eventually(
        () => subscribers(gw),
        (n) => n === 1,
        'one connection again',
      );
      for (const p of problems) expect(p).toEqual([]);
    } finally {
      for (const p of tabs) if (!p.isClosed()) await p.close();
      await gw.stop();
    }
  });
});
