/**
 * Typed emitters for the six built-in types, for applications that embed the
 * gateway. An emitter fills in the message and severity when none is given,
 * and never throws into its caller: a failure is logged and counted, and the
 * returned promise resolves to undefined.
 *
 * Severity when none is given: the registry's rule for the type (for the
 * built-in types, the rules in severity.ts, which the README's "Severity
 * rules" section states for users).
 *
 * Retries: when the store is unavailable (BackendUnavailableError: Redis
 * down, or its answer lost with the connection, when the event may be
 * stored after all) an emit is tried again, up to EMIT_ATTEMPTS times, under
 * one idempotency key, so it is stored at most once.
 */
import * as v from 'valibot';
import type { NewEvent } from './event.ts';
import type { EventRegistry } from './registry.ts';
import { BackendUnavailableError } from './store.ts';
import type { BuiltinMetadata, CacheMetadata, CgragMetadata, ErrorMetadata, ModelStateMetadata, PerformanceMetadata, QueryRouteMetadata, Severity } from './schemas.ts';

export interface EmitOptions {
  message?: string;
  severity?: Severity;
  /** Unix seconds; default now. */
  timestamp?: number;
}

type Emit<M> = (metadata: M, options?: EmitOptions) => Promise<string | undefined>;

export interface Emitters {
  queryRoute: Emit<QueryRouteMetadata>;
  modelState: Emit<ModelStateMetadata>;
  cgrag: Emit<CgragMetadata>;
  cache: Emit<CacheMetadata>;
  error: Emit<ErrorMetadata>;
  performance: Emit<PerformanceMetadata>;
}

export function defaultMessage<T extends keyof BuiltinMetadata>(type: T, m: BuiltinMetadata[T]): string {
  switch (type) {
    case 'query_route': {
      const q = m as QueryRouteMetadata;
      return `Query routed to ${q.selected_tier} tier (complexity: ${q.complexity_score})`;
    }
    case 'model_state': {
      const s = m as ModelStateMetadata;
      return `Model ${s.model_id}: ${s.previous_state} → ${s.current_state} (${s.reason})`;
    }
    case 'cgrag': {
      const g = m as CgragMetadata;
      return `Retrieved ${g.chunks_retrieved} chunks (${g.total_tokens} tokens) in ${g.retrieval_time_ms}ms${g.cache_hit ? ' from cache' : ''}`;
    }
    case 'cache': {
      const c = m as CacheMetadata;
      return `Cache ${c.operation} ${c.hit ? 'hit' : 'miss'}: ${c.key} (${c.latency_ms}ms)`;
    }
    case 'error': {
      const e = m as ErrorMetadata;
      return `${e.error_type} in ${e.component}: ${e.error_message}`;
    }
    default: {
      const p = m as PerformanceMetadata;
      return `${p.metric_name} at ${p.current_value} (threshold ${p.threshold_value}) in ${p.component}`;
    }
  }
}

/** Tries per emit when the store is unavailable; the waits between are 100 ms, then 400 ms. */
export const EMIT_ATTEMPTS = 3;

export function createEmitters(
  registry: EventRegistry,
  /** Stores one event under `key` (the same key for every try of one emit); resolves with its id. */
  publish: (e: NewEvent, key: string) => Promise<string>,
  onFailure: (err: unknown, type: string) => void,
): Emitters {
  const make =
    <T extends keyof BuiltinMetadata>(type: T): Emit<BuiltinMetadata[T]> =>
    async (metadata, options = {}) => {
      try {
        const schema = registry.schema(type);
        if (!schema) throw new Error(`type ${type} is not registered`);
        const result = v.safeParse(schema, metadata);
        if (!result.success) {
          const first = result.issues[0]!;
          throw new Error(`invalid ${type} metadata at ${(first.path ?? []).map((p) => String(p.key)).join('.') || '$'}: ${first.message}`);
        }
        const event: NewEvent = {
          timestamp: options.timestamp ?? Date.now() / 1000,
          type,
          severity: options.severity ?? registry.severity(type, result.output),
          message: options.message ?? defaultMessage(type, metadata),
          metadata: result.output,
        };
        const key = `emit-${crypto.randomUUID()}`;
        for (let attempt = 1; ; attempt++) {
          try {
            return await publish(event, key);
          } catch (err) {
            if (!(err instanceof BackendUnavailableError) || attempt >= EMIT_ATTEMPTS) throw err;
            await new Promise((r) => setTimeout(r, 100 * 4 ** (attempt - 1)));
          }
        }
      } catch (err) {
        onFailure(err, type);
        return undefined;
      }
    };
  return {
    queryRoute: make('query_route'),
    modelState: make('model_state'),
    cgrag: make('cgrag'),
    cache: make('cache'),
    error: make('error'),
    performance: make('performance'),
  };
}
