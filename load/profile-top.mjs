#!/usr/bin/env node
// Where a V8 CPU profile's time went: self time by function (the top N), and
// by kind (socket writes, Node's stream machinery, promises and microtasks,
// eventgate's own code, garbage collection, other), as shares of busy time.
//
//   node --cpu-prof --cpu-prof-dir=/tmp/prof dist/cli/main.js      # then load it, then stop it
//   node load/profile-top.mjs /tmp/prof/CPU.*.cpuprofile [--top 25]
import fs from 'node:fs';
import { parseArgs } from 'node:util';

const { values: a, positionals } = parseArgs({ options: { top: { type: 'string', default: '25' }, help: { type: 'boolean' } }, allowPositionals: true });
if (a.help || positionals.length !== 1) {
  console.log('node load/profile-top.mjs FILE.cpuprofile [--top N]  (self time by function and by kind, as shares of busy time)');
  process.exit(a.help ? 0 : 2);
}

const prof = JSON.parse(fs.readFileSync(positionals[0], 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const selfUs = new Map();
// Sample i lasted timeDeltas[i + 1] (the delta before the next sample); the last one is dropped.
for (let i = 0; i < prof.samples.length - 1; i++) selfUs.set(prof.samples[i], (selfUs.get(prof.samples[i]) ?? 0) + prof.timeDeltas[i + 1]);

/** The kind of time a frame's self time is. */
function kind(cf) {
  const f = cf.functionName;
  const u = cf.url;
  if (f === '(idle)') return 'idle';
  if (f === '(garbage collector)') return 'garbage collection';
  if (/^write(Buffer|v|Utf8String|Latin1String|AsciiString|Ucs2String)$/.test(f) || f === 'writeGeneric' || f === 'writevGeneric') return 'socket write (syscall and C++)';
  if (/eventgate|\/(src|dist)\//.test(u) && !u.includes('node_modules')) return 'eventgate';
  if (/internal\/streams\/|node:stream|webstreams/.test(u) || /^(_write|writeOrBuffer|onwrite|afterWrite|Writable)/.test(f)) return 'Node streams';
  if (/processTicksAndRejections|runMicrotasks|promise/i.test(f) || u.includes('task_queues')) return 'promises and ticks';
  if (f === '(program)') return 'native, outside JS';
  if (u.includes('node_modules')) return 'libraries';
  return 'other JS and Node internals';
}

let busy = 0;
const fns = new Map();
const kinds = new Map();
for (const [id, us] of selfUs) {
  const cf = byId.get(id).callFrame;
  const k = kind(cf);
  if (k === 'idle') continue;
  busy += us;
  kinds.set(k, (kinds.get(k) ?? 0) + us);
  const name = `${cf.functionName || '(anonymous)'} ${cf.url ? `${cf.url.replace(/^.*\/(node_modules|src|dist)\//, '$1/')}:${cf.lineNumber + 1}` : ''}`.trim();
  fns.set(name, (fns.get(name) ?? 0) + us);
}
const share = (us) => `${((100 * us) / busy).toFixed(1)}%`;
const span = (prof.endTime - prof.startTime) / 1e6;
console.log(`${positionals[0]}: ${span.toFixed(1)} s profiled, ${(busy / 1e6).toFixed(2)} s busy (main thread)`);
console.log('\nby kind');
for (const [k, us] of [...kinds].sort((x, y) => y[1] - x[1])) console.log(`  ${share(us).padStart(6)}  ${k}`);
console.log(`\ntop ${a.top} functions by self time`);
for (const [n, us] of [...fns].sort((x, y) => y[1] - x[1]).slice(0, Number(a.top))) console.log(`  ${share(us).padStart(6)}  ${n}`);
