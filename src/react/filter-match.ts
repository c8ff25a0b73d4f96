/**
 * Whether an event passes a subscription filter, by the gateway's rule:
 * its type among `types`, its severity among `severity` and at least
 * `min_severity`, and each `meta` field equal, as text, to the event's own
 * metadata field of that name (a scalar). Used to keep only the events that
 * pass a filter once a hook's filter has changed; the gateway applies the
 * filter to everything sent afterwards.
 */
import { type Filter, type GatewayEvent, SEVERITY_RANK } from '../protocol.ts';

export function filterMatcher(f: Filter): (e: GatewayEvent) => boolean {
  const types = f.types?.length ? new Set<string>(f.types) : undefined;
  const severities = f.severity?.length ? new Set<string>(f.severity) : undefined;
  const min = f.min_severity ? SEVERITY_RANK[f.min_severity] : undefined;
  const meta = Object.entries(f.meta ?? {});
  return (e) => {
    if (types && !types.has(e.type)) return false;
    if (severities && !severities.has(e.severity)) return false;
    if (min !== undefined && (SEVERITY_RANK[e.severity] ?? -1) < min) return false;
    for (const [field, want] of meta) {
      const got = e.metadata && Object.hasOwn(e.metadata, field) ? e.metadata[field] : undefined;
      if (got === undefined || got === null || typeof got === 'object' || String(got) !== String(want)) return false;
    }
    return true;
  };
}
