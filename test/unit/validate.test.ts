import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { defaultRegistry } from '../../src/core/registry.ts';
import { validateBody } from '../../src/core/validate.ts';
import { sampleEvent } from '../helpers/server.ts';

describe('publish validation', () => {
  const registry = defaultRegistry();

  it('accepts one event or a batch, fills in timestamp and severity, passes extra metadata through', () => {
    const r = validateBody([sampleEvent('error'), { ...sampleEvent('cgrag', { extra: 'kept' }), severity: 'warning', timestamp: 12.5 }], registry, 99);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.events[0]).toMatchObject({ type: 'error', severity: 'error', timestamp: 99 });
    expect(r.events[1]).toMatchObject({ type: 'cgrag', severity: 'warning', timestamp: 12.5, metadata: { extra: 'kept' } });
  });

  it('lists each problem with its path and accepts nothing of the batch', () => {
    const bad = sampleEvent('query_route');
    delete (bad.metadata as any).query_id;
    (bad.metadata as any).complexity_score = 'high';
    const r = validateBody([sampleEvent('cache'), bad, { type: 'nope', message: '', metadata: [] }], registry);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const paths = r.problems.map((p) => p.path);
    expect(paths).toContain('[1].metadata.query_id');
    expect(paths).toContain('[1].metadata.complexity_score');
    expect(paths).toContain('[2].type');
    expect(paths).toContain('[2].message');
    expect(paths).toContain('[2].metadata');
    expect(r.problems.find((p) => p.path === '[1].metadata.complexity_score')!.message).toMatch(/number/);
  });

  it('rejects unknown top-level fields, bad severities and timestamps', () => {
    const r = validateBody({ ...sampleEvent('cache'), severity: 'fatal', timestamp: -1, metdata: {} }, registry);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.path).sort()).toEqual(['metdata', 'severity', 'timestamp']);
  });

  it('validates types an application registered itself', () => {
    const reg = defaultRegistry().register('deploy', v.looseObject({ version: v.string() }));
    expect(validateBody({ type: 'deploy', message: 'v2', metadata: { version: '2.0' } }, reg).ok).toBe(true);
    const r = validateBody({ type: 'deploy', message: 'v2', metadata: { version: 2 } }, reg);
    expect(r.ok ? [] : r.problems.map((p) => p.path)).toEqual(['metadata.version']);
  });
});
