/**
 * `npm run screenshot:ops`: docs/ops.png, the Operations tab in headless
 * Chromium after a minute and a half of demo traffic at a changing rate,
 * with readers on both transports and a few subscribers that stopped
 * reading (the most-behind list).
 */
import { emitDemoEvent } from '../../src/demo.ts';
import { publish, sampleEvent, startGateway } from '../helpers/server.ts';
import { SseReader } from '../helpers/sse.ts';
import { StalledClient } from '../helpers/stalled.ts';
import { WsClient } from '../helpers/ws.ts';
import { launchBrowser } from './browser.ts';

const SECONDS = 90;
const node = await startGateway({ QUEUE_MAX_EVENTS: '100000', QUEUE_MAX_BYTES: '268435456' });
const browser = await launchBrowser();
const readers: { close(): void }[] = [];
const stalled: StalledClient[] = [];
try {
  for (let i = 0; i < 12; i++) readers.push(await SseReader.open(`${node.url}/api/events/stream?replay=0${i % 3 ? '' : '&min_severity=warning'}`));
  for (let i = 0; i < 8; i++) readers.push(await WsClient.open(`${node.url.replace('http', 'ws')}/ws/events?replay=0${i % 2 ? '&types=error,performance' : ''}`));
  for (const q of ['/api/events/stream?replay=0&types=cgrag,query_route', '/api/events/stream?replay=0&meta.component=router', '/ws/events?replay=0&min_severity=info']) {
    stalled.push(await StalledClient.open(node.url, q, q.startsWith('/ws')));
  }
  // Enough large events to fill the stalled sockets' kernel buffers, so their queues grow.
  const pad = 'x'.repeat(32 * 1024);
  for (let i = 0; i < 8; i++)
    await publish(
      node.url,
      Array.from({ length: 25 }, () => sampleEvent('cgrag', { pad, component: 'router' })),
    );
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 1360, height: 900 });
  await page.goto(`${node.url}/`);
  await page.locator('#tab-ops').waitFor({ state: 'visible' });
  await page.locator('#tab-ops').click();
  const start = Date.now();
  let q = 0;
  while (Date.now() - start < SECONDS * 1000) {
    const t = (Date.now() - start) / 1000;
    const perSecond = 30 + 25 * Math.sin(t / 9) + (t > 55 && t < 62 ? 60 : 0);
    for (let i = 0; i < perSecond / 10; i++) emitDemoEvent(node.gateway.emit, `q${q++ >> 2}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await page.waitForTimeout(1200);
  // Error toasts from the feed would cover the table.
  await page.evaluate(() => document.getElementById('toasts')?.replaceChildren());
  await page.screenshot({ path: 'docs/ops.png' });
  console.log('wrote docs/ops.png');
} finally {
  for (const r of readers) r.close();
  for (const s of stalled) s.destroy();
  await browser.close();
  await node.stop();
}
