#!/usr/bin/env node
// `npm run load`: a quick pass of every load script against one gateway
// (started here, or --url), printed as one table. Under two minutes at the
// default sizes; --full uses the referee's sizes (several minutes).
//
//   npm run load
//   npm run load -- --full
//   npm run load -- --url http://10.0.0.5:8000 --token $PUBLISH_TOKEN
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { gateway } from './lib/gateway.mjs';
import { runDelivery } from './deliver.mjs';
import { runPublish } from './publish.mjs';

const { values: a } = parseArgs({
  options: {
    url: { type: 'string' },
    token: { type: 'string' },
    full: { type: 'boolean' },
    json: { type: 'string' },
    subs: { type: 'string' },
    rate: { type: 'string' },
    seconds: { type: 'string' },
    only: { type: 'string' },
    help: { type: 'boolean' },
  },
});
if (a.help) {
  console.log(`npm run load -- [--url http://host:port] [--token T] [--full] [--subs N] [--rate R] [--seconds D] [--only name,name] [--json FILE]
Scenarios: publish-1, publish-100, ws, sse, ws-filters, ws-stalled (and sse-* variants with --full).`);
  process.exit(0);
}
const full = !!a.full;
const S = Number(a.subs ?? (full ? 2000 : 500));
const R = Number(a.rate ?? (full ? 200 : 100));
const D = Number(a.seconds ?? (full ? 20 : 5));
const token = a.token || process.env.PUBLISH_TOKEN;

const scenarios = [
  { name: 'publish-1', kind: 'pub', o: { batch: 1, seconds: D } },
  { name: 'publish-100', kind: 'pub', o: { batch: 100, seconds: D } },
  { name: 'ws', kind: 'del', o: { transport: 'ws', subs: S, rate: R, seconds: D } },
  { name: 'sse', kind: 'del', o: { transport: 'sse', subs: S, rate: R, seconds: D } },
  { name: 'ws-filters', kind: 'del', o: { transport: 'ws', subs: S, rate: R, seconds: D, filters: 20 } },
  { name: 'ws-stalled', kind: 'del', o: { transport: 'ws', subs: S, rate: R, seconds: D, stalled: 10 } },
  ...(full
    ? [
        { name: 'sse-filters', kind: 'del', o: { transport: 'sse', subs: S, rate: R, seconds: D, filters: 20 } },
        { name: 'sse-stalled', kind: 'del', o: { transport: 'sse', subs: S, rate: R, seconds: D, stalled: 10 } },
        { name: 'ws-batch100', kind: 'del', o: { transport: 'ws', subs: 10, rate: 10000, seconds: D, batch: 100 } },
        { name: 'sse-batch100', kind: 'del', o: { transport: 'sse', subs: 10, rate: 10000, seconds: D, batch: 100 } },
      ]
    : []),
].filter((s) => !a.only || a.only.split(',').includes(s.name));

const fix = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '-');
const t0 = Date.now();
const gw = await gateway({ url: a.url, log: (m) => console.error(`[load] ${m}`) });
const remote = !gw.local;
if (remote) console.error('[load] remote gateway: server CPU and RSS are unavailable and shown as n/a');
const rows = [];
const results = [];
try {
  for (const sc of scenarios) {
    console.error(`[load] ${sc.name} ...`);
    const r = sc.kind === 'pub' ? await runPublish({ ...sc.o, token }, gw) : await runDelivery({ ...sc.o, token }, gw);
    results.push({ name: sc.name, ...r });
    const srv = r.server;
    const na = 'n/a';
    if (sc.kind === 'pub') {
      rows.push([
        sc.name,
        `${r.params.batch === 1 ? 'single' : `batch ${r.params.batch}`}, ${r.params.connections} conns`,
        `${Math.round(r.eventsPerS)} ev/s in`,
        '-',
        r.latencyMs.p50,
        r.latencyMs.p99,
        r.latencyMs.max,
        `${r.requests.non2xx + r.requests.errors} failed`,
        srv.unavailable ? na : `${srv.cpuS.toFixed(1)} (${srv.cpuPct.toFixed(0)}%)`,
        srv.unavailable ? na : `${srv.usPerEvent.toFixed(1)} /ev`,
        srv.unavailable ? na : srv.peakRssMiB.toFixed(0),
      ]);
    } else {
      const p = r.params;
      rows.push([
        sc.name,
        `${p.subs} subs x ${p.rate}/s${p.batch > 1 ? ` (batch ${p.batch})` : ''}${p.filters ? `, ${p.filters} filters` : ''}${p.stalledSubs ? `, ${p.stalledSubs} not reading` : ''}`,
        `${Math.round(r.deliveredPerS)} deliv/s`,
        `${fix(100 * r.ratio, 2)}%`,
        fix(r.latencyMs.p50),
        fix(r.latencyMs.p99),
        fix(r.latencyMs.max),
        `${r.probes.lost} lost, ${r.probes.dupes} dup`,
        srv.unavailable ? na : `${srv.cpuS.toFixed(1)} (${srv.cpuPct.toFixed(0)}%)`,
        srv.unavailable ? na : `${srv.usPerDelivery.toFixed(2)} /deliv`,
        srv.unavailable ? na : srv.peakRssMiB.toFixed(0),
      ]);
    }
  }
} finally {
  await gw.stop();
}
const head = ['scenario', 'workload', 'rate', 'delivered', 'p50 ms', 'p99 ms', 'max ms', 'lost/dup', 'srv CPU s', 'srv µs', 'peak RSS MiB'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
console.log(`\neventgate load (${full ? 'full' : 'quick'}) against ${gw.url}${gw.started ? ' (started here: npm start)' : ''}, ${Math.round((Date.now() - t0) / 1000)} s`);
console.log(line(head));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
if (remote) console.log('server CPU / RSS: unavailable for a remote gateway (only the load side is measured)');
if (a.json) fs.writeFileSync(a.json, JSON.stringify(results, null, 2));
