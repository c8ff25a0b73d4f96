/**
 * The six event types of the first user's backend, as valibot schemas of
 * their metadata. Extra metadata fields pass through (loose objects); a
 * missing or mistyped required field is rejected.
 */
import * as v from 'valibot';
import type { BuiltinType } from '../protocol.ts';

export { SEVERITIES, SEVERITY_RANK, type Severity } from '../protocol.ts';

const str = v.string();
const num = v.pipe(v.number(), v.finite());

export const queryRouteSchema = v.looseObject({
  query_id: str,
  complexity_score: num,
  selected_tier: str,
  estimated_latency_ms: num,
  routing_reason: str,
});

export const modelStateSchema = v.looseObject({
  model_id: str,
  previous_state: str,
  current_state: str,
  reason: str,
  port: v.union([v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65535)), v.null()]),
});

export const cgragSchema = v.looseObject({
  query_id: str,
  chunks_retrieved: v.pipe(v.number(), v.integer(), v.minValue(0)),
  relevance_threshold: num,
  retrieval_time_ms: num,
  total_tokens: v.pipe(v.number(), v.integer(), v.minValue(0)),
  cache_hit: v.boolean(),
});

export const cacheSchema = v.looseObject({
  operation: str,
  key: str,
  hit: v.boolean(),
  latency_ms: num,
  size_bytes: v.union([v.pipe(v.number(), v.integer(), v.minValue(0)), v.null()]),
});

export const errorSchema = v.looseObject({
  error_type: str,
  error_message: str,
  component: str,
  stack_trace: v.nullable(str),
  recovery_action: v.nullable(str),
});

export const performanceSchema = v.looseObject({
  metric_name: str,
  current_value: num,
  threshold_value: num,
  component: str,
  action_required: v.boolean(),
});

export type QueryRouteMetadata = v.InferOutput<typeof queryRouteSchema>;
export type ModelStateMetadata = v.InferOutput<typeof modelStateSchema>;
export type CgragMetadata = v.InferOutput<typeof cgragSchema>;
export type CacheMetadata = v.InferOutput<typeof cacheSchema>;
export type ErrorMetadata = v.InferOutput<typeof errorSchema>;
export type PerformanceMetadata = v.InferOutput<typeof performanceSchema>;

/** Metadata type of each built-in event type. */
export interface BuiltinMetadata {
  query_route: QueryRouteMetadata;
  model_state: ModelStateMetadata;
  cgrag: CgragMetadata;
  cache: CacheMetadata;
  error: ErrorMetadata;
  performance: PerformanceMetadata;
}

export const BUILTIN_SCHEMAS: { readonly [K in BuiltinType]: v.GenericSchema<unknown, BuiltinMetadata[K]> } = {
  query_route: queryRouteSchema,
  model_state: modelStateSchema,
  cgrag: cgragSchema,
  cache: cacheSchema,
  error: errorSchema,
  performance: performanceSchema,
};

export type { BuiltinType } from '../protocol.ts';
