/**
 * The severity of a built-in event when its publisher gives none; the same
 * rules for the HTTP API, the typed emitters and the Python publisher. This
 * file is where they are written; the README's "Severity rules" says them
 * for users.
 */
import type { CacheMetadata, CgragMetadata, ModelStateMetadata, PerformanceMetadata, Severity } from './schemas.ts';

const MODEL_ERROR = new Set(['error', 'failed', 'crashed', 'unhealthy']);
const MODEL_WARNING = new Set(['degraded', 'stopping', 'stopped', 'offline', 'unloading', 'restarting']);

export function inferSeverity(type: string, m: Record<string, unknown>): Severity {
  switch (type) {
    case 'error':
      return 'error';
    case 'performance': {
      const p = m as unknown as PerformanceMetadata;
      if (p.current_value <= p.threshold_value) return 'info';
      return p.action_required ? 'error' : 'warning';
    }
    case 'model_state': {
      const s = (m as unknown as ModelStateMetadata).current_state.toLowerCase();
      return MODEL_ERROR.has(s) ? 'error' : MODEL_WARNING.has(s) ? 'warning' : 'info';
    }
    case 'cache': {
      const c = m as unknown as CacheMetadata;
      return c.operation === 'error' || c.latency_ms >= 100 ? 'warning' : 'info';
    }
    case 'cgrag':
      return (m as unknown as CgragMetadata).chunks_retrieved === 0 ? 'warning' : 'info';
    default:
      return 'info';
  }
}
