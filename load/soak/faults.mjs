// Faults on a schedule: each runs at its time, logs what it did, and leaves
// the cluster whole again (a killed gateway restarted on its port, Redis
// restarted from its append-only file, a cut proxy restored).
const wait = (ms) => new Promise((r) => setTimeout(r, ms));

export function faultPlan(o) {
  const memory = ['burst', 'sigterm', 'burst', 'sigkill'];
  const redis = ['burst', 'sigterm', 'cut', 'redis-restart', 'sigkill', 'burst'];
  const kinds = o.redis ? redis : memory;
  const totalMs = o.minutes * 60_000;
  // Faults over the first 80% of the run, about one every 90 s on long runs; the rest lets the fence through.
  const span = totalMs * 0.8;
  const n = Math.max(kinds.length, Math.floor(span / 90_000));
  const step = span / (n + 1);
  return Array.from({ length: n }, (_, i) => ({ at: Math.round(step * (i + 1)), kind: kinds[i % kinds.length], i }));
}

export async function runFault(f, { cluster, burst, say, counters }) {
  const gws = cluster.gateways;
  const g = gws[f.i % gws.length];
  const t0 = Date.now();
  counters[f.kind] = (counters[f.kind] ?? 0) + 1;
  if (f.kind === 'burst') {
    const n = await burst();
    say(`fault: burst of ${n} events (history ${cluster.history})`);
  } else if (f.kind === 'sigterm' || f.kind === 'sigkill') {
    cluster.down.add(g);
    await g.kill(f.kind.toUpperCase());
    await g.start();
    cluster.down.delete(g);
    say(`fault: ${f.kind.toUpperCase()} gateway ${g.name}, restarted in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } else if (f.kind === 'cut') {
    cluster.proxy.cut();
    await wait(8000);
    cluster.proxy.restore();
    say('fault: gateway B cut off from Redis for 8 s, restored');
  } else if (f.kind === 'redis-restart') {
    await cluster.redis.stop();
    await wait(1000);
    await cluster.redis.start();
    say(`fault: redis-server restarted in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
}
