#!/usr/bin/env node
// Idle memory per connection, measured inside the gateway process: a gateway
// is served here (eventgate/node from the sources), N raw subscribers connect
// from a forked process and stay idle, and the heap after a full GC (what
// the gateway's own objects cost per connection, V8 slack excluded) and the
// RSS (what the referee's idle scenario counts) are compared before and after.
//
//   node --expose-gc --import tsx load/idle-memory.mjs --transport ws --conns 5000
//   node --expose-gc load/idle-memory.mjs --dist --transport ws --conns 5000    (the build npm start runs)
//   node --expose-gc --import tsx load/idle-memory.mjs --transport sse --conns 5000 --heap-snapshot /tmp/idle.heapsnapshot
//     (writes /tmp/idle.heapsnapshot.before and /tmp/idle.heapsnapshot: compare them by constructor)
import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const { values: o } = parseArgs({
  options: {
    transport: { type: 'string', default: 'ws' },
    conns: { type: 'string', default: '5000' },
    'heap-snapshot': { type: 'string' },
    /** The compiled package (dist/, what `npm start` runs) instead of the sources. */
    dist: { type: 'boolean', default: false },
  },
});
const gc = /** @type {(() => void) | undefined} */ (globalThis.gc);
if (!gc) throw new Error('run with node --expose-gc --import tsx load/idle-memory.mjs');
const conns = Number(o.conns);
const settle = async () => {
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 50));
  }
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss, external: m.external + m.arrayBuffers };
};

// Through URLs, so the scripts' type check (not strict) does not follow into src/.
const from = (src, built) => new URL(o.dist ? `../dist/${built}` : `../src/${src}`, import.meta.url).href;
const { createGateway } = await import(from('index.ts', 'index.js'));
const { serve } = await import(from('runtimes/node/index.ts', 'runtimes/node/index.js'));
const gateway = createGateway({ config: { heartbeatMs: 60_000, maxSubscribers: conns + 10 } });
const server = await serve(gateway, { port: 0, hostname: '127.0.0.1' });
const u = new URL(server.url);

const worker = fork(path.join(HERE, 'lib/subscriber-worker.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const waitMsg = (type) => new Promise((resolve) => worker.on('message', (/** @type {any} */ m) => m.type === type && resolve(m)));
await waitMsg('up');
const before = await settle();
if (o['heap-snapshot']) v8.writeHeapSnapshot(`${o['heap-snapshot']}.before`);
const base = o.transport === 'ws' ? '/ws/events?replay=0' : '/api/events/stream?replay=0';
worker.send({ cmd: 'connect', cfg: { host: u.hostname, port: Number(u.port), transport: o.transport, subs: conns, probes: 0, stalled: 0, paths: [base], concurrency: 200 } });
const conn = await waitMsg('connected');
await new Promise((r) => setTimeout(r, 1000));
const after = await settle();
if (o['heap-snapshot']) v8.writeHeapSnapshot(o['heap-snapshot']);
const per = (k) => ((after[k] - before[k]) / conn.alive / 1024).toFixed(2);
console.log(
  `${o.transport} idle ${conn.alive}/${conns} connections: heap ${per('heap')} KiB/conn (after GC), external ${per('external')} KiB/conn, RSS ${per('rss')} KiB/conn` +
    ` (heap ${(before.heap / 2 ** 20).toFixed(1)} -> ${(after.heap / 2 ** 20).toFixed(1)} MiB, RSS ${(before.rss / 2 ** 20).toFixed(1)} -> ${(after.rss / 2 ** 20).toFixed(1)} MiB)`,
);
worker.send({ cmd: 'close' });
await server.close();
process.exit(0);
