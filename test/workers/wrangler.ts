/**
 * Runs the Workers gateway as `npm run dev:workers` does: `wrangler dev`
 * (workerd) on a free port, with no account and no network, variables passed
 * as `--var KEY:VALUE`, storage persisted in a directory of the caller's
 * choosing (so a test can restart on the same storage, or lose it).
 *
 * It serves a build made once per test file (`wrangler deploy --dry-run`)
 * rather than the sources: `wrangler dev` rebuilds and reloads the Worker
 * whenever a file it bundles changes, dropping every connection, and these
 * tests hold connections open through idle periods. (The conformance suite
 * runs `npm run dev:workers` itself.)
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../helpers/process.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const WRANGLER = path.join(ROOT, 'node_modules/.bin/wrangler');
const WRANGLER_ENV = {
  ...process.env,
  XDG_CONFIG_HOME: path.join(ROOT, '.config'),
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  CI: '1',
};

let built: Promise<string> | undefined;

/** Bundles the Worker once; resolves with the wrangler config that serves the bundle. */
function build(): Promise<string> {
  return (built ??= (async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'eventgate-worker-build-'));
    await promisify(execFile)(WRANGLER, ['deploy', '--dry-run', '--outdir', dir], { cwd: ROOT, env: WRANGLER_ENV });
    const config = readFileSync(path.join(ROOT, 'wrangler.toml'), 'utf8').replace(/^main = .*$/m, 'main = "main.js"');
    writeFileSync(path.join(dir, 'wrangler.toml'), config);
    return path.join(dir, 'wrangler.toml');
  })());
}

export interface WranglerProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** Ready when /health answers 200; with `anyAnswer`, when it answers at all (a configuration refused). */
export async function startWrangler(vars: Record<string, string>, persistTo: string, o: { anyAnswer?: boolean } = {}): Promise<WranglerProcess> {
  const config = await build();
  const port = await freePort();
  const inspector = await freePort();
  const args = [
    'dev',
    '-c',
    config,
    '--no-bundle',
    '--port',
    String(port),
    '--ip',
    '127.0.0.1',
    '--inspector-port',
    String(inspector),
    '--persist-to',
    persistTo,
    '--log-level',
    'warn',
  ];
  for (const [k, v] of Object.entries(vars)) args.push('--var', `${k}:${v}`);
  let out = '';
  const child = spawn(WRANGLER, args, {
    cwd: ROOT,
    env: WRANGLER_ENV,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: wrangler starts workerd, and stop() ends both.
    detached: true,
  });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        /* gone */
      }
      const t = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, 5000);
      await exited;
      clearTimeout(t);
    }
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited:\n${out}`);
    const ok = await fetch(`${url}/health`)
      .then((r) => r.ok || (o.anyAnswer === true && r.status !== 502 && r.status !== 503))
      .catch(() => false);
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`wrangler dev did not become healthy:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, child, output: () => out, stop };
}
