/**
 * Idempotency-Key on POST /api/events, over real HTTP: a repeat within the
 * window answers the first ids and stores nothing, another body under the
 * same key is a 422 naming the header, a key that is not one is a 400.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeServer } from '../../src/runtimes/node/server.ts';
import { publish, sampleEvent, startGateway } from '../helpers/server.ts';

let gw: NodeServer;
beforeAll(async () => {
  gw = await startGateway({ IDEMPOTENCY_TTL_MS: '60000' });
});
afterAll(async () => {
  await gw.stop();
});

const offset = (id: string) => Number(id.split('-').pop());

describe('POST /api/events with Idempotency-Key', () => {
  it('answers a retry with the first ids and stores it once', async () => {
    const body = JSON.stringify([sampleEvent('cache'), sampleEvent('error')]);
    const key = { 'idempotency-key': 'batch-0001' };
    const first = await publish(gw.url, body, key);
    expect(first.status).toBe(202);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const again = await publish(gw.url, body, key);
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    // The fence: the next event takes the very next offset, so the retry stored nothing.
    const next = await publish(gw.url, sampleEvent('cache'));
    expect(offset(next.body.ids[0])).toBe(offset(first.body.ids[1]) + 1);
  });

  it('takes a quoted key as the same key', async () => {
    const body = JSON.stringify(sampleEvent('cache'));
    const first = await publish(gw.url, body, { 'idempotency-key': 'quoted-1' });
    const again = await publish(gw.url, body, { 'idempotency-key': '"quoted-1"' });
    expect(again.body).toEqual(first.body);
  });

  it('refuses the same key with another body, naming the header, and stores nothing', async () => {
    const key = { 'idempotency-key': 'batch-0002' };
    const first = await publish(gw.url, sampleEvent('cache'), key);
    expect(first.status).toBe(202);
    const other = await publish(gw.url, sampleEvent('cache'), key);
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ error: 'idempotency_key_reused', field: 'Idempotency-Key' });
    const next = await publish(gw.url, sampleEvent('cache'));
    expect(offset(next.body.ids[0])).toBe(offset(first.body.ids[0]) + 1);
  });

  it('refuses a key that is not 1-255 printable ASCII characters', async () => {
    for (const bad of ['x'.repeat(256), 'caf\u00e9', '""']) {
      const r = await publish(gw.url, sampleEvent('cache'), { 'idempotency-key': bad });
      expect(r.status, bad).toBe(400);
      expect(r.body).toMatchObject({ error: 'invalid_idempotency_key', field: 'Idempotency-Key' });
    }
  });

  it('stores a batch without a key every time it is sent', async () => {
    const body = JSON.stringify(sampleEvent('cache'));
    const a = await publish(gw.url, body);
    const b = await publish(gw.url, body);
    expect(offset(b.body.ids[0])).toBe(offset(a.body.ids[0]) + 1);
  });
});
