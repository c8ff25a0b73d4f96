import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { createGateway } from '../../src/index.ts';
import { defaultRegistry } from '../../src/core/registry.ts';
import { inferSeverity } from '../../src/core/severity.ts';

const quiet = () => {};

describe('typed emitters', () => {
  it('publish with a default message and an inferred severity, and return the id', async () => {
    const gw = createGateway({ logger: quiet });
    const id = await gw.emit.queryRoute({
      query_id: 'abc123',
      complexity_score: 8.5,
      selected_tier: 'Q4',
      estimated_latency_ms: 12000,
      routing_reason: 'Complex multi-part analysis',
    });
    expect(id).toMatch(/^[a-z0-9]+-1$/);
    const res = await gw.app.request('/api/events/stream?replay=1');
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('"type":"query_route"')) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toContain('"message":"Query routed to Q4 tier (complexity: 8.5)"');
    expect(text).toContain('"severity":"info"');
    await reader.cancel();
    await gw.close();
  });

  it('follow the documented severity rules', () => {
    expect(inferSeverity('error', {})).toBe('error');
    const perf = { metric_name: 'p95', component: 'router' };
    expect(inferSeverity('performance', { ...perf, current_value: 5, threshold_value: 10, action_required: true })).toBe('info');
    expect(inferSeverity('performance', { ...perf, current_value: 15, threshold_value: 10, action_required: false })).toBe('warning');
    expect(inferSeverity('performance', { ...perf, current_value: 15, threshold_value: 10, action_required: true })).toBe('error');
    expect(inferSeverity('model_state', { current_state: 'failed' })).toBe('error');
    expect(inferSeverity('model_state', { current_state: 'degraded' })).toBe('warning');
    expect(inferSeverity('model_state', { current_state: 'active' })).toBe('info');
    expect(inferSeverity('cache', { operation: 'get', latency_ms: 150 })).toBe('warning');
    expect(inferSeverity('cache', { operation: 'get', latency_ms: 2 })).toBe('info');
    expect(inferSeverity('cgrag', { chunks_retrieved: 0 })).toBe('warning');
    expect(inferSeverity('query_route', {})).toBe('info');
  });

  it('never throw into the caller: bad data is logged and counted, and resolves to undefined', async () => {
    const logged: string[] = [];
    const gw = createGateway({ logger: (_l, m) => logged.push(m), runtime: { name: 'test', remoteAddress: () => '127.0.0.1' } });
    const id = await gw.emit.cache({ operation: 'get', key: 'k', hit: 'yes' as unknown as boolean, latency_ms: 1, size_bytes: 1 });
    expect(id).toBeUndefined();
    expect(logged.some((m) => m.includes('emit.cache failed'))).toBe(true);
    const stats = await (await gw.app.request('/api/events/stats')).json();
    expect(stats.totals.emit_failures).toBe(1);
    expect(stats.totals.published).toBe(0);
    await gw.close();
  });

  it('an embedding application registers its own types, which publish and filter like the built-in ones', async () => {
    const registry = defaultRegistry().register('deploy', v.looseObject({ service: v.string(), version: v.string() }));
    const gw = createGateway({ registry, logger: quiet, config: { publishToken: 'embedder-token' } });
    const ok = await gw.app.request('/api/events', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer embedder-token' },
      body: JSON.stringify({ type: 'deploy', message: 'api v2', metadata: { service: 'api', version: '2' } }),
    });
    expect(ok.status).toBe(202);
    const filtered = await gw.app.request('/api/events/stream?types=deploy&replay=0');
    expect(filtered.status).toBe(200);
    await filtered.body!.cancel();
    await gw.close();
  });
});
