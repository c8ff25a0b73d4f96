/**
 * The browser client's token in real headless Chromium against a gateway
 * with a key, on both transports: the token function asks the page's own
 * server for a 3 s token (a fetch, so it returns a Promise), and the client
 * refreshes before exp, on a WebSocket in place (`{"op":"auth"}`: the
 * gateway counts no new subscription) and on SSE by reconnecting from its
 * cursor, while events are published throughout: each arrives once, in
 * order. In a browser the token can only travel as `access_token`.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pump } from '../helpers/pump.ts';
import { SECRET } from '../helpers/tokens.ts';
import { eventually, launchBrowser, TestGateway, watchPage, type Browser } from './browser.ts';
import { type ClientLog, openHarness, readLog, startClient, startHarnessServer, type HarnessServer } from './client-harness.ts';

const PUBLISH_TOKEN = 'client-token-publish-0123';
const ADMIN_TOKEN = 'client-token-admin-0123456789';

let browser: Browser;
let harness: HarnessServer;
let gw: TestGateway;
beforeAll(async () => {
  browser = await launchBrowser();
  harness = await startHarnessServer();
  gw = await new TestGateway({ AUTH_JWT_SECRET: SECRET, PUBLISH_TOKEN, ADMIN_TOKEN, REPLAY_DEFAULT: '0' }).start();
});
afterAll(async () => {
  await browser?.close();
  await harness?.close();
  await gw?.stop();
});

const subscriptions = async (): Promise<number> => {
  const res = await fetch(`${gw.url}/api/events/stats`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  return (await res.json()).totals.subscribers_total;
};

describe.each(['ws', 'sse'] as const)('the browser client over %s', (transport) => {
  it('refreshes a 3 s token from a Promise-returning function before exp, with access_token; every event once', async () => {
    const page: Page = await browser.context.newPage();
    const problems = watchPage(page);
    const urls: string[] = [];
    page.on('request', (r) => {
      if (r.url().startsWith(gw.url)) urls.push(r.url());
    });
    page.on('websocket', (ws) => urls.push(ws.url()));
    const tag = `browser-token-${transport}`;
    await openHarness(page, harness);
    await startClient(page, { url: gw.url, transport, filter: { meta: { run: tag } }, tokenFrom: '/token?exp_in=3' });
    await eventually(
      () => readLog(page),
      (l) => l.states.includes('live'),
      'live',
    );
    const before = await subscriptions();
    const pump = new Pump(gw.url, tag, { authorization: `Bearer ${PUBLISH_TOKEN}` });
    await new Promise((r) => setTimeout(r, 7000)); // past the first token's exp, and its successor's
    const sent = await pump.stop();
    await eventually(
      () => readLog(page),
      (l) => l.events.length >= sent.length,
      'every event',
    );
    // A refresh may be under way (a token fetched, not yet acknowledged or connected with): wait until none is.
    const snapshot = async () => {
      const [tokens, l]: [string[], ClientLog] = await page.evaluate(() => [[...(window as any).tokens], (window as any).log]);
      const reconnects = (await subscriptions()) - before;
      const acked = l.controls.filter((c) => c.control === 'ack' && c.op === 'auth').length;
      const done = transport === 'ws' ? acked === tokens.length - 1 : reconnects === tokens.length - 1 && l.states.at(-1) === 'live';
      const again: number = await page.evaluate(() => (window as any).tokens.length);
      return { tokens, reconnects, log: l, done: done && again === tokens.length };
    };
    const { tokens, reconnects, log } = await eventually(snapshot, (x) => x.done, 'no refresh under way');
    await page.evaluate(() => (window as any).client.close());

    expect(log.events.map((e) => e.id)).toEqual(sent);
    expect(log.errors).toEqual([]);
    expect(log.controls.filter((c) => c.control === 'token_expired')).toEqual([]);
    expect(tokens.length).toBeGreaterThanOrEqual(3);
    const acks = log.controls.filter((c) => c.control === 'ack' && c.op === 'auth');
    if (transport === 'ws') {
      expect(reconnects).toBe(0);
      expect(acks.length).toBe(tokens.length - 1);
    } else {
      expect(reconnects).toBe(tokens.length - 1);
      expect(acks).toEqual([]);
    }
    // Each connection carried its token as access_token (and each SSE reconnect its cursor).
    const subs = urls.filter((u) => /\/(ws\/events|api\/events\/stream)\?/.test(u)).map((u) => new URL(u).searchParams);
    expect(subs.slice(0, tokens.length).map((q) => q.get('access_token'))).toEqual(transport === 'ws' ? [tokens[0]] : tokens);
    for (const q of subs.slice(1)) expect(q.get('last_event_id')).toMatch(/./);
    expect(problems).toEqual([]);
    await page.close();
  }, 30_000);
});
