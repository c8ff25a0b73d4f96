#!/usr/bin/env node
// Delivery load: N raw subscribers (SSE or WebSocket) in a forked process,
// R events/s published for D seconds, then delivered events/s,
// delivered/expected, end-to-end latency (probes), lost and duplicated
// events, and the server's CPU seconds and peak RSS from /proc.
//
//   node load/deliver.mjs --transport ws --subs 2000 --rate 200 --seconds 20
//   node load/deliver.mjs --url http://10.0.0.5:8000 --transport sse ...   (remote: no server CPU/RSS)
//   node load/deliver.mjs --redis redis://127.0.0.1:6379 --gateways 2 --subs 2000 ...  (two instances on one stream)
import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { gateway, loadEvent, padFor } from './lib/gateway.mjs';
import { Sampler } from './lib/proc.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OTHER_TYPES = ['query_route', 'model_state', 'cgrag', 'cache', 'error'];

export const DELIVER_DEFAULTS = {
  transport: 'ws',
  subs: 500,
  rate: 100,
  seconds: 10,
  payload: 300,
  batch: 1,
  probes: 10,
  filters: 0,
  stalled: 0,
  prefill: 0,
  drain: 3,
  concurrency: 200,
};

/** K distinct subscription filters, each of which matches every load event (type performance). */
export function filterPaths(base, k) {
  if (!k) return [base];
  if (k > 31) throw new Error('--filters: at most 31 distinct filters (subsets of the other five built-in types)');
  const out = [];
  for (let i = 0; i < k; i++) {
    const extra = OTHER_TYPES.filter((_, b) => ((i + 1) >> b) & 1); // distinct non-empty subsets (k <= 31)
    out.push(`${base}&types=performance,${extra.join(',')}`);
  }
  return out;
}

const fix = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '-');
const pct = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** `total` split over `n` parts as evenly as possible. */
const split = (total, n) => Array.from({ length: n }, (_, k) => Math.floor(total / n) + (k < total % n ? 1 : 0));

/**
 * Runs one delivery measurement against `gw` ({url, pid?}), or against
 * several gateways sharing one stream (an array: subscribers are spread
 * evenly over them, publishes go round-robin, server CPU and RSS are summed);
 * resolves with the result object.
 * @param {Record<string, any>} o @param {{ url: string, pid?: number } | { url: string, pid?: number }[]} gwOrList @param {(line: string) => void} [log]
 */
export async function runDelivery(o, gwOrList, log = () => {}) {
  o = { ...DELIVER_DEFAULTS, ...o };
  const gws = Array.isArray(gwOrList) ? gwOrList : [gwOrList];
  const gw = gws[0];
  const base = o.transport === 'ws' ? '/ws/events?replay=0' : '/api/events/stream?replay=0';
  const stalled = Math.round((o.subs * (o.stalled || 0)) / 100);
  const subsOf = split(o.subs, gws.length);
  const probesOf = split(o.probes, gws.length);
  const stalledOf = split(stalled, gws.length);
  const workers = gws.map(() => fork(path.join(HERE, 'lib/subscriber-worker.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  const waitOne = (worker, type) =>
    new Promise((resolve) => {
      const f = (m) => {
        if (m.type === type) {
          worker.off('message', f);
          resolve(m);
        }
      };
      worker.on('message', f);
    });
  /** Sends `cmd` to every worker; resolves with their answers, in gateway order. */
  const ask = (cmd, type) => Promise.all(workers.map((w) => (w.send({ cmd }), waitOne(w, type))));
  await Promise.all(workers.map((w) => waitOne(w, 'up')));
  const samplers = gws.every((g) => g.pid) ? gws.map((g) => new Sampler(g.pid)) : undefined;
  const sumOf = (f) => samplers?.reduce((a, smp) => a + f(smp), 0);
  const rssBefore = sumOf((smp) => smp.now().rssKiB);
  gws.forEach((g, k) => {
    const u = new URL(g.url);
    workers[k].send({
      cmd: 'connect',
      cfg: {
        host: u.hostname,
        port: Number(u.port || 80),
        transport: o.transport,
        subs: subsOf[k],
        probes: probesOf[k],
        stalled: stalledOf[k],
        paths: filterPaths(base, o.filters),
        concurrency: o.concurrency,
        headers: o.headers,
      },
    });
  });
  const conns = await Promise.all(workers.map((w) => waitOne(w, 'connected')));
  const conn = {
    alive: conns.reduce((a, c) => a + c.alive, 0),
    failed: conns.reduce((a, c) => a + c.failed, 0),
    ms: Math.max(...conns.map((c) => c.ms)),
    status: conns.find((c) => c.status)?.status,
  };
  log(`connected ${conn.alive}/${o.subs} in ${conn.ms} ms${gws.length > 1 ? ` over ${gws.length} gateways` : ''}`);
  if (conn.alive === 0) {
    for (const w of workers) w.send({ cmd: 'close' });
    for (const smp of samplers ?? []) smp.stop();
    throw new Error(`no subscriber could connect to ${gw.url}${base} (${conn.status ?? 'connection refused or refused upgrade'})`);
  }
  const pools = gws.map((g) => new Pool(g.url, { connections: 8, pipelining: 1 }));
  let turn = 0;
  const headers = { 'content-type': 'application/json', ...(o.token ? { authorization: `Bearer ${o.token}` } : {}) };
  const pad = padFor(o.payload);
  let ok = 0,
    failed = 0,
    inflight = 0;
  const post = async (events) => {
    inflight++;
    try {
      const pool = pools[turn++ % pools.length];
      const r = await pool.request({ path: '/api/events', method: 'POST', headers, body: JSON.stringify(events.length === 1 ? events[0] : events) });
      await r.body.dump();
      if (r.statusCode >= 200 && r.statusCode < 300) ok += events.length;
      else failed += events.length;
    } catch {
      failed += events.length;
    } finally {
      inflight--;
    }
  };

  // Warm-up: every reading subscriber has had one event (so every subscription is live).
  /** Every subscriber's count, in one list over all gateways (with each one's alive and stalled flags). */
  const counts = async () => {
    const all = await ask('counts', 'counts');
    return { counts: all.flatMap((c) => c.counts), alive: all.flatMap((c) => c.alive), stalled: all.flatMap((c) => c.stalled) };
  };
  for (let i = 0; ; i++) {
    await post([loadEvent(-1, pad)]);
    await sleep(100);
    const c = await counts();
    if (c.counts.every((n, k) => n > 0 || !c.alive[k] || c.stalled[k])) break;
    if (i > 100) {
      log('warm-up did not reach every subscriber');
      break;
    }
  }
  /** Publishes `n` events at o.rate on an elapsed-time schedule (catches up timer jitter); `seqOf(k)` numbers the k-th. */
  const pace = async (n, seqOf) => {
    const start = performance.now();
    const pending = new Set();
    for (let k = 0; k < n; ) {
      const due = Math.min(n, Math.floor(((performance.now() - start) / 1000) * o.rate) + 1);
      while (k < due && inflight < 512) {
        const m = Math.min(o.batch, due - k);
        const evs = [];
        for (let j = 0; j < m; j++) evs.push(loadEvent(seqOf(k++), pad));
        const p = post(evs);
        pending.add(p);
        p.finally(() => pending.delete(p));
      }
      await sleep(5);
    }
    await Promise.all(pending);
  };
  // --prefill S: the same load for S s before the measured window (not counted), so that stalled
  // subscribers have filled their sockets and queues and the window shows the steady state.
  if (o.prefill > 0) {
    await pace(Math.round(o.rate * o.prefill), () => -1);
    for (let prev = -1, t = Date.now(); Date.now() - t < 30_000; await sleep(200)) {
      const c = await counts();
      const now = c.counts.reduce((a, n, k) => a + (c.stalled[k] ? 0 : n), 0);
      if (now === prev) break;
      prev = now;
    }
    log(`prefilled ${o.prefill} s`);
  }
  await sleep(150);
  const base0 = await counts();
  const baseline = base0.counts;
  const stalledFlags = base0.stalled;
  const probeFlags = probesOf.flatMap((p, k) => Array.from({ length: subsOf[k] }, (_, i) => i < p));
  const rssIdle = sumOf((smp) => smp.now().rssKiB);
  for (const smp of samplers ?? []) smp.mark();
  ok = 0;
  failed = 0;
  // --scrape-ms: a scraper reads /metrics that often while the load runs (its rendering counts in the server's CPU).
  let scrapes = 0;
  const scraper = o.scrapeMs
    ? setInterval(
        () =>
          void fetch(`${gw.url}/metrics`, { headers: o.headers })
            .then((r) => r.text())
            .then(
              () => scrapes++,
              () => {},
            ),
        o.scrapeMs,
      )
    : undefined;

  // Publish R events/s for D s on an elapsed-time schedule (catches up timer jitter).
  const total = Math.round(o.rate * o.seconds);
  const t0 = performance.now();
  await pace(total, (k) => k);
  const pubS = (performance.now() - t0) / 1000;
  // Drain: until everything expected has arrived at the reading subscribers, or --drain s.
  const live = (c) => c.counts.reduce((a, n, k) => a + (c.stalled[k] ? 0 : n - baseline[k]), 0);
  const readers = o.subs - stalled;
  let lastDelivery = performance.now();
  for (let t = Date.now(), prev = -1; Date.now() - t < o.drain * 1000; ) {
    const c = await counts();
    const got = live(c);
    if (got !== prev) {
      prev = got;
      lastDelivery = performance.now();
    }
    if (got >= ok * readers) break;
    await sleep(50);
  }
  clearInterval(scraper);
  const wins = samplers?.map((smp) => smp.window());
  const win = wins && { cpuS: wins.reduce((a, w) => a + w.cpuS, 0), peakRssKiB: wins.reduce((a, w) => a + w.peakRssKiB, 0) };
  const reps = await ask('report', 'report');
  const rep = {
    counts: reps.flatMap((r) => r.counts),
    probes: reps.flatMap((r) => r.probes),
    closed: reps.reduce((a, r) => a + r.closed, 0),
    cpuS: reps.reduce((a, r) => a + r.cpuS, 0),
  };
  for (const w of workers) w.send({ cmd: 'close' });
  for (const pool of pools) await pool.close();

  let delivered = 0,
    minSub = Infinity,
    maxSub = 0;
  rep.counts.forEach((n, k) => {
    if (stalledFlags[k] && !probeFlags[k]) return;
    const d = n - baseline[k];
    delivered += d;
    minSub = Math.min(minSub, d);
    maxSub = Math.max(maxSub, d);
  });
  const expected = ok * readers;
  const lat = rep.probes.flatMap((p) => p.lat).sort((a, b) => a - b);
  let lost = 0,
    dupes = 0;
  for (const p of rep.probes) {
    const seen = new Map(p.seqs);
    for (let s = 0; s < total; s++) if (!seen.has(s)) lost++;
    dupes += p.dupes;
  }
  const spanS = (lastDelivery - t0) / 1000;
  return {
    params: { ...o, stalledSubs: stalled, url: gws.map((g) => g.url).join(',') },
    connect: { ms: conn.ms, alive: conn.alive, failed: conn.failed },
    published: { ok, failed, total, seconds: pubS, perS: ok / pubS },
    delivered,
    expected,
    ratio: expected ? delivered / expected : NaN,
    perSubMin: minSub,
    perSubMax: maxSub,
    overDelivered: Math.max(0, delivered - expected),
    deliveredPerS: delivered / spanS,
    latencyMs: { n: lat.length, p50: pct(lat, 50), p90: pct(lat, 90), p99: pct(lat, 99), max: lat[lat.length - 1] },
    probes: { count: rep.probes.length, lost, dupes },
    closedBySever: rep.closed,
    server: samplers
      ? {
          cpuS: win.cpuS,
          cpuPct: (100 * win.cpuS) / spanS,
          usPerDelivery: (win.cpuS * 1e6) / Math.max(1, delivered),
          peakRssMiB: win.peakRssKiB / 1024,
          rssIdleKiBPerConn: (rssIdle - rssBefore) / Math.max(1, conn.alive),
        }
      : { unavailable: 'the server is remote (or not visible in /proc): CPU and RSS are not measured' },
    clientCpuS: rep.cpuS,
    scrapes,
  };
}

export function summary(r) {
  const p = r.params,
    s = r.server,
    l = r.latencyMs;
  const srv = s.unavailable
    ? 'server cpu/rss: n/a (remote)'
    : `srv cpu ${s.cpuS.toFixed(2)}s (${s.cpuPct.toFixed(0)}%) ${s.usPerDelivery.toFixed(2)} us/deliv, peak rss ${s.peakRssMiB.toFixed(0)} MiB, idle ${s.rssIdleKiBPerConn.toFixed(1)} KiB/conn`;
  return `${p.transport} subs=${p.subs}${p.filters ? ` filters=${p.filters}` : ''}${p.stalledSubs ? ` stalled=${p.stalledSubs}` : ''} rate=${p.rate}/s x${p.seconds}s batch=${p.batch} | pub ${r.published.ok}/${r.published.total} | deliv ${r.delivered}/${r.expected} (${fix(100 * r.ratio, 2)}%) ${Math.round(r.deliveredPerS)}/s | lat p50 ${fix(l.p50)} p99 ${fix(l.p99)} max ${fix(l.max)} ms | lost ${r.probes.lost} dup ${r.probes.dupes} | ${srv}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values: a } = parseArgs({
    options: {
      url: { type: 'string' },
      transport: { type: 'string', default: DELIVER_DEFAULTS.transport },
      subs: { type: 'string' },
      rate: { type: 'string' },
      seconds: { type: 'string' },
      payload: { type: 'string' },
      batch: { type: 'string' },
      probes: { type: 'string' },
      filters: { type: 'string' },
      stalled: { type: 'string' },
      prefill: { type: 'string' },
      drain: { type: 'string' },
      token: { type: 'string' },
      gateways: { type: 'string' },
      redis: { type: 'string' },
      'scrape-ms': { type: 'string' },
      json: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (a.help) {
    console.log(`node load/deliver.mjs [--url http://host:port] [--transport sse|ws] [--subs N] [--rate R] [--seconds D] [--payload BYTES]
  [--batch B] [--probes P] [--filters K] [--stalled PCT] [--prefill S] [--drain S] [--token T] [--scrape-ms MS] [--json FILE]
Without --url a gateway is started here (npm start on a free port). With a loopback --url the server's
pid is found from its listening socket; with a remote --url server CPU and RSS are not measured.
--filters K spreads subscribers over K distinct filters (each matches every load event);
--stalled PCT makes that percentage of subscribers stop reading after the handshake;
--prefill S runs the same load for S s before the measured window (stalled subscribers reach their steady state);
--scrape-ms MS reads /metrics every MS ms while the load runs (a Prometheus scraper's cost).
--redis URL starts the gateways on that Redis (REDIS_URL, a fresh key prefix); --gateways N starts N of them
(subscribers spread evenly, publishes round-robin, server CPU and RSS summed); --url a,b takes running ones.`);
    process.exit(0);
  }
  const o = { transport: a.transport, token: a.token || process.env.PUBLISH_TOKEN };
  for (const k of ['subs', 'rate', 'seconds', 'payload', 'batch', 'probes', 'filters', 'stalled', 'prefill', 'drain']) if (a[k] !== undefined) o[k] = Number(a[k]);
  if (a['scrape-ms'] !== undefined) o.scrapeMs = Number(a['scrape-ms']);
  const env = a.redis ? { REDIS_URL: a.redis, REDIS_PREFIX: `load-${process.pid}-${Date.now()}` } : {};
  const urls = a.url ? a.url.split(',') : Array.from({ length: Number(a.gateways ?? 1) }, () => undefined);
  const gws = [];
  try {
    for (const url of urls) gws.push(await gateway({ url, env, log: console.error }));
    if (gws.some((g) => !g.local)) console.error('server CPU and RSS: unavailable (remote gateway)');
    const r = await runDelivery(o, gws.length === 1 ? gws[0] : gws, console.error);
    console.log(summary(r));
    if (a.json) fs.writeFileSync(a.json, JSON.stringify(r, null, 2));
  } finally {
    for (const gw of gws) await gw.stop();
  }
}
