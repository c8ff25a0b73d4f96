#!/usr/bin/env node
// What two V8 heap snapshots differ by, per constructor: count and self size
// added between BEFORE and AFTER, divided by --per (the connections opened in
// between, say), largest first. Pairs with load/idle-memory.mjs --heap-snapshot.
//
//   node load/heap-diff.mjs /tmp/idle.heapsnapshot.before /tmp/idle.heapsnapshot --per 5000 [--top 30]
import fs from 'node:fs';
import { parseArgs } from 'node:util';

const { values: a, positionals } = parseArgs({
  options: { per: { type: 'string', default: '1' }, top: { type: 'string', default: '30' }, help: { type: 'boolean' } },
  allowPositionals: true,
});
if (a.help || positionals.length !== 2) {
  console.log('node load/heap-diff.mjs BEFORE.heapsnapshot AFTER.heapsnapshot [--per N] [--top K]');
  process.exit(a.help ? 0 : 2);
}

/** Count and self size per "type:name" (objects by constructor, strings, code, arrays, native...). */
function byConstructor(file) {
  const snap = JSON.parse(fs.readFileSync(file, 'utf8'));
  const meta = snap.snapshot.meta;
  const fields = meta.node_fields;
  const types = meta.node_types[0];
  const iType = fields.indexOf('type');
  const iName = fields.indexOf('name');
  const iSize = fields.indexOf('self_size');
  const n = fields.length;
  const out = new Map();
  for (let i = 0; i < snap.nodes.length; i += n) {
    const type = types[snap.nodes[i + iType]];
    const raw = snap.strings[snap.nodes[i + iName]];
    // Strings and numbers are named by their value: group them by type alone.
    const name = type === 'object' || type === 'native' || type === 'closure' ? raw : '';
    const key = `${type}${name ? `:${name}` : ''}`;
    const e = out.get(key) ?? { count: 0, bytes: 0 };
    e.count++;
    e.bytes += snap.nodes[i + iSize];
    out.set(key, e);
  }
  return out;
}

const before = byConstructor(positionals[0]);
const after = byConstructor(positionals[1]);
const per = Number(a.per);
const rows = [];
let total = 0;
for (const [k, e] of after) {
  const b = before.get(k) ?? { count: 0, bytes: 0 };
  const dBytes = e.bytes - b.bytes;
  total += dBytes;
  rows.push({ k, count: (e.count - b.count) / per, bytes: dBytes / per });
}
for (const [k, b] of before) if (!after.has(k)) (total -= b.bytes), rows.push({ k, count: -b.count / per, bytes: -b.bytes / per });
rows.sort((x, y) => y.bytes - x.bytes);
console.log(`self size added: ${(total / per).toFixed(0)} B per unit (--per ${per})`);
console.log('   bytes  count  type:constructor');
for (const r of rows.slice(0, Number(a.top))) console.log(`${r.bytes.toFixed(0).padStart(8)} ${r.count.toFixed(2).padStart(6)}  ${r.k}`);
