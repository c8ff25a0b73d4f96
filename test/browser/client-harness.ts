/**
 * A bare test page, served by a small HTTP server of its own (another
 * origin than the gateway's, as an application's page would be), that loads
 * the client with `import` and records everything it reports in
 * `window.log`. The client talks to the gateway across origins (CORS).
 *
 * (A page fulfilled by Playwright's router instead would have no network
 * address, and Chromium's local network access checks would then block its
 * WebSocket to 127.0.0.1.)
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { readAsset } from '../../src/runtimes/assets.ts';
import { hs256 } from '../helpers/tokens.ts';

const HTML = `<!doctype html>
<meta charset="utf-8">
<title>client harness</title>
<script type="module">
import { EventgateClient } from '/client/eventgate-client.js';
import { SharedEventgateClient } from '/client/shared.js';
window.start = (opts) => {
  const { useStorage, shared, tokenFrom, ...options } = opts;
  if (useStorage) options.storage = sessionStorage;
  // A token function as an application writes one: it asks its own server (here: GET tokenFrom) for a token.
  if (tokenFrom) options.token = () => fetch(tokenFrom).then((r) => r.text()).then((t) => ((window.tokens ??= []).push(t), t));
  const log = (window.log = { events: [], cgrag: [], states: [], gaps: [], errors: [], dropped: [], overflows: [], shutdowns: [], ready: [], controls: [] });
  const c = shared ? new SharedEventgateClient(options) : new EventgateClient(options);
  c.on('*', (e, info) => log.events.push({ id: e.id, type: e.type, message: e.message, replayed: info.replayed }));
  c.on('cgrag', (e) => log.cgrag.push(e.metadata.chunks_retrieved));
  c.onGap((g) => log.gaps.push(g));
  c.onState((s) => log.states.push(s));
  c.onError((e) => log.errors.push(e));
  c.onDropped((d) => log.dropped.push(d));
  c.onOverflow((o) => log.overflows.push(o));
  c.onShutdown((s) => log.shutdowns.push(s));
  c.onReady((r) => log.ready.push(r));
  c.onControl((x) => log.controls.push(x));
  window.client = c;
};
window.harnessLoaded = true;
</script>`;

export interface ClientLog {
  events: { id: string; type: string; message: string; replayed: boolean }[];
  cgrag: number[];
  states: string[];
  gaps: any[];
  errors: any[];
  dropped: any[];
  overflows: any[];
  shutdowns: any[];
  ready: any[];
  controls: any[];
}

export interface HarnessServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves the harness page at /, the client's files at /client/<name>, and
 * at /token?exp_in=S a new HS256 token (test/helpers/tokens.ts) that expires
 * in S seconds, as an application's own server would mint one.
 */
export async function startHarnessServer(): Promise<HarnessServer> {
  const server: Server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const path = u.pathname;
    const send = (status: number, type: string, body: string) => res.writeHead(status, { 'content-type': type }).end(body);
    if (path === '/') return send(200, 'text/html; charset=utf-8', HTML);
    if (path === '/token') {
      void hs256({ expIn: Number(u.searchParams.get('exp_in') ?? 3600) }).then((t) => send(200, 'text/plain', t));
      return;
    }
    if (path.startsWith('/client/')) {
      void readAsset(path.slice(1)).then((text) => (text === undefined ? send(404, 'text/plain', 'not found') : send(200, 'text/javascript; charset=utf-8', text)));
      return;
    }
    send(404, 'text/plain', 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Opens the harness page. */
export async function openHarness(page: Page, harness: HarnessServer): Promise<void> {
  await page.goto(`${harness.url}/`);
  await page.waitForFunction(() => (window as any).harnessLoaded === true);
}

export function startClient(page: Page, options: Record<string, unknown>): Promise<void> {
  return page.evaluate((o) => (window as any).start(o), options);
}

export function readLog(page: Page): Promise<ClientLog> {
  return page.evaluate(() => (window as any).log);
}
