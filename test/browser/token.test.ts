/**
 * The page's token, in real headless Chromium against a real gateway: a
 * `#token=` fragment is moved into sessionStorage and out of the address
 * bar, and the subscription carries it as `access_token`, on a reload too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeServer } from '../../src/runtimes/node/server.ts';
import { startGateway } from '../helpers/server.ts';
import { eventually, launchBrowser, type Browser } from './browser.ts';

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
