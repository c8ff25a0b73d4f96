/**
 * The Operations tab in real headless Chromium against a real gateway (no
 * auth configured, so a loopback visitor is an admin): the tab appears, and
 * after publishes its charts' lines and numbers move; a subscriber that
 * stops reading shows up in the most-behind list with its transport and
 * filter; all under the page's strict CSP.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publish, sampleEvent, startGateway } from '../helpers/server.ts';
import { StalledClient } from '../helpers/stalled.ts';
import type { NodeServer } from '../../src/runtimes/node/server.ts';
import { eventually, launchBrowser, watchPage, type Browser } from './browser.ts';

let browser: Browser;
let gw: NodeServer;
beforeAll(async () => {
  browser = await launchBrowser();
  gw = await startGateway({ QUEUE_MAX_EVENTS: '100000', QUEUE_MAX_BYTES: '268435456', MAX_BODY_BYTES: '8388608' });
});
afterAll(async () => {
  await browser?.close();
  await gw?.stop();
});

const points = (page: Page, chart: string, severity: string) => page.locator(`#${chart} polyline[data-severity="${severity}"]`).getAttribute('points');
const peak = (pts: string | null) => Math.min(...(pts ?? '').split(' ').map((p) => Number(p.split(',')[1]))); // smallest y: the highest point

describe('the Operations tab', () => {
  it('draws published and delivered rates that move after publishes, and lists a stalled subscriber as most behind', async () => {
    const page = await browser.context.newPage();
    const problems = watchPage(page);
    await page.goto(`${gw.url}/`);
    await page.locator('#status[data-state="live"]').waitFor();
    await page.locator('#tab-ops').waitFor({ state: 'visible' });
    await page.locator('#tab-ops').click();
    await page.locator('#view-ops').waitFor({ state: 'visible' });
    expect(await page.locator('#view-live').isHidden()).toBe(true);
    await eventually(
      () => page.locator('#ops-subscribers').textContent(),
      (t) => t === '1',
      'the page itself counted as a subscriber',
    );
    const flatPublished = peak(await points(page, 'ops-published', 'error'));
    const flatDelivered = peak(await points(page, 'ops-delivered', 'error'));
    expect(await page.locator('#ops-laggards tbody tr').count()).toBe(0);

    for (let i = 0; i < 5; i++) expect((await publish(gw.url, [sampleEvent('error'), sampleEvent('error'), sampleEvent('cache', {}, 'info')])).status).toBe(202);
    // The current second is still filling; the lines move once it has passed (the view reads every second).
    await eventually(
      async () => peak(await points(page, 'ops-published', 'error')),
      (y) => y < flatPublished,
      'the published error line to rise',
      8000,
    );
    await eventually(
      async () => peak(await points(page, 'ops-delivered', 'error')),
      (y) => y < flatDelivered,
      'the delivered error line to rise',
      8000,
    );
    expect(await page.locator('#ops-published .ops-legend.ops-error').textContent()).toMatch(/^error \d+\/s$/);

    const stalled = await StalledClient.open(gw.url, '/api/events/stream?replay=0&types=cache&min_severity=info');
    const pad = 'x'.repeat(16 * 1024);
    for (let i = 0; i < 10; i++)
      expect(
        (
          await publish(
            gw.url,
            Array.from({ length: 50 }, () => sampleEvent('cache', { pad })),
          )
        ).status,
      ).toBe(202);
    const row = page.locator('#ops-laggards tbody tr').first();
    await row.waitFor({ timeout: 10_000 });
    await eventually(
      () => row.locator('td').allTextContents(),
      (cells) => cells[1] === 'sse' && cells[2] === 'types=cache&min_severity=info' && Number(cells[3]) > 0,
      'the stalled subscriber in the list',
      10_000,
    );
    expect(await page.locator('#ops-sse').textContent()).toBe('2');
    expect(await page.locator('.ops-none').isHidden()).toBe(true);

    stalled.destroy();
    await eventually(
      () => page.locator('#ops-laggards tbody tr').count(),
      (n) => n === 0,
      'the list to empty once it is gone',
      10_000,
    );
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);
});
