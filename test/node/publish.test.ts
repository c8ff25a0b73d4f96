/**
 * The loopback-only publish rule when no token is configured, judged by the
 * peer address the runtime reports (an embedder's own runtime here). What
 * every runtime does with a publish is held by the conformance suite
 * (test/conformance/checks/publish.ts).
 */
import { describe, expect, it } from 'vitest';
import { createGateway } from '../../src/index.ts';
import { sampleEvent } from '../helpers/server.ts';

describe('publishing', () => {
  it('lets only loopback clients publish when no token is configured', async () => {
    const remote = createGateway({ runtime: { name: 'test', remoteAddress: () => '10.1.2.3' }, logger: () => {} });
    const res = await remote.app.request('/api/events', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sampleEvent('cache')) });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: 'forbidden', message: expect.stringContaining('loopback') });
    const local = createGateway({ runtime: { name: 'test', remoteAddress: () => '::ffff:127.0.0.1' }, logger: () => {} });
    const ok = await local.app.request('/api/events', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sampleEvent('cache')) });
    expect(ok.status).toBe(202);
    await remote.close();
    await local.close();
  });
});
