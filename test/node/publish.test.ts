/**
 * POST /api/events: what is accepted, and a clear answer for every refusal,
 * with nothing of a refused request published.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway } from '../../src/index.ts';
import type { NodeServer } from '../../src/runtimes/node/server.ts';
import { publish, sampleEvent, startGateway } from '../helpers/server.ts';

let gw: NodeServer;
let authed: NodeServer;
beforeAll(async () => {
  gw = await startGateway({ MAX_BODY_BYTES: '4096', MAX_BATCH: '5' });
  authed = await startGateway({ PUBLISH_TOKEN: 's3cret-token' });
});
afterAll(async () => {
  await gw.stop();
  await authed.stop();
});

const published = async (s: NodeServer) => (await (await fetch(`${s.url}/api/events/stats`)).json()).totals.published;

describe('publishing', () => {
  it('accepts one event or a batch with 202 and the ids in order', async () => {
    const one = await publish(gw.url, sampleEvent('query_route'));
    expect(one.status).toBe(202);
    expect(one.body.ids).toHaveLength(1);
    const many = await publish(gw.url, [sampleEvent('cgrag'), sampleEvent('cache'), sampleEvent('error')]);
    expect(many.status).toBe(202);
    expect(many.body.ids).toHaveLength(3);
    const offsets = [...one.body.ids, ...many.body.ids].map((id: string) => Number(id.split('-')[1]));
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    expect(new Set(offsets).size).toBe(4);
  });

  it('refuses each kind of bad input with its status and a JSON body naming the field, and publishes none of it', async () => {
    const before = await published(gw);
    const bad = await publish(gw.url, '{"type": "cache",');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'invalid_json', field: 'body' });

    const res415 = await fetch(`${gw.url}/api/events`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify(sampleEvent('cache')) });
    expect(res415.status).toBe(415);
    expect(await res415.json()).toMatchObject({ error: 'unsupported_media_type', field: 'Content-Type' });

    const big = await publish(gw.url, { ...sampleEvent('cache'), message: 'x'.repeat(5000) });
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ error: 'payload_too_large' });

    const batch = await publish(gw.url, Array.from({ length: 6 }, () => sampleEvent('cache')));
    expect(batch.status).toBe(413);
    expect(batch.body).toMatchObject({ error: 'batch_too_large' });

    const broken = sampleEvent('query_route');
    delete (broken.metadata as any).query_id;
    const schema = await publish(gw.url, [sampleEvent('cache'), broken]);
    expect(schema.status).toBe(422);
    expect(schema.body.error).toBe('validation_failed');
    expect(schema.body.problems).toContainEqual({ path: '[1].metadata.query_id', message: expect.any(String) });

    expect(await published(gw)).toBe(before);
  });

  it('requires the bearer token when one is configured', async () => {
    const none = await publish(authed.url, sampleEvent('cache'));
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ error: 'unauthorized', field: 'Authorization' });
    const wrong = await publish(authed.url, sampleEvent('cache'), { authorization: 'Bearer nope-nope-nope' });
    expect(wrong.status).toBe(401);
    const ok = await publish(authed.url, sampleEvent('cache'), { authorization: 'Bearer s3cret-token' });
    expect(ok.status).toBe(202);
    expect(await published(authed)).toBe(1);
  });

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

  it('answers 404 with JSON for unknown routes', async () => {
    const res = await fetch(`${gw.url}/api/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: 'not_found' });
  });
});
