/**
 * How long one GET /api/events/stats answer takes to build (and serialize)
 * with 100,000 subscribers, at three list caps: `node --import tsx load/stats-snapshot.ts`.
 */
import { statsSnapshot } from '../src/core/routes/stats.ts';
const subs = Array.from({ length: 100_000 }, (_, i) => ({
  id: i + 1,
  transport: i % 3 === 0 ? 'ws' : 'sse',
  filter: {},
  policy: 'disconnect',
  createdAt: 0,
  queuedEvents: i % 1000 === 7 ? 3 : 0,
  queuedBytes: i % 1000 === 7 ? 100 + i : 0,
  oldestQueuedMs: () => 0,
  delivered: 0,
  dropped: 0,
  lastDelivered: null,
}));
const bus = {
  backend: { window: () => ({ epoch: 'e', head: 0, oldest: null }), health: () => ({ ok: true }) },
  running: true,
  subscribers: () => subs.values(),
  subscriberCount: subs.length,
  counters: {},
} as any;
const deps = { bus, runtimeName: 'test', historyCapacity: 10, startedAt: 0, draining: () => false, emitFailures: () => 0 };
for (const k of [50, 1000, 10000]) {
  for (let w = 0; w < 3; w++) statsSnapshot(deps, k);
  const t = performance.now();
  const n = 20;
  for (let i = 0; i < n; i++) JSON.stringify(statsSnapshot(deps, k));
  console.log(`limit ${k}: ${((performance.now() - t) / n).toFixed(2)} ms per answer (100,000 subscribers, JSON included)`);
}
