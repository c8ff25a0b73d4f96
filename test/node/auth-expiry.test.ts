/**
 * Token expiry and refresh: when a token runs out mid-stream, SSE gets
 * `event: token_expired` with the last cursor and ends, WebSocket gets
 * `{"control":"token_expired"}` and close 4401; resuming with a new token
 * from that cursor loses nothing and repeats nothing. A WebSocket may
 * replace its token in place (`{"op":"auth"}`): the stream carries on past
 * the old expiry, and the new grant applies at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeServer } from '../../src/runtimes/node/server.ts';
import { publish, sampleEvent, startGateway } from '../helpers/server.ts';
import { SseReader } from '../helpers/sse.ts';
import { hs256, SECRET } from '../helpers/tokens.ts';
import { WsClient } from '../helpers/ws.ts';

const PUBLISH_TOKEN = 'expiry-publish-0123';
let gw: NodeServer;
beforeAll(async () => {
  gw = await startGateway({ AUTH_JWT_SECRET: SECRET, PUBLISH_TOKEN });
});
afterAll(() => gw.stop());

let run = 0;
const pub = async (n: number, tag: string, extra: Record<string, unknown> = {}) => {
  const res = await publish(
    gw.url,
    Array.from({ length: n }, () => sampleEvent('cache', { run: tag, ...extra })),
    { authorization: `Bearer ${PUBLISH_TOKEN}` },
  );
  expect(res.status).toBe(202);
  return res.body.ids as string[];
};

/** Publishes a few events every turn until `done()` holds: the stream is busy when the token runs out. */
async function publishUntil(done: () => boolean, tag: string): Promise<string[]> {
  const ids: string[] = [];
  while (!done()) ids.push(...(await pub(3, tag)));
  return ids;
}

describe('expiry', () => {
  it('SSE: token_expired with the last cursor, the stream ends; resuming with a new token loses and repeats nothing', async () => {
    const tag = `sse${++run}`;
    const short = await hs256({ expIn: 2 });
    const r = await SseReader.open(`${gw.url}/api/events/stream?replay=0&meta.run=${tag}`, { authorization: `Bearer ${short}` });
    await r.until((x) => x.named('ready').length > 0);
    const during = await publishUntil(() => r.named('token_expired').length > 0, tag);
    await r.until((x) => x.closed, 5000, 'end of stream');
    const expired = r.named('token_expired')[0];
    const first = r.events.map((e) => e.id);
    expect(expired.last_event_id).toBe(first.at(-1));
    expect(r.messages.at(-1)!.event).toBe('token_expired');
    const gap = await pub(4, tag); // published while the client has no stream
    const fresh = await hs256({ expIn: 3600 });
    const again = await SseReader.open(`${gw.url}/api/events/stream?meta.run=${tag}`, { authorization: `Bearer ${fresh}`, 'last-event-id': expired.last_event_id });
    const fence = await pub(1, tag);
    await again.until((x) => x.events.some((e) => e.id === fence[0]));
    const all = [...first, ...again.events.map((e) => e.id)];
    expect(all).toEqual([...during, ...gap, ...fence]);
    again.close();
    const stats = await (await fetch(`${gw.url}/api/events/stats`, { headers: { authorization: `Bearer ${await hs256({ eventgate: { admin: true } })}` } })).json();
    expect(stats.totals.tokens_expired).toBeGreaterThanOrEqual(1);
  }, 20_000);

  it('WebSocket: {"control":"token_expired"} then close 4401; resuming from its cursor loses and repeats nothing', async () => {
    const tag = `ws${++run}`;
    const c = await WsClient.open(`${gw.url.replace('http', 'ws')}/ws/events?replay=0&meta.run=${tag}&access_token=${await hs256({ expIn: 2 })}`);
    await c.ready();
    const during = await publishUntil(() => c.closeCode !== undefined, tag);
    expect(c.closeCode).toBe(4401);
    const expired = c.controls('token_expired')[0];
    expect(expired).toMatchObject({ control: 'token_expired', last_event_id: c.events.at(-1)!.id });
    const again = await WsClient.open(`${gw.url.replace('http', 'ws')}/ws/events?meta.run=${tag}&last_event_id=${expired.last_event_id}&access_token=${await hs256({})}`);
    const fence = await pub(1, tag);
    await again.until((x) => x.events.some((e) => e.id === fence[0]));
    expect([...c.events, ...again.events].map((e) => e.id)).toEqual([...during, ...fence]);
    again.close();
  }, 20_000);
});

describe('refresh in place', () => {
  it('{"op":"auth"} before expiry: acknowledged with the new exp, the stream carries on past the old one with nothing lost or repeated', async () => {
    const tag = `refresh${++run}`;
    const oldToken = await hs256({ expIn: 2 });
    const oldExp = JSON.parse(Buffer.from(oldToken.split('.')[1]!, 'base64url').toString()).exp as number;
    const c = await WsClient.open(`${gw.url.replace('http', 'ws')}/ws/events?replay=0&meta.run=${tag}&access_token=${oldToken}`);
    await c.ready();
    const before = await pub(5, tag);
    const fresh = await hs256({ expIn: 3600 });
    const newExp = JSON.parse(Buffer.from(fresh.split('.')[1]!, 'base64url').toString()).exp as number;
    c.send({ op: 'auth', token: fresh });
    await c.until((x) => x.controls('ack').length === 1);
    expect(c.controls('ack')[0]).toMatchObject({ control: 'ack', op: 'auth', exp: newExp });
    // Keep the stream busy until well past the old token's expiry.
    const during = await publishUntil(() => Date.now() > oldExp * 1000 + 500, tag);
    const fence = await pub(1, tag);
    await c.until((x) => x.events.some((e) => e.id === fence[0]));
    expect(c.closeCode).toBeUndefined();
    expect(c.controls('token_expired')).toEqual([]);
    expect(c.events.map((e) => e.id)).toEqual([...before, ...during, ...fence]);
    c.close();
  }, 20_000);

  it('the new grant applies at once, narrowing the filter; a refused token is an error and the old one stays', async () => {
    const tag = `narrow${++run}`;
    const c = await WsClient.open(`${gw.url.replace('http', 'ws')}/ws/events?replay=0&meta.run=${tag}&access_token=${await hs256({})}`);
    await c.ready();
    const a = await pub(1, tag, { tenant: 'globex' });
    await c.until((x) => x.events.length === 1);
    c.send({ op: 'auth', token: await hs256({ expIn: -10 }) });
    c.send({ op: 'auth' });
    await c.until((x) => x.controls('error').length === 2);
    expect(c.controls('error').map((e) => [e.error, e.field, e.message])).toEqual([
      ['unauthorized', 'token', 'token expired'],
      ['unauthorized', 'token', 'op auth needs a "token" string'],
    ]);
    c.send({ op: 'auth', token: await hs256({ eventgate: { subscribe: { meta: { tenant: 'acme' } } } }) });
    await c.until((x) => x.controls('ack').length === 1);
    expect(c.controls('ack')[0].filter).toEqual({ meta: { run: tag, tenant: 'acme' } });
    const b = await pub(1, tag, { tenant: 'globex' });
    const d = await pub(1, tag, { tenant: 'acme' });
    await c.until((x) => x.events.length === 2);
    expect(c.events.map((e) => e.id)).toEqual([a[0], d[0]]);
    expect(c.events.map((e) => e.id)).not.toContain(b[0]);
    c.close();
  });
});
