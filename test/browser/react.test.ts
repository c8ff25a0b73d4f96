/**
 * eventgate/react in real headless Chromium with React 19 (its development
 * build, so StrictMode really mounts twice), against a real gateway. The
 * page is built here with esbuild from test/browser/react-page.ts and the
 * README's Dashboard, taken from the README as written. Connections are
 * counted at the gateway (/api/events/stats), never in the page.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import * as esbuild from 'esbuild';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EventsOptions } from '../../src/react/index.ts';
import { readmeDashboard } from '../helpers/readme.ts';
import { publish, sampleEvent } from '../helpers/server.ts';
import { eventually, launchBrowser, TestGateway, watchPage, type Browser } from './browser.ts';
import type { FeedView, PageConfig } from './react-page.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** The page's script: react-page.ts and the README's Dashboard, with React's development build. */
async function buildPage(): Promise<string> {
  const dashboard = readmeDashboard();
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    stdin: {
      contents: `import { Dashboard } from 'readme:dashboard';\nimport { startPage } from './test/browser/react-page.ts';\nstartPage(Dashboard);\n`,
      resolveDir: ROOT,
      loader: 'ts',
      sourcefile: 'react-test-entry.ts',
    },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2023',
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"development"' },
    logLevel: 'warning',
    plugins: [
      {
        name: 'readme-and-package',
        setup(build) {
          build.onResolve({ filter: /^readme:dashboard$/ }, () => ({ path: 'README.md#Dashboard.tsx', namespace: 'readme' }));
          build.onLoad({ filter: /.*/, namespace: 'readme' }, () => ({ contents: dashboard, loader: 'tsx', resolveDir: ROOT }));
          // The README imports the package by name; here that is the source the page imports too (one registry).
          build.onResolve({ filter: /^eventgate\/react$/ }, () => ({ path: path.join(ROOT, 'src/react/index.ts') }));
        },
      },
    ],
  });
  return result.outputFiles[0]!.text;
}

let browser: Browser;
let server: Server;
let pageUrl: string;
beforeAll(async () => {
  const script = await buildPage();
  const html = '<!doctype html><meta charset="utf-8"><title>react</title><div id="root"></div><script type="module" src="/app.js"></script>';
  server = createServer((req, res) => {
    if (req.url === '/') return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    if (req.url === '/app.js') return res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(script);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  pageUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

let gw: TestGateway | undefined;
let page: Page | undefined;
let problems: string[] = [];
afterEach(async () => {
  await page?.close();
  await gw?.stop();
  page = undefined;
  gw = undefined;
  expect(problems).toEqual([]);
});

async function openPage(config: PageConfig): Promise<Page> {
  page = await browser.context.newPage();
  problems = watchPage(page);
  await page.goto(pageUrl);
  await page.waitForFunction(() => (window as any).pageReady === true);
  await render(config);
  return page;
}
const render = (config: PageConfig) => page!.evaluate((c) => (window as any).render(c), config);
const views = (): Promise<Record<string, FeedView>> => page!.evaluate(() => (window as any).views);
const toasts = (): Promise<Record<string, { id: string; type: string; replayed: boolean }[]>> => page!.evaluate(() => (window as any).toasts);
const untilViews = (pred: (v: Record<string, FeedView>) => boolean, what: string, ms?: number) => eventually(views, pred, what, ms);

interface Stats {
  active_subscribers: number;
  active_by_transport: { sse: number; ws: number };
  totals: { subscribers_total: number };
}
/** What the gateway counts: connections open now, and opened since it started. */
const stats = async (): Promise<Stats> => (await (await fetch(`${gw!.url}/api/events/stats`)).json()) as Stats;

async function publishIds(events: unknown[]): Promise<string[]> {
  const res = await publish(gw!.url, events);
  expect(res.status).toBe(202);
  return res.body.ids;
}

describe('the README dashboard', () => {
  it('in StrictMode: one connection for its two hooks; receives, toasts, filters in place, and shows the gap after a gateway restart', async () => {
    gw = await new TestGateway().start();
    const p = await openPage({ strict: true, dashboard: { url: gw.url } });
    const status = () => p.locator('p').first().textContent();
    const items = () => p.locator('li').allTextContents();
    const toast = () =>
      p
        .locator('[role=status]')
        .textContent({ timeout: 1000 })
        .catch(() => null);
    await eventually(status, (t) => t?.startsWith('live') === true, 'the dashboard live');
    expect(await stats()).toMatchObject({ active_subscribers: 1, active_by_transport: { ws: 1 }, totals: { subscribers_total: 1 } });

    const [cache, cgrag, error] = await publishIds([sampleEvent('cache'), sampleEvent('cgrag'), sampleEvent('error')]);
    const shown = await eventually(items, (l) => l.length === 3, 'three events listed');
    // Newest first, as the example renders them.
    expect(shown).toEqual([expect.stringMatching(/^error error: error event \d+$/), expect.stringMatching(/^info cgrag: /), expect.stringMatching(/^info cache: /)]);
    expect(await eventually(toast, (t) => t !== null, 'a toast')).toBe(shown[0]!.replace('error error: ', ''));
    expect(await status()).toContain(`last cursor ${error}`);

    // Errors only: the same connection (a WebSocket filter op), and the list keeps the error alone.
    await p.selectOption('select', 'error');
    await eventually(items, (l) => l.length === 1 && l[0]!.startsWith('error error:'), 'only the error left');
    const [, error2] = await publishIds([sampleEvent('cache'), sampleEvent('error')]);
    await eventually(items, (l) => l.length === 2, 'the new error listed');
    expect(await stats()).toMatchObject({ active_subscribers: 1, totals: { subscribers_total: 1 } });
    expect(await status()).toContain(`last cursor ${error2}`);
    expect([cache, cgrag]).not.toContain(error2);

    // A new run of the gateway: the cursor is from another epoch, so a gap notice, then live again.
    await gw.restart();
    const alert = await eventually(
      () => p.locator('[role=alert]').allTextContents(),
      (l) => l.length === 1,
      'a gap notice',
      15_000,
    );
    expect(alert[0]).toMatch(/\S/);
    await eventually(status, (t) => t?.startsWith('live') === true, 'live again', 15_000);
    const [error3] = await publishIds([sampleEvent('error', { error_message: 'after the restart' })]);
    await eventually(items, (l) => l.length === 3, 'an event from the new run');
    expect(await toast()).toBe((await items())[0]!.replace('error error: ', ''));
    expect(await status()).toContain(`last cursor ${error3}`);
    expect(await stats()).toMatchObject({ active_subscribers: 1 });
  }, 60_000);
});

describe.each(['sse', 'ws'] as const)('hooks over %s', (transport) => {
  it('in StrictMode, two feeds and a toast with the same options open exactly one connection; it closes after the last unmounts', async () => {
    gw = await new TestGateway().start();
    const [old1, old2] = await publishIds([sampleEvent('error'), sampleEvent('error')]);
    const options = (filter: EventsOptions['filter']): EventsOptions => ({ url: gw!.url, transport, filter });
    const config: PageConfig = {
      strict: true,
      feeds: [
        { name: 'a', options: options({ types: ['error', 'cache'] }) },
        { name: 'b', options: options({ types: ['cache', 'error'] }) }, // the same filter, spelled otherwise
      ],
      toasts: [{ name: 't', type: 'error', options: options({ types: ['cache', 'error', 'cache'] }) }],
    };
    await openPage(config);
    await untilViews((v) => v.a?.state === 'live' && v.b?.state === 'live', 'both feeds live');
    // StrictMode really ran every mount effect twice; the gateway still saw one connection, ever.
    expect(await page!.evaluate(() => (window as any).mountEffects)).toBe(6);
    expect(await stats()).toMatchObject({ active_subscribers: 1, totals: { subscribers_total: 1 } });

    const [error, , cache] = await publishIds([sampleEvent('error'), sampleEvent('cgrag'), sampleEvent('cache')]);
    const v = await untilViews((x) => x.a!.ids.length === 4 && x.b!.ids.length === 4, 'the events in both feeds');
    expect(v.a!.ids).toEqual([old1, old2, error, cache]);
    expect(v.b!.ids).toEqual(v.a!.ids);
    const t = await eventually(toasts, (x) => x.t?.length === 3, 'the toasts');
    expect(t.t).toEqual([
      { id: old1, type: 'error', replayed: true },
      { id: old2, type: 'error', replayed: true },
      { id: error, type: 'error', replayed: false },
    ]);

    await render({ ...config, feeds: config.feeds!.slice(1) });
    await new Promise((r) => setTimeout(r, 1500));
    expect(await stats()).toMatchObject({ active_subscribers: 1, totals: { subscribers_total: 1 } });
    await page!.evaluate(() => (window as any).unmount());
    await eventually(stats, (s) => s.active_subscribers === 0, 'the connection closed after the last user unmounted');
  });

  it(`a new filter takes the same connection (${transport === 'ws' ? 'in place' : 'from its cursor'}), loses nothing, and the feed keeps what passes it`, async () => {
    gw = await new TestGateway().start();
    const options = (types: string[]): EventsOptions => ({ url: gw!.url, transport, replay: 0, filter: { types } });
    await openPage({ feeds: [{ name: 'f', options: options(['cache', 'error', 'cgrag']) }] });
    await untilViews((v) => v.f?.state === 'live', 'live');
    const [, error, cgrag] = await publishIds([sampleEvent('cache'), sampleEvent('error'), sampleEvent('cgrag')]);
    await untilViews((v) => v.f!.ids.length === 3, 'three events');

    await render({ feeds: [{ name: 'f', options: options(['error', 'cgrag']) }] });
    await untilViews((v) => v.f!.ids.length === 2, 'the cache event dropped from the feed');
    expect((await views()).f!.ids).toEqual([error, cgrag]);
    const [, error2] = await publishIds([sampleEvent('cache'), sampleEvent('error')]);
    const v = await untilViews((x) => x.f!.ids.length === 3, 'the next error');
    expect(v.f!.ids).toEqual([error, cgrag, error2]);
    expect(v.f!.gaps).toEqual([]);
    // A WebSocket changes its filter in place; SSE reconnects, from its cursor.
    expect(await stats()).toMatchObject({ active_subscribers: 1, totals: { subscribers_total: transport === 'ws' ? 1 : 2 } });
  });

  it('a refused filter is reported in `error`', async () => {
    gw = await new TestGateway().start();
    await openPage({ feeds: [{ name: 'f', options: { url: gw.url, transport, filter: { types: ['no_such_type'] } } }] });
    const v = await untilViews((x) => x.f?.error !== null && x.f?.error !== undefined, 'an error');
    expect(v.f!.error).toMatchObject({ field: 'types' });
    if (transport === 'sse') await untilViews((x) => x.f!.state === 'closed', 'closed: a refusal cannot be retried as is');
  });
});

describe('hooks over ws', () => {
  it('a feed that shares its connection moves to a connection of its own when its filter changes; the other keeps its events', async () => {
    gw = await new TestGateway().start();
    const options = (types: string[]): EventsOptions => ({ url: gw!.url, transport: 'ws', replay: 0, filter: { types } });
    const both = options(['cache', 'error']);
    await openPage({
      feeds: [
        { name: 'a', options: both },
        { name: 'b', options: both },
      ],
    });
    await untilViews((v) => v.a?.state === 'live' && v.b?.state === 'live', 'live');
    const [cache, error] = await publishIds([sampleEvent('cache'), sampleEvent('error')]);
    await untilViews((v) => v.a!.ids.length === 2 && v.b!.ids.length === 2, 'two events each');

    await render({
      feeds: [
        { name: 'a', options: both },
        { name: 'b', options: options(['error']) },
      ],
    });
    await untilViews((v) => v.b!.state === 'live' && v.b!.ids.length === 0, 'b on a connection of its own');
    const [cache2, error2] = await publishIds([sampleEvent('cache'), sampleEvent('error')]);
    const v = await untilViews((x) => x.a!.ids.length === 4 && x.b!.ids.length === 1, 'each feed with its own filter');
    expect(v.a!.ids).toEqual([cache, error, cache2, error2]);
    expect(v.b!.ids).toEqual([error2]);
    expect(await stats()).toMatchObject({ active_subscribers: 2, totals: { subscribers_total: 2 } });
  });

  it('keeps the newest `limit` events of each feed in frozen arrays, and renders a few times, not once per event, under a burst', async () => {
    gw = await new TestGateway().start();
    const options = (limit: number): EventsOptions => ({ url: gw!.url, transport: 'ws', replay: 0, limit });
    await openPage({
      feeds: [
        { name: 'big', options: options(50) },
        { name: 'small', options: options(10) },
      ],
    });
    await untilViews((v) => v.big?.state === 'live' && v.small?.state === 'live', 'live');
    expect(await stats()).toMatchObject({ active_subscribers: 1 }); // the limit is the feed's, not the connection's
    const before = (await views()).big!.commits;
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) ids.push(...(await publishIds(Array.from({ length: 1000 }, () => sampleEvent('cache')))));
    const v = await untilViews((x) => x.big!.cursor === ids.at(-1) && x.small!.cursor === ids.at(-1), 'the last event', 15_000);
    expect(v.big!.ids).toEqual(ids.slice(-50));
    expect(v.small!.ids).toEqual(ids.slice(-10));
    expect(v.big!.immutable && v.small!.immutable).toBe(true);
    const commits = v.big!.commits - before;
    expect(commits).toBeGreaterThan(0);
    expect(commits).toBeLessThan(100); // 2000 events: one snapshot per frame, not per event
  });
});
