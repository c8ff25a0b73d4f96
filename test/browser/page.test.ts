/**
 * The live event page (GET /) in real headless Chromium against a real
 * gateway: it loads under its strict CSP, shows published events within a
 * second, filters by type, severity and text, pauses, raises a toast for an
 * error event, shows details and the replayed history, renders hostile text
 * as text, stays bounded with thousands of events, and after a restart of
 * the gateway (a new epoch) shows the gap notice and continues.
 */
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { publish, sampleEvent } from '../helpers/server.ts';
import { eventually, launchBrowser, TestGateway, watchPage, type Browser } from './browser.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

let gw: TestGateway;
let page: Page;
let problems: string[];

afterEach(async () => {
  await page?.close();
  await gw?.stop();
  expect(problems).toEqual([]);
});

async function open(query = ''): Promise<void> {
  page = await browser.context.newPage();
  problems = watchPage(page);
  const res = await page.goto(`${gw.url}/${query}`);
  expect(res?.status()).toBe(200);
  await waitText('#status', 'live');
}

async function waitText(selector: string, text: string, ms = 5000): Promise<void> {
  await page.locator(selector).filter({ hasText: text }).first().waitFor({ state: 'visible', timeout: ms });
}

const rows = (sel = '') => page.locator(`#feed .row${sel}`);
const ids = (sel = '') => rows(sel).evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.id));

async function publishOk(events: unknown[]): Promise<string[]> {
  const res = await publish(gw.url, events);
  expect(res.status).toBe(202);
  return res.body.ids;
}

describe('the page', () => {
  it('loads under a strict CSP, shows published events newest first within a second, with status and cursor', async () => {
    gw = await new TestGateway().start();
    const head = await fetch(`${gw.url}/`);
    expect(head.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(head.headers.get('content-type')).toContain('text/html');
    await open();
    const sent = await publishOk([sampleEvent('cgrag'), sampleEvent('cache'), sampleEvent('performance')]);
    // What a user sees: the events, within a second of being published.
    await rows(`[data-id="${sent[2]}"]`).waitFor({ timeout: 1000 });
    expect(await ids()).toEqual([...sent].reverse());
    await waitText('#cursor', sent[2]!);
    await waitText('#counts', '3 received');
    expect(await page.locator('#status').getAttribute('data-state')).toBe('live');
  });

  it('type and severity toggles and the search filter the feed, and switching back shows the events again', async () => {
    gw = await new TestGateway().start();
    await open();
    const [cg, ca, warn, err] = await publishOk([
      sampleEvent('cgrag', {}, 'info'),
      sampleEvent('cache', {}, 'info'),
      { ...sampleEvent('performance', {}, 'warning'), message: 'latency above threshold' },
      sampleEvent('error'),
    ]);
    await rows(`[data-id="${err}"]`).waitFor();
    await page.locator('.chip-type[data-value="cache"] input').uncheck();
    await eventually(
      () => ids(),
      (x) => !x.includes(ca),
      'cache hidden',
    );
    expect(await ids()).toEqual([err, warn, cg]);
    await page.locator('.chip-severity[data-value="warning"] input').uncheck();
    await eventually(
      () => ids(),
      (x) => x.length === 2,
      'warning hidden',
    );
    expect(await ids()).toEqual([err, cg]);
    // New events follow the toggles too.
    const [ca2, cg2] = await publishOk([sampleEvent('cache'), sampleEvent('cgrag')]);
    await rows(`[data-id="${cg2}"]`).waitFor();
    expect(await ids()).toEqual([cg2, err, cg]);
    await page.locator('.chip-type[data-value="cache"] input').check();
    await page.locator('.chip-severity[data-value="warning"] input').check();
    await eventually(
      () => ids(),
      (x) => x.length === 6,
      'all back',
    );
    expect(await ids()).toEqual([cg2, ca2, err, warn, ca, cg]);
    await page.locator('#search').fill('LATENCY above');
    await eventually(
      () => ids(),
      (x) => x.length === 1,
      'search',
    );
    expect(await ids()).toEqual([warn]);
  });

  it('an error event raises a toast; clicking it shows the metadata', async () => {
    gw = await new TestGateway().start();
    await open();
    const [id] = await publishOk([sampleEvent('error', { error_type: 'ModelCrash', component: 'gpu-0', error_message: 'CUDA out of memory' })]);
    const t = page.locator(`.toast[data-id="${id}"]`);
    await t.waitFor({ timeout: 2000 });
    expect(await t.textContent()).toContain('ModelCrash in gpu-0');
    await t.click();
    await page.locator('#details').waitFor();
    expect(await page.locator('#details').getAttribute('data-id')).toBe(id);
    const meta = await page.locator('#details-meta').textContent();
    expect(meta).toContain('error_message');
    expect(meta).toContain('CUDA out of memory');
    // Non-error events raise none; clicking a row shows its details.
    const [cg] = await publishOk([sampleEvent('cgrag', { chunks_retrieved: 42 })]);
    await rows(`[data-id="${cg}"]`).click();
    await eventually(
      () => page.locator('#details').getAttribute('data-id'),
      (x) => x === cg,
      'details of the row',
    );
    expect(await page.locator('#details-meta').textContent()).toContain('42');
    expect(await page.locator('.toast').count()).toBe(0); // the clicked one closed; the cgrag event raised none
  });

  it('renders hostile event text as text', async () => {
    gw = await new TestGateway().start();
    await open();
    const evil = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>';
    const [id] = await publishOk([{ ...sampleEvent('error', { error_type: evil, component: '<b>x</b>' }), message: evil }]);
    await rows(`[data-id="${id}"]`).waitFor();
    expect(await rows(`[data-id="${id}"] .msg`).textContent()).toBe(evil);
    await page.locator(`.toast[data-id="${id}"]`).click();
    await page.locator('#details').waitFor();
    expect(await page.locator('img, b, #feed script, #toasts script').count()).toBe(0);
    expect(await page.evaluate(() => (window as any).pwned)).toBeUndefined();
  });

  it('pause holds the feed while events keep arriving and are counted; resume shows them', async () => {
    gw = await new TestGateway().start();
    await open();
    const [first] = await publishOk([sampleEvent('cgrag')]);
    await rows(`[data-id="${first}"]`).waitFor();
    await page.locator('#pause').click();
    const more = await publishOk([sampleEvent('cache'), sampleEvent('cgrag'), sampleEvent('performance')]);
    await waitText('#pause', 'Resume (3 new)');
    await waitText('#cursor', more[2]!);
    expect(await ids()).toEqual([first]);
    await page.locator('#pause').click();
    await eventually(
      () => ids(),
      (x) => x.length === 4,
      'resumed',
    );
    expect(await ids()).toEqual([...more].reverse().concat(first!));
  });

  it('the history view shows what the gateway replayed', async () => {
    gw = await new TestGateway().start();
    const old = await publishOk([sampleEvent('cgrag'), sampleEvent('cache'), sampleEvent('model_state')]);
    await open();
    await waitText('#history-count', '3');
    expect(await ids()).toEqual([...old].reverse());
    expect(await rows('.replayed').count()).toBe(3);
    await page.locator('#tab-history').click();
    await waitText('#history-log', 'replayed 3 events');
    const hist = await page.locator('#history .row').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.id));
    expect(hist).toEqual([...old].reverse());
    const [live] = await publishOk([sampleEvent('error')]);
    await page.locator('#tab-live').click();
    await rows(`[data-id="${live}"]`).waitFor();
    expect(await page.locator('#history .row').count()).toBe(3);
  });

  it('stays bounded with thousands of events', async () => {
    gw = await new TestGateway({ QUEUE_MAX_EVENTS: '20000' }).start();
    await open();
    let last = '';
    for (let i = 0; i < 4; i++) {
      const batch = Array.from({ length: 1000 }, (_, j) => sampleEvent(['cgrag', 'cache', 'performance', 'query_route'][j % 4]!));
      last = (await publishOk(batch)).at(-1)!;
    }
    await waitText('#counts', '4000 received', 15_000);
    await rows(`[data-id="${last}"]`).waitFor();
    expect(await rows().count()).toBe(500);
    expect(await rows().first().getAttribute('data-id')).toBe(last);
  });
});

describe.each(['sse', 'ws'] as const)('the page over %s', (transport) => {
  it('after the gateway restarts (a new epoch), reconnects, shows the gap notice and continues', async () => {
    gw = await new TestGateway().start();
    await open(`?transport=${transport}`);
    expect(await page.locator('#transport').inputValue()).toBe(transport);
    const [before] = await publishOk([sampleEvent('cgrag')]);
    await rows(`[data-id="${before}"]`).waitFor();
    await gw.restart();
    await page.locator('.notice[data-kind="gap"]').waitFor({ timeout: 15_000 });
    expect(await page.locator('.notice[data-kind="gap"]').textContent()).toContain('restarted');
    await waitText('#status', 'live', 15_000);
    const [after] = await publishOk([sampleEvent('error')]);
    await rows(`[data-id="${after}"]`).waitFor({ timeout: 2000 });
    expect(await ids()).toEqual([after, before]);
    await page.locator('#tab-history').click();
    await waitText('#history-log', 'gap');
  });
});
