/**
 * Redis for tests: the one named by REDIS_URL when set, else a redis-server
 * of our own on a free port (no persistence unless asked). Every test run
 * uses its own key prefix and deletes only its own keys; a Redis we did not
 * start is never flushed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './process.ts';

const BINARY = process.env.REDIS_SERVER ?? 'redis-server';

/** A key prefix no other run uses. */
export function uniquePrefix(name: string): string {
  return `egtest-${name}-${process.pid}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** Resolves once something answers PING at host:port, or rejects after `ms`. */
export async function waitForRedis(port: number, host = '127.0.0.1', ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, host);
      let buf = '';
      s.setTimeout(1000, () => (s.destroy(), resolve(false)));
      s.on('connect', () => s.write('PING\r\n'));
      s.on('data', (d) => {
        buf += d;
        if (buf.includes('\r\n')) s.end(), resolve(buf.startsWith('+PONG'));
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`redis on ${host}:${port} did not answer PING`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A redis-server process of our own, which can be stopped and started again on the same port. */
export class RedisServer {
  readonly port: number;
  readonly persist: boolean;
  readonly dir: string;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #log = '';

  private constructor(port: number, persist: boolean) {
    this.port = port;
    this.persist = persist;
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'eventgate-redis-'));
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  /**
   * `persist`: append-only file fsynced on every write, so what Redis
   * acknowledged survives its restart; otherwise nothing is kept.
   */
  static async start(o: { persist?: boolean; port?: number } = {}): Promise<RedisServer> {
    const s = new RedisServer(o.port ?? (await freePort()), o.persist ?? false);
    await s.start();
    return s;
  }

  async start(): Promise<void> {
    if (this.#child) return;
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--dir', this.dir, '--daemonize', 'no', '--protected-mode', 'yes'];
    args.push(...(this.persist ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']));
    const child = spawn(BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d) => (this.#log = (this.#log + d).slice(-4000)));
    child.stderr!.on('data', (d) => (this.#log = (this.#log + d).slice(-4000)));
    const spawned = new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (err) => reject(new Error(`cannot run ${BINARY} (install redis-server, or set REDIS_URL): ${err.message}`)));
    });
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    await spawned;
    this.#child = child;
    try {
      await waitForRedis(this.port);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${this.#log}`);
    }
  }

  /** SIGTERM (Redis flushes its append-only file and exits), and waits for the exit. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    child.kill('SIGTERM');
    await this.#exited;
  }

  /** Stops, deletes everything Redis kept on disk, and starts again: a new, empty Redis on the same port. */
  async replaceWithEmpty(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
    await this.start();
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface TestRedis {
  url: string;
  /** Our own server, when REDIS_URL was not set. */
  server: RedisServer | undefined;
  /** Deletes the keys of `prefix` (never anything else). */
  cleanup(prefix: string): Promise<void>;
  close(): Promise<void>;
}

/** REDIS_URL when set, else a fresh redis-server of our own. */
export async function useRedis(): Promise<TestRedis> {
  const external = process.env.REDIS_URL?.trim();
  const server = external ? undefined : await RedisServer.start();
  const url = external || server!.url;
  return {
    url,
    server,
    cleanup: (prefix) => deletePrefix(url, prefix),
    close: async () => {
      await server?.destroy();
    },
  };
}

/** Deletes the keys the backend uses for `prefix`. */
export async function deletePrefix(url: string, prefix: string): Promise<void> {
  const r = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await r.connect();
    await r.del(`{${prefix}}:meta`, `{${prefix}}:stream`);
  } finally {
    r.disconnect();
  }
}

/** A plain client for tests that poke at the keys directly. */
export function client(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: 1 });
}
