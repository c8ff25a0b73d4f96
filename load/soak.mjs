// The soak: a gateway (or two on one Redis) under a mixed, seeded workload
// for --minutes, with faults on a schedule (--faults), every subscriber's
// stream audited against the acknowledged events. Exits 1 on any silent
// loss, duplicate, reorder or filter violation. Loopback only.
//
//   npm run soak -- --minutes 1 --faults
//   npm run soak -- --minutes 30 --redis --faults --json soak.json
//   npm run soak -- --url http://127.0.0.1:8000 --minutes 5
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { Auditor } from './soak/audit.mjs';
import { startCluster } from './soak/cluster.mjs';
import { faultPlan, runFault } from './soak/faults.mjs';
import { Publisher } from './soak/publisher.mjs';
import { memoryFigures, table } from './soak/report.mjs';
import { Subscriber } from './soak/subscriber.mjs';
import { matches, rng, SEVERITIES, TYPES, ZONES } from './soak/workload.mjs';

const { values: a } = parseArgs({
  options: {
    minutes: { type: 'string', default: '1' },
    redis: { type: 'boolean', default: false },
    url: { type: 'string' },
    faults: { type: 'boolean', default: false },
    json: { type: 'string' },
    seed: { type: 'string' },
    rate: { type: 'string', default: '20' },
    subscribers: { type: 'string', default: '24' },
    history: { type: 'string', default: '3000' },
    'sample-ms': { type: 'string', default: '5000' },
  },
});
const o = {
  minutes: Number(a.minutes),
  redis: a.redis,
  url: a.url,
  faults: a.faults,
  rate: Number(a.rate),
  subscribers: Number(a.subscribers),
  history: Number(a.history),
  seed: a.seed ? Number(a.seed) : Date.now() % 1e9,
};
if (!(o.minutes > 0 && o.minutes <= 24 * 60)) throw new Error('--minutes must be between 0 and 1440');
if (o.url && !/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\/?$/.test(o.url)) throw new Error('--url must be a loopback http:// address');
if (o.url && o.faults) throw new Error('--faults needs gateways the soak starts itself (not --url)');
o.run = `r${o.seed.toString(36)}${Date.now().toString(36).slice(-4)}`;
const say = (s) => console.log(`[${((performance.now() - T0) / 1000).toFixed(0).padStart(5)} s] ${s}`);
const T0 = performance.now();
const since = () => performance.now() - T0;
say(
  `soak: ${o.minutes} min, seed ${o.seed}, ${o.redis ? 'two gateways on Redis' : (o.url ?? 'one gateway on memory')}, faults ${o.faults ? 'on' : 'off'}, ${o.rate} events/s, ${o.subscribers} subscribers`,
);

const r = rng(o.seed);
const auditor = new Auditor({ log: say });
const counters = {
  published: 0,
  acknowledged_batches: 0,
  retries: 0,
  rejected: 0,
  gave_up: 0,
  reconnects: 0,
  deliberate_drops: 0,
  filter_changes: 0,
  recoveries: 0,
  left: 0,
  unfinished: 0,
  subscribers_total: 0,
};
const faultCounts = {};
let seq = 0;
const nextSeq = () => ++seq;
const cluster = await startCluster(o, say);
cluster.history = o.history;
const stopAt = o.minutes * 60_000;
let stopping = false;

// Publishers: two, sharing the rate.
const pubs = [0, 1].map((i) => new Publisher({ name: `p${i}`, targets: cluster.targets, r: r.fork(), auditor, run: o.run, nextSeq, rate: o.rate / 2, counters }).start());

// Subscribers: profiles drawn from the seed; half stay to the end, the rest leave and are replaced.
const subs = new Set();
function newSubscriber() {
  const sr = r.fork();
  const leaves = sr.chance(0.4) && !stopping;
  const profile = {
    transport: sr.chance(0.5) ? 'sse' : 'ws',
    policy: sr.chance(0.6) ? 'disconnect' : 'drop',
    reader: sr.pick(['normal', 'normal', 'normal', 'slow', 'stall']),
    dropper: sr.chance(0.35),
    changer: sr.chance(0.35),
    lifetimeMs: leaves ? sr.int(15_000, Math.max(20_000, Math.min(stopAt / 2, 600_000))) : 0,
  };
  const s = new Subscriber({
    name: `s${++counters.subscribers_total}/${profile.transport}/${profile.policy}/${profile.reader}${profile.dropper ? '/dropper' : ''}${profile.changer ? '/changer' : ''}`,
    targets: cluster.targets,
    r: sr,
    auditor,
    run: o.run,
    profile,
    counters,
  });
  subs.add(s.start());
}
for (let i = 0; i < o.subscribers; i++) newSubscriber();
const churn = setInterval(() => {
  for (const s of subs) if (s.stopped) subs.delete(s);
  if (!stopping && subs.size < o.subscribers) newSubscriber();
}, 1000);

// Sampling and rolling audit.
const sampler = setInterval(() => {
  for (const g of cluster.gateways) g.sample(since());
}, Number(a['sample-ms']));
const auditing = setInterval(() => auditor.tick(performance.now()), 5000);
let _lastProgress = 0;
const progress = setInterval(
  () => {
    const t = auditor.t,
      g = cluster.gateways[0]?.lives.at(-1)?.samples.at(-1);
    say(
      `published ${counters.published}, acknowledged ${t.acknowledged}, delivered ${t.delivered}, subscribers ${subs.size}, silent losses ${t.silent_losses}, duplicates ${t.duplicates}, reorders ${t.reorders}${g ? `, rss ${g.rssMiB.toFixed(0)} MiB` : ''}`,
    );
    _lastProgress = t.delivered;
  },
  Math.max(10_000, Math.min(60_000, stopAt / 10)),
);

// Faults.
const burst = async () => {
  const n = Math.round(o.history * 1.5);
  const p = new Publisher({ name: `burst${faultCounts.burst}`, targets: cluster.targets, r: r.fork(), auditor, run: o.run, nextSeq, rate: 1e9, counters });
  // Batches of 500 back to back, two at a time: faster than any subscriber reads, and history is outrun.
  const sizes = [];
  for (let left = n; left > 0; left -= 500) sizes.push(Math.min(500, left));
  await Promise.all(
    [0, 1].map(async () => {
      while (sizes.length) await p.send(sizes.shift());
    }),
  );
  return n;
};
const faultsDone = (async () => {
  if (!o.faults) return;
  for (const f of faultPlan(o)) {
    const dt = f.at - since();
    if (dt > 0) await new Promise((res) => setTimeout(res, dt));
    if (stopping) return;
    try {
      await runFault(f, { cluster, burst, say, counters: faultCounts });
    } catch (e) {
      say(`fault ${f.kind} failed: ${e.message}`);
      throw e;
    }
  }
})();

await new Promise((res) => setTimeout(res, stopAt));
stopping = true;
say('soak: stopping publishers, waiting for faults to finish');
await faultsDone;
await Promise.all(pubs.map((p) => p.stop()));
clearInterval(churn);

// The fence: one event of every type, severity and zone, so that every filter takes at least one.
const fence = [];
for (const type of TYPES) for (const severity of SEVERITIES) for (const zone of ZONES) fence.push({ type, severity, zone });
const fp = new Publisher({ name: 'fence', targets: cluster.targets, r: r.fork(), auditor, run: o.run, nextSeq, rate: 1e9, counters });
const before = seq;
await fp.send(fence.length);
const fenceBodies = [];
for (let s = before + 1; s <= seq; s++) fenceBodies.push(auditor.bySeq.get(s));
say(`soak: fence of ${fenceBodies.length} events published; waiting for every subscriber`);
await Promise.all([...subs].map((s) => s.finish(fenceBodies, matches)));
clearInterval(sampler);
clearInterval(auditing);
clearInterval(progress);
auditor.finish();
const wallS = since() / 1000;
const mem = memoryFigures(cluster.gateways, Math.min(120_000, stopAt * 0.2), wallS);
await cluster.stop();

const t = auditor.t;
const result = {
  command: `npm run soak -- ${process.argv.slice(2).join(' ')}`.trim(),
  seed: o.seed,
  minutes: o.minutes,
  wall_s: Math.round(wallS),
  backend: o.url ? 'external' : o.redis ? 'redis (2 gateways)' : 'memory',
  faults: o.faults ? faultCounts : 'off',
  published: counters.published,
  acknowledged: t.acknowledged,
  delivered: t.delivered,
  subscribers_total: counters.subscribers_total,
  silent_losses: t.silent_losses,
  duplicates: t.duplicates,
  reorders: t.reorders,
  filter_violations: t.filter_violations,
  stored_twice: t.stored_twice,
  signalled_gaps: t.signalled_gaps,
  signals: auditor.signals,
  signalled_events: t.signalled_events,
  recovered: t.recovered,
  replayed_on_resume: t.replayed_on_resume,
  unrecoverable: t.unrecoverable,
  resent_after_store_loss: t.resent_after_store_loss,
  unacknowledged_delivered: t.unacknowledged_delivered,
  retries: counters.retries,
  gave_up: counters.gave_up,
  rejected: counters.rejected,
  reconnects: counters.reconnects,
  deliberate_drops: counters.deliberate_drops,
  filter_changes: counters.filter_changes,
  dropped_recoveries: counters.recoveries,
  unfinished_subscribers: counters.unfinished,
  ...mem,
  examples: auditor.examples,
};
console.log(`\nsoak result (seed ${o.seed})\n${table(result)}\n  signals            ${JSON.stringify(auditor.signals)}\n  faults             ${JSON.stringify(result.faults)}`);
for (const e of auditor.examples) console.log(`  ! ${e}`);
if (a.json) fs.writeFileSync(a.json, `${JSON.stringify(result, null, 2)}\n`);
const failed = t.silent_losses + t.duplicates + t.reorders + t.filter_violations + t.stored_twice + counters.rejected;
console.log(failed ? `\nsoak FAILED: ${failed} problem(s); rerun with --seed ${o.seed}` : '\nsoak passed: nothing lost silently, nothing twice, nothing out of order');
process.exit(failed ? 1 : 0);
