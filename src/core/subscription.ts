/**
 * The subscription request, the same for SSE and WebSocket: filter fields,
 * `last_event_id`, `replay` and `on_overflow`, read from the query string
 * and validated before any stream opens.
 */
import { parseCursor } from './cursor.ts';
import { parseFilter, SUBSCRIPTION_PARAMS, type Filter, type FilterError } from './filter.ts';
import type { SubscriptionAccess } from './auth/access-state.ts';
import type { OverflowPolicy } from './subscriber.ts';

export interface SubscriptionSpec {
  /** The effective filter (the request within the token's grant). */
  filter: Filter;
  cursor: string | null;
  replay: number | undefined;
  policy: OverflowPolicy;
  /** What the token grants and the client holds (set by the access guard). */
  access?: SubscriptionAccess;
}

/** Query values joined per key (`types=a&types=b` is `types=a,b`). */
export function queryRecord(url: URL): Record<string, string> {
  // No prototype: a parameter named `__proto__` or `constructor` is a parameter (and refused as unknown), not an inherited property.
  const out: Record<string, string> = Object.create(null);
  for (const [k, v] of url.searchParams) out[k] = k in out ? `${out[k]},${v}` : v;
  return out;
}

export function parseSubscription(
  query: Record<string, string>,
  knownTypes: readonly string[],
  defaults: { policy: OverflowPolicy; replayMax: number },
): { spec: SubscriptionSpec } | { error: FilterError } {
  const parsed = parseFilter(query, knownTypes, SUBSCRIPTION_PARAMS);
  if ('error' in parsed) return parsed;
  let replay: number | undefined;
  if (query.replay !== undefined) {
    if (!/^\d{1,9}$/.test(query.replay)) return { error: { field: 'replay', message: `must be a whole number from 0 to ${defaults.replayMax}` } };
    replay = Math.min(Number(query.replay), defaults.replayMax);
  }
  let policy = defaults.policy;
  if (query.on_overflow !== undefined) {
    if (query.on_overflow !== 'disconnect' && query.on_overflow !== 'drop') return { error: { field: 'on_overflow', message: 'must be disconnect or drop' } };
    policy = query.on_overflow;
  }
  let cursor: string | null = null;
  if (query.last_event_id !== undefined && query.last_event_id !== '') {
    if (!parseCursor(query.last_event_id)) return { error: { field: 'last_event_id', message: "is not a cursor issued by this gateway (take it from an event's id)" } };
    cursor = query.last_event_id;
  }
  return { spec: { filter: parsed.filter, cursor, replay, policy } };
}
