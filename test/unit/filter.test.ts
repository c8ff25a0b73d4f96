import { describe, expect, it } from 'vitest';
import { compileFilter, filterKey, parseFilter } from '../../src/core/filter.ts';
import type { SystemEvent } from '../../src/core/event.ts';

const TYPES = ['query_route', 'cgrag', 'error', 'cache'];
const ev = (over: Partial<SystemEvent>): SystemEvent => ({ id: 'e-1', timestamp: 1, type: 'cgrag', severity: 'info', message: 'm', metadata: {}, ...over });

describe('filters', () => {
  it('parses lists, a minimum severity and metadata fields', () => {
    const r = parseFilter({ types: 'cgrag,error', severity: 'warning, error', 'meta.query_id': 'abc' }, TYPES);
    expect(r).toEqual({ filter: { types: ['cgrag', 'error'], severity: ['warning', 'error'], meta: { query_id: 'abc' } } });
  });

  it('names the field and the problem for unknown types, severities and parameters', () => {
    expect(parseFilter({ types: 'cgrag,nope' }, TYPES)).toMatchObject({ error: { field: 'types', message: expect.stringContaining('"nope"') } });
    expect(parseFilter({ severity: 'fatal' }, TYPES)).toMatchObject({ error: { field: 'severity' } });
    expect(parseFilter({ min_severity: 'loud' }, TYPES)).toMatchObject({ error: { field: 'min_severity' } });
    expect(parseFilter({ colour: 'red' }, TYPES)).toMatchObject({ error: { field: 'colour', message: 'unknown parameter' } });
    expect(parseFilter({ 'meta.a b': 'x' }, TYPES)).toMatchObject({ error: { field: 'meta.a b' } });
  });

  it('matches by type, severity list, minimum severity and exact metadata', () => {
    const f = compileFilter({ types: ['cgrag'], min_severity: 'warning', meta: { query_id: 'abc', n: '5' } });
    expect(f(ev({ severity: 'warning', metadata: { query_id: 'abc', n: 5 } }))).toBe(true);
    expect(f(ev({ severity: 'info', metadata: { query_id: 'abc', n: 5 } }))).toBe(false);
    expect(f(ev({ type: 'error', severity: 'error', metadata: { query_id: 'abc', n: 5 } }))).toBe(false);
    expect(f(ev({ severity: 'error', metadata: { query_id: 'abd', n: 5 } }))).toBe(false);
    expect(f(ev({ severity: 'error', metadata: { query_id: 'abc' } }))).toBe(false);
    expect(compileFilter({ severity: ['info', 'error'] })(ev({ severity: 'warning' }))).toBe(false);
  });

  it('gives equal filters equal keys, whatever the order they were written in', () => {
    const a = parseFilter({ types: 'error,cgrag', 'meta.b': '1', 'meta.a': '2' }, TYPES);
    const b = parseFilter({ 'meta.a': '2', types: 'cgrag,error', 'meta.b': '1' }, TYPES);
    if ('error' in a || 'error' in b) throw new Error('parse failed');
    expect(filterKey(a.filter)).toBe(filterKey(b.filter));
  });
});
