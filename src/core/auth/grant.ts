/**
 * Grants: what a token's `eventgate` claim allows.
 *
 *   {"subscribe": {"types": [...], "severity": [...], "min_severity": "...", "meta": {"tenant": "acme"}},
 *    "publish": true | {"types": [...]},
 *    "admin": true}
 *
 * `subscribe` absent: everything may be received. Present: it bounds what the
 * holder can ever receive. `publish` absent: the token cannot publish.
 *
 * The effective filter of a subscription is the request within the grant:
 * `withinGrant` refuses a request that asks for more (naming the field), and
 * otherwise adds the grant's bounds (its types when none are asked for, its
 * severities, its meta fields, always). `narrowToGrant` is the intersection,
 * used when a new token replaces the old one in place.
 */
import { parseFilter, type Filter } from '../filter.ts';
import { SEVERITY_RANK, type Severity } from '../schemas.ts';

export interface Grant {
  /** Bounds on what may be received; undefined: no bound. */
  subscribe: Filter | undefined;
  /** May publish: any type (true), these types (a set), or nothing (false). */
  publish: boolean | ReadonlySet<string>;
  admin: boolean;
}

/** A grant that allows everything but publishing and admin (a token without the claim). */
export const SUBSCRIBE_ONLY: Grant = { subscribe: undefined, publish: false, admin: false };

export interface GrantRefusal {
  field: string;
  message: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads the `eventgate` claim; a malformed one is an error (the token is refused). */
export function parseGrant(claim: unknown, knownTypes: readonly string[]): Grant | { error: string } {
  if (claim === undefined) return SUBSCRIBE_ONLY;
  if (!isObject(claim)) return { error: 'the eventgate claim must be an object' };
  for (const k of Object.keys(claim)) if (k !== 'subscribe' && k !== 'publish' && k !== 'admin') return { error: `the eventgate claim has an unknown field "${k}"` };
  let subscribe: Filter | undefined;
  if (claim.subscribe !== undefined) {
    if (!isObject(claim.subscribe)) return { error: 'eventgate.subscribe must be an object' };
    const parsed = parseFilter(claim.subscribe, knownTypes);
    if ('error' in parsed) return { error: `eventgate.subscribe.${parsed.error.field}: ${parsed.error.message}` };
    subscribe = parsed.filter;
  }
  let publish: Grant['publish'] = false;
  const p = claim.publish;
  if (p === true) publish = true;
  else if (isObject(p)) {
    if (!Array.isArray(p.types) || !p.types.every((t) => typeof t === 'string')) return { error: 'eventgate.publish.types must be an array of type names' };
    publish = new Set(p.types as string[]);
  } else if (p !== undefined && p !== false) return { error: 'eventgate.publish must be true or {"types": [...]}' };
  if (claim.admin !== undefined && typeof claim.admin !== 'boolean') return { error: 'eventgate.admin must be true or false' };
  return { subscribe, publish, admin: claim.admin === true };
}

const rank = (s: Severity) => SEVERITY_RANK[s];
const higher = (a: Severity | undefined, b: Severity | undefined) => (a === undefined ? b : b === undefined ? a : rank(a) >= rank(b) ? a : b);
const quote = (xs: readonly string[]) => xs.map((x) => `"${x}"`).join(', ');

/** The request's filter within the grant's bound, or the first field that reaches outside it. */
export function withinGrant(req: Filter, bound: Filter | undefined): { filter: Filter } | { refused: GrantRefusal } {
  if (!bound) return { filter: req };
  if (req.types && bound.types) {
    const out = req.types.filter((t) => !bound.types!.includes(t));
    if (out.length) return { refused: { field: 'types', message: `type ${quote(out)} is outside your grant (granted: ${quote(bound.types)})` } };
  }
  if (req.severity) {
    const out = req.severity.filter((s) => (bound.severity && !bound.severity.includes(s)) || (bound.min_severity && rank(s) < rank(bound.min_severity)));
    if (out.length) return { refused: { field: 'severity', message: `severity ${quote(out)} is outside your grant` } };
  }
  if (req.min_severity && bound.min_severity && rank(req.min_severity) < rank(bound.min_severity)) {
    return { refused: { field: 'min_severity', message: `your grant starts at min_severity ${bound.min_severity}` } };
  }
  for (const [k, v] of Object.entries(bound.meta ?? {})) {
    const asked = req.meta?.[k];
    if (asked !== undefined && asked !== v) return { refused: { field: `meta.${k}`, message: `your grant fixes meta.${k} to "${v}"` } };
  }
  return { filter: narrowToGrant(req, bound) };
}

/** The intersection of the request and the grant's bound (a filter that can match nothing when they conflict). */
export function narrowToGrant(req: Filter, bound: Filter | undefined): Filter {
  if (!bound) return req;
  const out: Filter = {};
  const types = req.types && bound.types ? req.types.filter((t) => bound.types!.includes(t)) : (req.types ?? bound.types);
  let conflict = false;
  const meta = { ...req.meta };
  for (const [k, v] of Object.entries(bound.meta ?? {})) {
    if (meta[k] !== undefined && meta[k] !== v) conflict = true;
    meta[k] = v;
  }
  if (conflict) out.types = [];
  else if (types) out.types = types;
  const severity = req.severity && bound.severity ? req.severity.filter((s) => bound.severity!.includes(s)) : (req.severity ?? bound.severity);
  if (severity) out.severity = severity;
  const min = higher(req.min_severity, bound.min_severity);
  if (min) out.min_severity = min;
  if (Object.keys(meta).length) out.meta = meta;
  return out;
}

/** The first event type in `types` the grant may not publish, with its index; undefined when all may. */
export function publishRefusal(grant: Grant, types: readonly string[]): GrantRefusal | undefined {
  if (grant.publish === true) return undefined;
  if (grant.publish === false) return { field: 'token', message: 'this token carries no publish grant (eventgate.publish)' };
  const allowed = grant.publish;
  const i = types.findIndex((t) => !allowed.has(t));
  if (i < 0) return undefined;
  return { field: `[${i}].type`, message: `type "${types[i]}" is outside your publish grant (granted: ${quote([...allowed])}); nothing was published` };
}
