/**
 * Real headless Chromium (Debian's /usr/bin/chromium, driven by
 * playwright-core) against a real in-process Node gateway, over real
 * sockets. The gateway can be cut off (every TCP socket destroyed) or
 * restarted on the same port (a new run: a new epoch).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { Config } from '../../src/runtimes/server-config.ts';
import type { NodeServer } from '../../src/runtimes/node/server.ts';
import { startGateway } from '../helpers/server.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const dir = mkdtempSync(join(tmpdir(), 'eventgate-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  context.setDefaultTimeout(10_000);
  return {
    context,
    async close() {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Fails the test on any uncaught error or CSP violation in the page. */
export function watchPage(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  return problems;
}

/** Settings that make restarts quick in tests: a short SSE retry and shutdown jitter. */
export const FAST_RESTART = { SSE_RETRY_MS: '200', SHUTDOWN_RETRY_JITTER_MS: '100', SHUTDOWN_TIMEOUT_MS: '2000' };

/** One gateway that tests can cut off or restart on the same port. */
export class TestGateway {
  node!: NodeServer;
  readonly #sockets = new Set<Socket>();
  readonly #env: Record<string, string>;
  readonly #overrides: Partial<Config>;

  constructor(env: Record<string, string> = {}, overrides: Partial<Config> = {}) {
    this.#env = { ...FAST_RESTART, ...env };
    this.#overrides = overrides;
  }

  get url(): string {
    return this.node.url;
  }

  async start(port = 0): Promise<this> {
    this.node = await startGateway({ ...this.#env, PORT: String(port) }, this.#overrides);
    this.node.server.on('connection', (s: Socket) => {
      this.#sockets.add(s);
      s.once('close', () => this.#sockets.delete(s));
    });
    return this;
  }

  /** Every client connection dies at once, as when the network drops; the gateway keeps running. */
  cutConnections(): number {
    const n = this.#sockets.size;
    for (const s of this.#sockets) s.destroy();
    return n;
  }

  /** Stops this run (drain: SSE `shutdown`, WS 1001) and starts a new one on the same port. */
  async restart(): Promise<void> {
    const port = this.node.port;
    await this.node.stop();
    this.#sockets.clear();
    await this.start(port);
  }

  stop(): Promise<void> {
    return this.node.stop();
  }
}

/** Waits for `pred` to hold, polling; fails with `what` and the last value seen. */
export async function eventually<T>(read: () => Promise<T> | T, pred: (v: T) => boolean, what: string, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: T;
  for (;;) {
    last = await read();
    if (pred(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}; last: ${JSON.stringify(last)?.slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
