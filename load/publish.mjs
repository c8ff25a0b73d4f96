#!/usr/bin/env node
// Publishing load: autocannon (programmatic API) against POST /api/events,
// with single events or batches. Reports accepted events/s (2xx requests x
// batch), request latency percentiles, and the server's CPU from /proc.
//
//   node load/publish.mjs --batch 1 --seconds 10 --connections 16
//   node load/publish.mjs --url http://10.0.0.5:8000 --token $PUBLISH_TOKEN --batch 100
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { gateway, loadEvent, padFor } from './lib/gateway.mjs';
import { Sampler } from './lib/proc.mjs';

export const PUBLISH_DEFAULTS = { batch: 1, seconds: 10, connections: 16, pipelining: 1, payload: 300 };

export async function runPublish(o, gw) {
  o = { ...PUBLISH_DEFAULTS, ...o };
  const pad = padFor(o.payload);
  const evs = Array.from({ length: o.batch }, (_, i) => loadEvent(i, pad));
  const body = JSON.stringify(o.batch === 1 ? evs[0] : evs);
  const headers = { 'content-type': 'application/json', ...(o.token ? { authorization: `Bearer ${o.token}` } : {}) };
  const sampler = gw.pid ? new Sampler(gw.pid) : undefined;
  sampler?.mark();
  const r = await autocannon({ url: `${gw.url}/api/events`, method: 'POST', headers, body, duration: o.seconds, connections: o.connections, pipelining: o.pipelining });
  const win = sampler?.window();
  sampler?.stop();
  const accepted = r['2xx'];
  const events = accepted * o.batch;
  return {
    params: { ...o, url: gw.url },
    requests: { ok: accepted, non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts, perS: accepted / o.seconds },
    eventsPerS: events / o.seconds,
    latencyMs: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max },
    server: win
      ? { cpuS: win.cpuS, cpuPct: (100 * win.cpuS) / o.seconds, usPerEvent: (win.cpuS * 1e6) / Math.max(1, events), peakRssMiB: win.peakRssKiB / 1024 }
      : { unavailable: 'the server is remote (or not visible in /proc): CPU and RSS are not measured' },
  };
}

export function summary(r) {
  const s = r.server;
  return `publish batch=${r.params.batch} conns=${r.params.connections} ${r.params.seconds}s | ${Math.round(r.requests.perS)} req/s, ${Math.round(r.eventsPerS)} events/s accepted (non-2xx ${r.requests.non2xx}, errors ${r.requests.errors}) | lat p50 ${r.latencyMs.p50} p90 ${r.latencyMs.p90} p99 ${r.latencyMs.p99} max ${r.latencyMs.max} ms | ${s.unavailable ? 'server cpu: n/a (remote)' : `srv cpu ${s.cpuS.toFixed(2)}s (${s.cpuPct.toFixed(0)}%) ${s.usPerEvent.toFixed(1)} us/event`}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values: a } = parseArgs({
    options: {
      url: { type: 'string' },
      batch: { type: 'string' },
      seconds: { type: 'string' },
      connections: { type: 'string' },
      pipelining: { type: 'string' },
      payload: { type: 'string' },
      token: { type: 'string' },
      json: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (a.help) {
    console.log('node load/publish.mjs [--url http://host:port] [--batch B] [--seconds D] [--connections C] [--pipelining P] [--payload BYTES] [--token T] [--json FILE]');
    process.exit(0);
  }
  const o = { token: a.token || process.env.PUBLISH_TOKEN };
  for (const k of ['batch', 'seconds', 'connections', 'pipelining', 'payload']) if (a[k] !== undefined) o[k] = Number(a[k]);
  const gw = await gateway({ url: a.url, log: console.error });
  if (!gw.local) console.error('server CPU and RSS: unavailable (remote gateway)');
  try {
    const r = await runPublish(o, gw);
    console.log(summary(r));
    if (a.json) fs.writeFileSync(a.json, JSON.stringify(r, null, 2));
  } finally {
    await gw.stop();
  }
}
