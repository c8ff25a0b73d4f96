/**
 * Node's process metrics for GET /metrics, from prom-client's default
 * collectors (process_resident_memory_bytes, process_cpu_seconds_total,
 * nodejs_eventloop_lag_seconds, heap, GC, handles...), on a registry of
 * their own, started on the first scrape. Three of prom-client's families
 * are gauges named like counters (nodejs_active_handles_total,
 * nodejs_active_requests_total, nodejs_active_resources_total), which
 * `promtool check metrics` rejects: they are left out (the same numbers
 * are in nodejs_active_handles, nodejs_active_requests and
 * nodejs_active_resources, by type).
 */
import { collectDefaultMetrics, Registry } from 'prom-client';

const LEFT_OUT = new Set(['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']);

/** The family a line of exposition text belongs to. */
function familyOf(line: string): string {
  if (line.startsWith('# ')) return line.split(' ', 3)[2] ?? '';
  const end = line.search(/[{ ]/);
  return end < 0 ? line : line.slice(0, end);
}

/** Drops the families promtool rejects from exposition text. */
export function withoutRejected(text: string): string {
  return text
    .split('\n')
    .filter((l) => !LEFT_OUT.has(familyOf(l)))
    .join('\n');
}

let registry: Registry | undefined;

/** prom-client's default Node metrics as exposition text (the RuntimeAdapter's `processMetrics`). */
export async function nodeProcessMetrics(): Promise<string> {
  if (!registry) {
    registry = new Registry();
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
  }
  return withoutRejected(await registry.metrics());
}
