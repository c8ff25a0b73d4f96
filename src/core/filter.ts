/**
 * Subscription filters: by type, severity (a list or a minimum) and exact
 * metadata fields. The same fields come from a query string (SSE and WS) or
 * a WebSocket `{"op":"filter"}` message. Filters with the same canonical key
 * are shared by the bus, so a publish tests each distinct filter once.
 * A `meta.<field>` filter matches the event's own metadata fields only, and
 * prototype-like names (`__proto__`, `constructor`) are field names as any other.
 */
import type { SystemEvent } from './event.ts';
import { SEVERITIES, SEVERITY_RANK, type Severity } from './schemas.ts';

export interface Filter {
  types?: string[];
  severity?: Severity[];
  min_severity?: Severity;
  meta?: Record<string, string>;
}

export interface FilterError {
  field: string;
  message: string;
}

/** Query parameters that are not filter fields but are allowed on subscriptions. */
export const SUBSCRIPTION_PARAMS = new Set(['last_event_id', 'replay', 'on_overflow', 'access_token']);

function list(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const parts = Array.isArray(value) ? value.map(String) : String(value).split(',');
  return parts.map((s) => s.trim()).filter(Boolean);
}

/**
 * Reads a filter from flat fields (`types`, `severity`, `min_severity`,
 * `meta.<field>`, or a `meta` object). Unknown fields are errors, except
 * those in `allowed`.
 */
export function parseFilter(fields: Record<string, unknown>, knownTypes: readonly string[], allowed: ReadonlySet<string> = new Set()): { filter: Filter } | { error: FilterError } {
  const filter: Filter = {};
  for (const [key, value] of Object.entries(fields)) {
    if (key === 'types' || key === 'type') {
      const types = list(value) ?? [];
      const unknown = types.filter((t) => !knownTypes.includes(t));
      if (unknown.length) return { error: { field: key, message: `unknown type ${unknown.map((t) => `"${t}"`).join(', ')} (known: ${knownTypes.join(', ')})` } };
      if (types.length) filter.types = [...new Set(types)].sort();
    } else if (key === 'severity') {
      const sev = list(value) ?? [];
      const bad = sev.filter((s) => !SEVERITIES.includes(s as Severity));
      if (bad.length) return { error: { field: key, message: `unknown severity ${bad.map((s) => `"${s}"`).join(', ')} (known: ${SEVERITIES.join(', ')})` } };
      if (sev.length) filter.severity = [...new Set(sev as Severity[])].sort((a, b) => SEVERITY_RANK[a] - SEVERITY_RANK[b]);
    } else if (key === 'min_severity') {
      const s = String(value ?? '').trim();
      if (!SEVERITIES.includes(s as Severity)) return { error: { field: key, message: `must be one of ${SEVERITIES.join(', ')}` } };
      filter.min_severity = s as Severity;
    } else if (key === 'meta' && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      for (const [f, want] of Object.entries(value)) {
        const err = addMeta(filter, f, want, `meta.${f}`);
        if (err) return { error: err };
      }
    } else if (key.startsWith('meta.')) {
      const err = addMeta(filter, key.slice(5), value, key);
      if (err) return { error: err };
    } else if (!allowed.has(key)) {
      return { error: { field: key, message: 'unknown parameter' } };
    }
  }
  return { filter };
}

function addMeta(filter: Filter, field: string, want: unknown, name: string): FilterError | undefined {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(field)) return { field: name, message: 'metadata field names are 1-64 characters of A-Z, a-z, 0-9, _ and -' };
  if (want === null || typeof want === 'object') return { field: name, message: 'must be a string, number or boolean' };
  // Defined, not assigned: `__proto__` is a field name like any other, not the object's prototype.
  filter.meta ??= {};
  Object.defineProperty(filter.meta, field, { value: String(want), enumerable: true, writable: true, configurable: true });
  return undefined;
}

/** A stable text for a filter: equal filters have equal keys. */
export function filterKey(f: Filter): string {
  const meta = f.meta
    ? Object.keys(f.meta)
        .sort()
        .map((k) => [k, f.meta![k]])
    : undefined;
  return JSON.stringify([f.types ?? null, f.severity ?? null, f.min_severity ?? null, meta ?? null]);
}

/** Compiles a filter into a predicate. */
export function compileFilter(f: Filter): (e: SystemEvent) => boolean {
  const types = f.types ? new Set(f.types) : undefined;
  const sev = f.severity ? new Set(f.severity) : undefined;
  const min = f.min_severity ? SEVERITY_RANK[f.min_severity] : undefined;
  const meta = f.meta ? Object.entries(f.meta) : undefined;
  return (e) => {
    if (types && !types.has(e.type)) return false;
    if (sev && !sev.has(e.severity)) return false;
    if (min !== undefined && SEVERITY_RANK[e.severity] < min) return false;
    if (meta) {
      for (const [k, want] of meta) {
        // Own fields only: `meta.toString=x` never matches what every object inherits.
        const got = Object.hasOwn(e.metadata, k) ? e.metadata[k] : undefined;
        if (got === undefined || got === null || typeof got === 'object' || String(got) !== want) return false;
      }
    }
    return true;
  };
}
