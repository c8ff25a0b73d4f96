// The soak's seeded workload: a small PRNG, the events publishers send and
// the filters subscribers ask for. Everything random in the soak comes from
// here, so one --seed gives one schedule (timing still varies).

/** mulberry32: a 32-bit seeded PRNG, good enough for choosing workloads. */
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (xs) => xs[Math.floor(next() * xs.length)],
    chance: (p) => next() < p,
    fork: () => rng(Math.floor(next() * 2 ** 32)),
  };
}

export const TYPES = ['performance', 'error', 'cache'];
export const SEVERITIES = ['info', 'warning', 'error'];
const RANK = { info: 0, warning: 1, error: 2 };
export const ZONES = ['a', 'b', 'c'];

/** One event body; `soak_seq` is unique per run and lets the auditor tell a stored-twice event by content. */
export function makeEvent(r, seq, run) {
  const type = r.pick(TYPES);
  const severity = r.pick(SEVERITIES);
  const meta = { soak_run: run, soak_seq: seq, zone: r.pick(ZONES) };
  if (type === 'performance') Object.assign(meta, { metric_name: 'soak', current_value: seq, threshold_value: 1e12, component: 'soak', action_required: false });
  else if (type === 'error') Object.assign(meta, { error_type: 'Soak', error_message: `soak ${seq}`, component: 'soak', stack_trace: null, recovery_action: null });
  else Object.assign(meta, { operation: 'get', key: `k${seq}`, hit: r.chance(0.5), latency_ms: 1, size_bytes: null });
  return { type, severity, message: `soak seq=${seq}`, metadata: meta };
}

/** A generated filter: types, a severity list or a minimum, a metadata field; sometimes nothing. */
export function makeFilter(r, run) {
  const f = { meta: { soak_run: run } };
  if (r.chance(0.5)) f.types = TYPES.filter(() => r.chance(0.6));
  if (f.types && !f.types.length) delete f.types;
  const s = r.next();
  if (s < 0.25) f.min_severity = r.pick(['warning', 'error']);
  else if (s < 0.45) f.severity = SEVERITIES.filter(() => r.chance(0.6)).slice(0, 2);
  if (f.severity && !f.severity.length) delete f.severity;
  if (r.chance(0.3)) f.meta.zone = r.pick(ZONES);
  return f;
}

/** The auditor's own reading of a filter (written plainly; not the gateway's code). */
export function matches(f, e) {
  if (f.types && !f.types.includes(e.type)) return false;
  if (f.severity && !f.severity.includes(e.severity)) return false;
  if (f.min_severity && RANK[e.severity] < RANK[f.min_severity]) return false;
  for (const [k, v] of Object.entries(f.meta ?? {})) if (String(e.metadata[k]) !== String(v)) return false;
  return true;
}

/** Query string of a filter. */
export function filterQuery(f) {
  const q = new URLSearchParams();
  if (f.types) q.set('types', f.types.join(','));
  if (f.severity) q.set('severity', f.severity.join(','));
  if (f.min_severity) q.set('min_severity', f.min_severity);
  for (const [k, v] of Object.entries(f.meta ?? {})) q.set(`meta.${k}`, String(v));
  return q;
}
