/**
 * The page's token, in real headless Chromium against a real gateway: a
 * `#token=` fragment is moved into sessionStorage and out of the address
 * bar, and the subscription carries it as `access_token`, on a reload too.
 * Against a gateway with a key, on both transports: the page asks for a
 * token, receives events once one (signed with jose) is pasted, asks again
 * when the gateway ends the stream at the token's exp, and after the next
 * token is pasted resumes from its cursor: the events published meanwhile
 * arrive, none twice. A reload uses the kept token without asking.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeServer } from '../../src/runtimes/node/server.ts';
import { publish, sampleEvent, startGateway } from '../helpers/server.ts';
import { hs256, SECRET } from '../helpers/tokens.ts';
import { eventually, launchBrowser, TestGateway, watchPage, type Browser } from './browser.ts';

let browser: Browser;
let gw: NodeServer;
beforeAll(async () => {
  browser = await launchBrowser();
  gw = await startGateway();
});
afterAll(async () => {
  await browser?.close();
  await gw?.stop();
});

describe('the page and its token', () => {
  it('takes #token= into sessionStorage, clears it from the address bar, and subscribes with access_token', async () => {
    const page = await browser.context.newPage();
    const streams: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/events/stream')) streams.push(r.url());
    });
    await page.goto(`${gw.url}/#token=page-token-7f3a91`);
    await eventually(
      () => streams.length,
      (n) => n > 0,
      'the stream request',
    );
    expect(new URL(streams[0]!).searchParams.get('access_token')).toBe('page-token-7f3a91');
    expect(await page.evaluate(() => location.hash)).toBe('');
    expect(await page.evaluate(() => sessionStorage.getItem('eventgate:token'))).toBe('page-token-7f3a91');
    streams.length = 0;
    await page.reload();
    await eventually(
      () => streams.length,
      (n) => n > 0,
      'the stream request after a reload',
    );
    expect(new URL(streams[0]!).searchParams.get('access_token')).toBe('page-token-7f3a91');
    await page.close();
  });
});

describe.each(['sse', 'ws'] as const)('the page against a gateway with a key, over %s', (transport) => {
  const PUBLISH_TOKEN = 'page-token-publish-0123';
  let keyed: TestGateway;
  beforeAll(async () => {
    keyed = await new TestGateway({ AUTH_JWT_SECRET: SECRET, PUBLISH_TOKEN, REPLAY_DEFAULT: '0' }).start();
  });
  afterAll(async () => {
    await keyed?.stop();
  });

  const publishIds = async (n: number): Promise<string[]> => {
    const res = await publish(
      keyed.url,
      Array.from({ length: n }, () => sampleEvent('cache')),
      { authorization: `Bearer ${PUBLISH_TOKEN}` },
    );
    expect(res.status).toBe(202);
    return res.body.ids;
  };
  const feedIds = (page: Page) => page.locator('#feed .row').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.id!));
  const waitFeed = (page: Page, ids: string[]) =>
    eventually(
      () => feedIds(page),
      (shown) => ids.every((id) => shown.includes(id)),
      `${ids.length} events in the feed`,
      8000,
    );
  async function paste(page: Page, token: string): Promise<void> {
    await page.locator('#token-input').fill(token);
    await page.locator('#token-prompt button[type=submit]').click();
    await page.locator('#token-prompt').waitFor({ state: 'detached' });
  }

  it('asks for a token, receives once one is pasted, asks again at exp and resumes from its cursor with the next: no loss, no duplicate', async () => {
    const page = await browser.context.newPage();
    const problems = watchPage(page);
    const streams: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/events/stream')) streams.push(r.url());
    });
    page.on('websocket', (ws) => streams.push(ws.url()));
    await page.goto(`${keyed.url}/?transport=${transport}`);
    await page.locator('#token-prompt').waitFor();
    expect(await page.locator('#token-reason').textContent()).toContain('no token');

    await paste(page, await hs256({ expIn: 4 }));
    await page.locator('#status[data-state=live]').waitFor();
    const first = await publishIds(3);
    await waitFeed(page, first);

    // At exp the gateway ends the stream; the page's token is the expired one, so the gateway refuses it: the page asks.
    await page.locator('#token-prompt').waitFor({ timeout: 8000 });
    expect(await page.locator('#token-reason').textContent()).toContain('token expired');
    const cursor = await page.locator('#cursor').textContent();
    expect(cursor).toBe(first.at(-1));
    const meanwhile = await publishIds(4);

    const next = await hs256({ expIn: 3600 });
    streams.length = 0;
    await paste(page, next);
    await waitFeed(page, meanwhile);
    const after = await publishIds(2);
    await waitFeed(page, after);
    expect(await feedIds(page)).toEqual([...first, ...meanwhile, ...after].reverse());
    // The page resumed from its cursor, with the new token (a browser can only send it as access_token).
    const resumed = new URL(streams.filter((u) => u.includes(transport === 'ws' ? '/ws/events' : '/api/events/stream')).at(-1)!);
    expect(resumed.searchParams.get('last_event_id')).toBe(cursor);
    expect(resumed.searchParams.get('access_token')).toBe(next);
    expect(await page.evaluate(() => sessionStorage.getItem('eventgate:token'))).toBe(next);

    // A reload uses the kept token: no prompt.
    await page.reload();
    await page.locator('#status[data-state=live]').waitFor();
    expect(await page.locator('#token-prompt').count()).toBe(0);
    const later = await publishIds(2);
    await waitFeed(page, later);
    expect(await feedIds(page)).toEqual([...later].reverse());
    expect(problems).toEqual([]);
    await page.close();
  }, 40_000);
});
