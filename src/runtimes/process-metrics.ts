/**
 * Process metrics for runtimes without prom-client (Bun, Deno), under the
 * conventional names: resident memory, CPU seconds (user, system, both) and
 * the start time, from their `node:process`. Written with the core's
 * registry, so the text passes the same checks.
 */
import process from 'node:process';
import { exposition } from '../core/metrics/exposition.ts';
import { Registry } from '../core/metrics/registry.ts';

const registry = new Registry();
const startSeconds = Date.now() / 1000 - process.uptime();
const cpu = () => process.cpuUsage();
registry.scalar('gauge', 'process_resident_memory_bytes', 'Resident memory size in bytes.', [], () => [{ labels: {}, value: process.memoryUsage().rss }]);
registry.scalar('counter', 'process_cpu_user_seconds_total', 'Total user CPU time spent in seconds.', [], () => [{ labels: {}, value: cpu().user / 1e6 }]);
registry.scalar('counter', 'process_cpu_system_seconds_total', 'Total system CPU time spent in seconds.', [], () => [{ labels: {}, value: cpu().system / 1e6 }]);
registry.scalar('counter', 'process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.', [], () => {
  const c = cpu();
  return [{ labels: {}, value: (c.user + c.system) / 1e6 }];
});
registry.scalar('gauge', 'process_start_time_seconds', 'Start time of the process since unix epoch in seconds.', [], () => [{ labels: {}, value: Math.round(startSeconds) }]);

/** The RuntimeAdapter's `processMetrics` for Bun and Deno. */
export function portableProcessMetrics(): string {
  return exposition(registry);
}
