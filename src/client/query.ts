/**
 * The query string of a subscription: the filter fields (`types`,
 * `severity`, `min_severity`, `meta.<field>`), then the extra parameters
 * (cursor, replay, overflow policy) that are set.
 */
import type { Filter } from '../protocol.ts';

export function subscriptionQuery(f: Filter, extra: Record<string, string | number | undefined> = {}): string {
  const q = new URLSearchParams();
  if (f.types?.length) q.set('types', f.types.join(','));
  if (f.severity?.length) q.set('severity', f.severity.join(','));
  if (f.min_severity) q.set('min_severity', f.min_severity);
  for (const [k, v] of Object.entries(f.meta ?? {})) q.set(`meta.${k}`, String(v));
  for (const [k, v] of Object.entries(extra)) if (v !== undefined && v !== '') q.set(k, String(v));
  return q.toString();
}
