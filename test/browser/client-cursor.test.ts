/**
 * The cursor the browser client saves in a storage (issue 9, item 13): each
 * subscription keeps its own, keyed by the gateway's URL and the filter, so
 * a filtered client never resumes from another client's later cursor; a
 * saved cursor the gateway refuses is dropped with a `gap` (reason
 * `invalid`), and the client carries on instead of stopping. Real headless
 * Chromium, sessionStorage, both transports.
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

const BACKOFF = { initialMs: 300, maxMs: 1500 };

describe.each(['sse', 'ws'] as const)('saved cursor over %s', (transport) => {
  let gw: TestGateway;
  let page: Page;
  let problems: string[];
  const log = () => readLog(page);
  const until = (pred: (l: ClientLog) => boolean, what: string, ms = 5000) => eventually(log, pred, what, ms);
  const ids = async (events: unknown[]) => {
    const res = await publish(gw.url, events);
    expect(res.status).toBe(202);
    return res.body.ids as string[];
  };
  /** Starts a client with sessionStorage (and the default storage key) in the page, and waits until it is live. */
  const start = async (options: Record<string, unknown>) => {
    await startClient(page, { url: gw.url, transport, backoff: BACKOFF, useStorage: true, replay: 0, ...options });
    await until((l) => l.states.includes('live'), 'live');
  };
  const closeClient = () => page.evaluate(() => (window as any).client.close());

  afterEach(async () => {
    await page?.close();
    await gw?.stop();
    expect(problems).toEqual([]);
  });

  it('each filter resumes from its own cursor, not from another client\u2019s later one', async () => {
    gw = await new TestGateway().start();
    page = await browser.context.newPage();
    problems = watchPage(page);
    await openHarness(page, harness);

    await start({ filter: { types: ['error'] } });
    const [e1] = await ids([sampleEvent('error')]);
    await until((l) => l.events.length === 1, 'the first error');
    await closeClient();
    const [e2] = await ids([sampleEvent('error')]); // missed while no error client runs

    await start({ filter: { types: ['cache'] } });
    const [c1] = await ids([sampleEvent('cache')]);
    await until((l) => l.events.some((e) => e.id === c1), 'the cache event');
    await closeClient();

    await start({ filter: { types: ['error'] } });
    const l = await until((x) => x.events.length >= 1, 'the error missed while away');
    expect(l.events.map((e) => e.id)).toEqual([e2]);
    expect(l.events[0]!.replayed).toBe(true);
    expect(l.gaps).toEqual([]);
    expect(e1).not.toBe(e2);
  });

  it('a saved cursor the gateway refuses is dropped with a gap, and the client goes on', async () => {
    gw = await new TestGateway().start();
    page = await browser.context.newPage();
    problems = watchPage(page);
    await openHarness(page, harness);
    await start({});
    await ids([sampleEvent('cgrag')]);
    await until((l) => l.events.length === 1, 'one event (its cursor saved)');
    await closeClient();
    // Whatever the client saved is now junk, as a stale or tampered storage would hold.
    const keys = await page.evaluate(() => {
      const ks = Object.keys(sessionStorage);
      for (const k of ks) sessionStorage.setItem(k, 'not-a-cursor');
      return ks;
    });
    expect(keys.length).toBe(1);

    await startClient(page, { url: gw.url, transport, backoff: BACKOFF, useStorage: true, replay: 0 });
    const l = await until((x) => x.gaps.length === 1 && x.states.at(-1) === 'live', 'a gap, then live', 10_000);
    expect(l.gaps[0]).toMatchObject({ control: 'gap', requested: 'not-a-cursor', reason: 'invalid', resume_from: null });
    expect(l.states).not.toContain('closed');
    const [next] = await ids([sampleEvent('error')]);
    const after = await until((x) => x.events.some((e) => e.id === next), 'an event after the refused cursor');
    expect(after.events.map((e) => e.id)).toEqual([next]);
    expect(await page.evaluate(() => Object.values(sessionStorage))).toEqual([next]);
  });
});
