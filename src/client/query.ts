/**
 * The query string of a subscription: the filter fields (`types`,
 * `severity`, `min_severity`, `meta.<field>`), then the extra parameters
 * (cursor, replay, overflow policy) that are set.
 */
import { SSE_PATH, WS_PATH, type Filter } from '../protocol.ts';

export function subscriptionQuery(f: Filter, extra: Record<string, string | number | undefined> = {}): string {
  const q = new URLSearchParams();
  if (f.types?.length) q.set('types', f.types.join(','));
  if (f.severity?.length) q.set('severity', f.severity.join(','));
  if (f.min_severity) q.set('min_severity', f.min_severity);
  for (const [k, v] of Object.entries(f.meta ?? {})) q.set(`meta.${k}`, String(v));
  for (const [k, v] of Object.entries(extra)) if (v !== undefined && v !== '') q.set(k, String(v));
  return q.toString();
}

/** The same filter with its lists and metadata fields in one order, so that equal filters compare (and key) equal. */
export function canonicalFilter(f: Filter): Filter {
  const out: Filter = {};
  if (f.types?.length) out.types = [...new Set(f.types)].sort();
  if (f.severity?.length) out.severity = [...new Set(f.severity)].sort();
  if (f.min_severity) out.min_severity = f.min_severity;
  const meta = Object.entries(f.meta ?? {});
  if (meta.length) out.meta = Object.fromEntries(meta.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return out;
}

/** The URL of a subscription on the gateway at `base` (ending in `/`): the SSE stream, or the WebSocket as ws: or wss:. */
export function subscriptionUrl(base: URL, kind: 'sse' | 'ws', filter: Filter, extra: Record<string, string | number | undefined>): string {
  const u = new URL(kind === 'ws' ? WS_PATH : SSE_PATH, base);
  u.search = subscriptionQuery(filter, extra);
  if (kind === 'ws') u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  return u.toString();
}
