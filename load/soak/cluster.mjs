// What the soak runs against: one gateway on memory, or two on a Redis of
// its own (a redis-server on a free port with an append-only file; the
// machine's Redis is never touched), the second reaching it through a TCP
// proxy that a fault can cut. Gateways are restartable on the same port and
// report heap and RSS over IPC (heap-probe.mjs); all on loopback.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, ROOT } from '../lib/gateway.mjs';
import { sample } from '../lib/proc.mjs';
import { TcpProxy } from '../../test/helpers/tcp-proxy.ts';

const PROBE = path.join(ROOT, 'load/soak/heap-probe.mjs');
const wait = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, ok, ms = 60_000) {
  const t0 = Date.now();
  for (;;) {
    if (await ok()) return;
    if (Date.now() - t0 > ms) throw new Error(`${what} was not ready within ${ms / 1000} s`);
    await wait(100);
  }
}

export class GatewayProc {
  constructor(name, port, env) {
    this.name = name;
    this.port = port;
    this.env = env;
    this.url = `http://127.0.0.1:${port}`;
    this.lives = []; // one entry per process: { pid, samples: [{t, rssMiB, heapMiB, cpuS}] }
    this.heap = 0;
    this.tail = [];
  }
  async start() {
    const child = spawn(process.execPath, ['--max-semi-space-size=2', '--import', 'tsx', '--import', PROBE, 'src/runtimes/node/main.ts'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(this.port), ...this.env },
    });
    this.child = child;
    this.exited = false;
    const keep = (d) => {
      this.tail.push(...String(d).split('\n').filter(Boolean));
      this.tail.splice(0, Math.max(0, this.tail.length - 40));
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('message', (m) => {
      this.heap = /** @type {{ heapUsed: number }} */ (m).heapUsed;
    });
    child.on('exit', () => {
      this.exited = true;
    });
    this.lives.push({ pid: child.pid, samples: [] });
    await until(`gateway ${this.name}`, async () => {
      if (this.exited) throw new Error(`gateway ${this.name} exited:\n${this.tail.join('\n')}`);
      try {
        return (await fetch(`${this.url}/health`)).status === 200;
      } catch {
        return false;
      }
    });
  }
  async kill(signal) {
    if (this.exited) return;
    const gone = new Promise((r) => this.child.once('exit', r));
    this.child.kill(signal);
    await Promise.race([gone, wait(20_000)]);
    if (!this.exited) {
      this.child.kill('SIGKILL');
      await gone;
    }
  }
  sample(t) {
    if (this.exited) return;
    const s = sample(this.child.pid);
    this.lives.at(-1).samples.push({ t, rssMiB: s.rssKiB / 1024, heapMiB: this.heap / 2 ** 20, cpuS: s.cpuS });
  }
}

export class RedisProc {
  constructor(port, dir) {
    this.port = port;
    this.dir = dir;
  }
  async start() {
    this.child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec', '--protected-mode', 'no'],
      { stdio: 'ignore' },
    );
    this.exited = false;
    this.child.on('exit', () => {
      this.exited = true;
    });
    const net = await import('node:net');
    await until(
      'redis-server',
      () =>
        new Promise((res) => {
          const s = net.connect(this.port, '127.0.0.1');
          s.on('connect', () => {
            s.write('PING\r\n');
          })
            .on('data', (d) => {
              s.destroy();
              res(String(d).includes('PONG'));
            })
            .on('error', () => res(false));
        }),
    );
  }
  async stop() {
    if (this.exited) return;
    const gone = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM'); // saves the append-only file and exits
    await gone;
  }
}

/** Starts what the options ask for; `targets()` lists the gateways that are up. */
export async function startCluster(o, say) {
  const env = {
    HISTORY_SIZE: String(o.history),
    QUEUE_MAX_EVENTS: '300',
    QUEUE_MAX_BYTES: '262144',
    OVERFLOW_GRACE_MS: '2000',
    HEARTBEAT_MS: '5000',
    WS_PING_MS: '10000',
    SHUTDOWN_TIMEOUT_MS: '3000',
    SHUTDOWN_RETRY_JITTER_MS: '500',
    IDEMPOTENCY_TTL_MS: '300000',
  };
  delete process.env.REDIS_URL;
  // What `npm start` runs first (prestart): the web assets, when they are missing or stale.
  const buildWeb = path.join(ROOT, 'scripts/build-web.mjs');
  if (!o.url && fs.existsSync(buildWeb)) execFileSync(process.execPath, [buildWeb, '--if-stale'], { cwd: ROOT, stdio: 'ignore' });
  const c = { gateways: [], redis: null, proxy: null, down: new Set() };
  if (o.url) {
    c.external = o.url.replace(/\/$/, '');
  } else if (o.redis) {
    c.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eventgate-soak-'));
    c.redis = new RedisProc(await freePort(), c.dir);
    await c.redis.start();
    c.proxy = await TcpProxy.start(c.redis.port);
    const prefix = `soak-${o.run}`;
    c.gateways.push(new GatewayProc('A', await freePort(), { ...env, REDIS_URL: `redis://127.0.0.1:${c.redis.port}`, REDIS_PREFIX: prefix }));
    c.gateways.push(new GatewayProc('B', await freePort(), { ...env, REDIS_URL: c.proxy.url, REDIS_PREFIX: prefix }));
    say(`soak: redis-server on port ${c.redis.port} (append-only file in ${c.dir}); gateway B reaches it through a TCP proxy`);
  } else {
    c.gateways.push(new GatewayProc('A', await freePort(), env));
  }
  for (const g of c.gateways) {
    await g.start();
    say(`soak: gateway ${g.name} on ${g.url} (${o.redis ? 'redis' : 'memory'})`);
  }
  c.targets = () => {
    if (c.external) return [c.external];
    const up = c.gateways.filter((g) => !c.down.has(g));
    return (up.length ? up : c.gateways).map((g) => g.url);
  };
  c.stop = async () => {
    for (const g of c.gateways) await g.kill('SIGTERM');
    c.proxy?.close?.();
    await c.redis?.stop();
    if (c.dir) fs.rmSync(c.dir, { recursive: true, force: true });
  };
  return c;
}
