// Starts a local gateway (`npm start` in this checkout) on a free port, or
// takes the one at --url. Shared by the load scripts.
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { listenerPid } from './proc.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = /** @type {net.AddressInfo} */ (s.address()).port;
      s.close(() => resolve(p));
    });
    s.on('error', reject);
  });
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/**
 * { url, pid?, local, stop() }. Local when it was started here or --url is a
 * loopback address whose listener this user can see in /proc.
 * @param {{ url?: string, env?: Record<string, string>, log?: (line: string) => void }} [options]
 */
export async function gateway({ url, env = {}, log = () => {} } = {}) {
  if (url) {
    const u = new URL(url);
    if (u.protocol !== 'http:') throw new Error(`--url must be http:// (the raw load clients speak plain HTTP/1.1 and WebSocket), got ${u.protocol}`);
    const port = Number(u.port || 80);
    const pid = LOOPBACK.has(u.hostname) ? listenerPid(port) : undefined;
    return { url: u.origin, pid, local: pid !== undefined, started: false, stop: async () => {} };
  }
  const port = await freePort();
  const child = spawn('npm', ['start', '--silent'], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'production', ...env },
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    out += d;
  });
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  const base = `http://127.0.0.1:${port}`;
  const t0 = Date.now();
  for (;;) {
    if (exited) throw new Error(`the gateway exited before it was ready:\n${out}`);
    if (Date.now() - t0 > 60_000) throw new Error(`the gateway was not ready within 60 s:\n${out}`);
    try {
      if ((await fetch(`${base}/health`)).status === 200) break;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  log(`gateway started: npm start (pid ${child.pid}) on ${base}`);
  return {
    url: base,
    pid: child.pid,
    local: true,
    started: true,
    async stop() {
      if (exited) return;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* gone */
      }
      for (let i = 0; i < 100 && !exited; i++) await new Promise((r) => setTimeout(r, 50));
      if (!exited)
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
    },
  };
}

/** A gateway event carrying its sequence number and send time in metadata. */
export function loadEvent(seq, pad, extraMeta) {
  return {
    type: 'performance',
    severity: 'info',
    message: `load seq=${seq}`,
    metadata: {
      metric_name: 'load_seq',
      current_value: seq,
      threshold_value: 1e12,
      component: 'load',
      action_required: false,
      seq,
      sentAt: performance.timeOrigin + performance.now(),
      pad,
      ...extraMeta,
    },
  };
}

export function padFor(bytes) {
  // ~230 bytes of event JSON besides the pad, once the gateway adds id and timestamp
  return 'x'.repeat(Math.max(0, bytes - 230));
}
