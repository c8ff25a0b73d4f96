/**
 * Filters against a reference model written plainly here: matching, the
 * filter key that groups subscribers (equal keys only for filters that take
 * the same events, and the same key however a filter is spelled), and the
 * WebSocket filter op, which must mean what the same query string means;
 * and the React hooks' own matcher, which must agree with the gateway's.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SystemEvent } from '../../src/core/event.ts';
import { compileFilter, filterKey, parseFilter, SUBSCRIPTION_PARAMS, type Filter } from '../../src/core/filter.ts';
import { queryRecord } from '../../src/core/subscription.ts';
import { filterMatcher } from '../../src/react/filter-match.ts';
import { params } from './seed.ts';

const TYPES = ['cache', 'error', 'cgrag'];
const SEVS = ['info', 'warning', 'error'] as const;
const RANK = { info: 0, warning: 1, error: 2 };
const FIELDS = ['zone', 'query_id', 'n'];

/** What a subscriber asks for, before any parsing. */
interface Ask {
  types?: string[];
  severity?: (typeof SEVS)[number][];
  min_severity?: (typeof SEVS)[number];
  meta?: Record<string, string>;
}

const metaValue = fc.oneof(fc.constantFrom('a', 'b', '1', 'true'), fc.string({ maxLength: 3 }));
const ask: fc.Arbitrary<Ask> = fc.record(
  {
    types: fc.array(fc.constantFrom(...TYPES), { minLength: 1, maxLength: 4 }),
    severity: fc.array(fc.constantFrom(...SEVS), { minLength: 1, maxLength: 4 }),
    min_severity: fc.constantFrom(...SEVS),
    meta: fc.dictionary(fc.constantFrom(...FIELDS), metaValue, { maxKeys: 2 }),
  },
  { requiredKeys: [] },
);
const event: fc.Arbitrary<SystemEvent> = fc.record({
  id: fc.constant('e-1'),
  timestamp: fc.constant(1),
  type: fc.constantFrom(...TYPES),
  severity: fc.constantFrom(...SEVS),
  message: fc.constant('m'),
  metadata: fc.dictionary(fc.constantFrom(...FIELDS), fc.oneof(metaValue, fc.integer({ min: 0, max: 2 }), fc.boolean(), fc.constant(null), fc.constant({ x: 1 }))),
});

/** The reference: the README's words, one by one. */
function model(a: Ask, e: SystemEvent): boolean {
  if (a.types?.length && !a.types.includes(e.type)) return false;
  if (a.severity?.length && !a.severity.includes(e.severity)) return false;
  if (a.min_severity && RANK[e.severity] < RANK[a.min_severity]) return false;
  for (const [k, want] of Object.entries(a.meta ?? {})) {
    const got = e.metadata[k];
    if (!(typeof got === 'string' || typeof got === 'number' || typeof got === 'boolean')) return false;
    if (String(got) !== want) return false;
  }
  return true;
}

/** The ask as a query string, the way a client would write it. */
function query(a: Ask): URLSearchParams {
  const q = new URLSearchParams();
  if (a.types) for (const t of a.types) q.append('types', t);
  if (a.severity) q.set('severity', a.severity.join(','));
  if (a.min_severity) q.set('min_severity', a.min_severity);
  for (const [k, v] of Object.entries(a.meta ?? {})) q.set(`meta.${k}`, v);
  return q;
}

function parsed(fields: Record<string, unknown>): Filter {
  const r = parseFilter(fields, TYPES, SUBSCRIPTION_PARAMS);
  if ('error' in r) throw new Error(`refused: ${r.error.field}: ${r.error.message}`);
  return r.filter;
}
const fromQuery = (a: Ask) => parsed(queryRecord(new URL(`http://x/?${query(a)}`)));
/** The WebSocket op: `{"op":"filter", types: [...], meta: {...}}`, minus `op`. */
const fromOp = (a: Ask) => parsed(JSON.parse(JSON.stringify(a)));

describe('filters (generated, against a reference model)', () => {
  it('match exactly the events the model takes, from a query string and from the WebSocket op', () => {
    fc.assert(
      fc.property(ask, fc.array(event, { minLength: 1, maxLength: 20 }), (a, events) => {
        // Metadata values with a comma or space are not expressible the same way in both; keep them simple.
        fc.pre(Object.values(a.meta ?? {}).every((v) => /^[a-z0-9]+$/i.test(v)));
        const q = compileFilter(fromQuery(a));
        const w = compileFilter(fromOp(a));
        for (const e of events) {
          expect(q(e), JSON.stringify({ a, e })).toBe(model(a, e));
          expect(w(e)).toBe(model(a, e));
        }
        expect(filterKey(fromQuery(a))).toBe(filterKey(fromOp(a)));
      }),
      params(400),
    );
  });

  it('match in the React hooks (which keep only what passes a changed filter) as they match in the gateway', () => {
    fc.assert(
      fc.property(ask, fc.array(event, { minLength: 1, maxLength: 20 }), (a, events) => {
        const local = filterMatcher(a);
        const gateway = compileFilter(fromOp(a));
        for (const e of events) expect(local(e), JSON.stringify({ a, e })).toBe(gateway(e));
      }),
      params(400),
    );
  });

  it('give one key however a filter is spelled, and equal keys only to filters that take the same events', () => {
    const shuffled = (a: Ask) =>
      fc
        .record({
          t: fc.shuffledSubarray(a.types ?? [], { minLength: (a.types ?? []).length }),
          s: fc.shuffledSubarray(a.severity ?? [], { minLength: (a.severity ?? []).length }),
        })
        .map(({ t, s }) => ({ ...a, ...(a.types ? { types: [...t, ...t.slice(0, 1)] } : {}), ...(a.severity ? { severity: s } : {}) }));
    const allEvents = fc.sample(event, { numRuns: 300, seed: 7 });
    fc.assert(
      fc.property(
        ask.chain((a) => fc.tuple(fc.constant(a), shuffled(a))),
        ask,
        ([a, respelled], b) => {
          fc.pre(Object.values({ ...a.meta, ...b.meta }).every((v) => /^[a-z0-9]+$/i.test(v)));
          expect(filterKey(fromOp(respelled))).toBe(filterKey(fromOp(a)));
          if (filterKey(fromOp(a)) === filterKey(fromOp(b))) {
            for (const e of allEvents) expect(model(a, e)).toBe(model(b, e));
          }
        },
      ),
      params(400),
    );
  });
});
