/**
 * A realistic mix of the six event types, as the first user's LLM
 * orchestration backend would publish them, so a newcomer sees a live
 * stream at once (`npm run demo`, or DEMO=1).
 */
import type { Emitters } from './core/emitters.ts';

const _TIERS = ['Q2', 'Q3', 'Q4'] as const;
const MODELS = ['llama-3-8b-q4', 'qwen2-7b-q5', 'mistral-7b-q8', 'phi-3-mini'];
const COMPONENTS = ['router', 'retriever', 'model-manager', 'cache', 'gateway'];

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;
const id = () => Math.random().toString(36).slice(2, 10);
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

/** Publishes one demo event of a random type through the typed emitters. */
export function emitDemoEvent(emit: Emitters, queryId = id()): void {
  const r = Math.random();
  if (r < 0.25) {
    const complexity = round(Math.random() * 10);
    const tier = complexity > 7 ? 'Q4' : complexity > 3.5 ? 'Q3' : 'Q2';
    void emit.queryRoute({
      query_id: queryId,
      complexity_score: complexity,
      selected_tier: tier,
      estimated_latency_ms: tier === 'Q4' ? 12000 : tier === 'Q3' ? 4000 : 900,
      routing_reason: complexity > 7 ? 'Complex multi-part analysis' : complexity > 3.5 ? 'Moderate reasoning required' : 'Simple factual lookup',
    });
  } else if (r < 0.45) {
    void emit.cgrag({
      query_id: queryId,
      chunks_retrieved: Math.floor(Math.random() * 12),
      relevance_threshold: 0.7,
      retrieval_time_ms: round(20 + Math.random() * 200),
      total_tokens: Math.floor(200 + Math.random() * 4000),
      cache_hit: Math.random() < 0.3,
    });
  } else if (r < 0.7) {
    const hit = Math.random() < 0.6;
    void emit.cache({
      operation: pick(['get', 'get', 'set', 'evict']),
      key: `embedding:${id()}`,
      hit,
      latency_ms: round(hit ? Math.random() * 5 : 5 + Math.random() * 150),
      size_bytes: Math.floor(Math.random() * 65536),
    });
  } else if (r < 0.82) {
    const states = ['loading', 'active', 'idle', 'unloading', 'degraded', 'error'];
    void emit.modelState({
      model_id: pick(MODELS),
      previous_state: pick(states),
      current_state: pick(states),
      reason: pick(['scheduled warm-up', 'memory pressure', 'health check', 'operator request']),
      port: 8080 + Math.floor(Math.random() * 4),
    });
  } else if (r < 0.94) {
    const value = round(Math.random() * 20000, 0);
    void emit.performance({
      metric_name: pick(['p95_latency_ms', 'queue_depth', 'gpu_memory_mb']),
      current_value: value,
      threshold_value: 12000,
      component: pick(COMPONENTS),
      action_required: value > 17000,
    });
  } else {
    void emit.error({
      error_type: pick(['TimeoutError', 'ModelLoadError', 'RetrievalError']),
      error_message: pick(['upstream model did not answer in 30s', 'out of GPU memory', 'vector index unavailable']),
      component: pick(COMPONENTS),
      stack_trace: null,
      recovery_action: pick(['retry with Q2 tier', 'restart model', 'serve from cache']),
    });
  }
}

/** Publishes `rate` events per second until the returned function is called. */
export function startDemo(emit: Emitters, rate: number): () => void {
  const every = Math.max(1, Math.floor(1000 / rate));
  const perTick = Math.max(1, Math.round(rate / (1000 / every)));
  let queryId = id();
  let n = 0;
  const timer = setInterval(() => {
    for (let i = 0; i < perTick; i++) {
      if (n++ % 3 === 0) queryId = id(); // a few events per query, so meta.query_id follows one
      emitDemoEvent(emit, queryId);
    }
  }, every);
  return () => clearInterval(timer);
}
