/**
 * Starts a real gateway on Node on a free port, in this process, with
 * configuration overrides. Every test talks to it over real sockets.
 */
import { loadConfig, type Config } from '../../src/runtimes/server-config.ts';
import type { Logger } from '../../src/core/logger.ts';
import { startNodeServer, type NodeServer } from '../../src/runtimes/node/server.ts';

export const quietLogger: Logger = (level, message, detail) => {
  if (level === 'error') console.error(`[eventgate] ${message}`, detail ?? '');
};

export async function startGateway(env: Record<string, string> = {}, overrides: Partial<Config> = {}): Promise<NodeServer> {
  const config = { ...loadConfig({ HOST: '127.0.0.1', PORT: '0', ...env }), ...overrides };
  return startNodeServer(config, { logger: quietLogger });
}

export { publish } from './http.ts';

let n = 0;
/** A valid event of each built-in type; `i` makes it distinguishable. */
export function sampleEvent(type: string, extra: Record<string, unknown> = {}, severity?: string): Record<string, unknown> {
  const i = ++n;
  const metadata: Record<string, Record<string, unknown>> = {
    query_route: { query_id: `q${i}`, complexity_score: 8.5, selected_tier: 'Q4', estimated_latency_ms: 12000, routing_reason: 'Complex multi-part analysis' },
    model_state: { model_id: 'm1', previous_state: 'idle', current_state: 'active', reason: 'load', port: 8080 },
    cgrag: { query_id: `q${i}`, chunks_retrieved: 5, relevance_threshold: 0.7, retrieval_time_ms: 40, total_tokens: 1200, cache_hit: false },
    cache: { operation: 'get', key: `k${i}`, hit: true, latency_ms: 1.5, size_bytes: 512 },
    error: { error_type: 'TimeoutError', error_message: 'too slow', component: 'router', stack_trace: null, recovery_action: 'retry' },
    performance: { metric_name: 'p95_latency_ms', current_value: 100, threshold_value: 200, component: 'router', action_required: false },
  };
  return { type, message: `${type} event ${i}`, metadata: { ...metadata[type], ...extra }, ...(severity ? { severity } : {}) };
}

export const TYPES = ['query_route', 'model_state', 'cgrag', 'cache', 'error', 'performance'] as const;
