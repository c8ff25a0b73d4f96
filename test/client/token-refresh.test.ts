/**
 * eventgate/client's token, in Node against a real gateway with a key
 * (AUTH_JWT_SECRET), on both transports (WebSocket from `ws`, EventSource
 * from the `eventsource` package), while events are published without a
 * pause: 3 s tokens are refreshed before exp, in place on a WebSocket (the
 * gateway counts no new subscription) and by reconnecting from the cursor on
 * SSE; a token function may return a Promise; a token the gateway refuses is
 * reported to onError and tried again with the backoff, not in a loop; when
 * the gateway expires the token first, the client resumes from its cursor
 * with the function's next token. Every event arrives once, in order.
 */
import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { EventgateClient, type ClientError, type ClientOptions, type ControlMessage, type StateDetail } from '../../src/client/eventgate-client.ts';
import { eventually, TestGateway } from '../browser/browser.ts';
import { Pump } from '../helpers/pump.ts';
import { hs256, SECRET } from '../helpers/tokens.ts';

const PUBLISH_TOKEN = 'token-refresh-publish-0123';
const ADMIN_TOKEN = 'token-refresh-admin-0123456789';
const BACKOFF = { initialMs: 200, maxMs: 1600 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let gw: TestGateway;
beforeAll(async () => {
  gw = await new TestGateway({ AUTH_JWT_SECRET: SECRET, PUBLISH_TOKEN, ADMIN_TOKEN, REPLAY_DEFAULT: '0' }).start();
});
afterAll(async () => {
  await gw?.stop();
});

async function totals(): Promise<{ subscribers_total: number; tokens_expired: number; auth_refused: number }> {
  const res = await fetch(`${gw.url}/api/events/stats`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  expect(res.status).toBe(200);
  return (await res.json()).totals;
}

const expOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).exp as number;

interface Log {
  ids: string[];
  errors: ClientError[];
  controls: ControlMessage[];
  states: { state: string; detail: StateDetail }[];
}

function watch(client: EventgateClient): Log {
  const log: Log = { ids: [], errors: [], controls: [], states: [] };
  client.on('*', (e) => log.ids.push(e.id));
  client.onError((e) => log.errors.push(e));
  client.onControl((c) => log.controls.push(c));
  client.onState((state, detail) => log.states.push({ state, detail }));
  return log;
}

const controls = (log: Log, name: string) => log.controls.filter((c) => c.control === name) as any[];
const lives = (log: Log) => log.states.filter((s) => s.state === 'live').length;

let run = 0;
describe.each([
  ['ws', { transport: 'ws', WebSocket }],
  ['sse', { transport: 'sse', EventSource }],
] as const)('the token over %s', (transport, classes) => {
  function start(tag: string, token: ClientOptions['token']): { client: EventgateClient; log: Log } {
    const client = new EventgateClient({ url: gw.url, ...(classes as Partial<ClientOptions>), filter: { meta: { run: tag } }, backoff: BACKOFF, token });
    return { client, log: watch(client) };
  }

  it('is refreshed before exp (a function returning a Promise): in place on a WebSocket, from the cursor on SSE; every event once', async () => {
    const tag = `refresh-${transport}-${++run}`;
    const minted: string[] = [];
    const token = async () => {
      await sleep(20); // as if asked of an auth server
      const t = await hs256({ expIn: 3 });
      minted.push(t);
      return t;
    };
    const { client, log } = start(tag, token);
    try {
      await eventually(
        () => client.state,
        (s) => s === 'live',
        'live',
      );
      const before = await totals();
      const pump = new Pump(gw.url, tag, { authorization: `Bearer ${PUBLISH_TOKEN}` });
      await sleep(7000); // past the first token's exp, and its successor's
      const sent = await pump.stop();
      await eventually(
        () => log.ids.length,
        (n) => n >= sent.length,
        'every event',
      );
      // A refresh may be under way (a token minted, not yet acknowledged or connected with): wait until none is.
      const authAcks = () => controls(log, 'ack').filter((c) => c.op === 'auth').length;
      const settled = async () => {
        const [n, acked, t] = [minted.length, authAcks(), await totals()];
        const reconnects = t.subscribers_total - before.subscribers_total;
        const done = (transport === 'ws' ? acked === n - 1 : reconnects === n - 1 && client.state === 'live') && n === minted.length;
        return { done, t, n, acked, reconnects, states: log.states.map((x) => x.state), errors: log.errors };
      };
      const after = (await eventually(settled, (x) => x.done, 'no refresh under way')).t;

      expect(log.ids).toEqual(sent);
      expect(log.errors).toEqual([]);
      expect(controls(log, 'token_expired')).toEqual([]);
      expect(after.tokens_expired - before.tokens_expired).toBe(0);
      expect(minted.length).toBeGreaterThanOrEqual(3);
      const reconnects = after.subscribers_total - before.subscribers_total;
      if (transport === 'ws') {
        expect(reconnects).toBe(0); // in place: no new subscription at the gateway
        expect(lives(log)).toBe(1);
        const acks = controls(log, 'ack').filter((c) => c.op === 'auth');
        expect(acks.map((a) => a.exp)).toEqual(minted.slice(1).map(expOf));
      } else {
        expect(reconnects).toBe(minted.length - 1); // one new subscription per refresh ...
        const resumed = log.states.filter((s) => s.state === 'connecting').slice(1);
        expect(resumed.length).toBe(reconnects);
        for (const s of resumed) expect(s.detail.lastEventId).toMatch(/./); // ... each from the cursor
      }
    } finally {
      client.close();
    }
  }, 20_000);

  it('reports a token the gateway refuses to onError and tries again with the backoff, not in a loop; a good one resumes from the cursor', async () => {
    const tag = `refused-${transport}-${++run}`;
    const first = await hs256({ expIn: 3 });
    const wrongKey = new TextEncoder().encode('another-secret-that-is-long-enough-9876543210');
    const bad = await hs256({ expIn: 60 }, wrongKey);
    const good = await hs256({ expIn: 3600 });
    let phase: 'bad' | 'good' = 'bad';
    const calls = { bad: 0, good: 0 };
    let n = 0;
    const token = () => {
      if (++n === 1) return first;
      calls[phase]++;
      return phase === 'bad' ? bad : good;
    };
    const { client, log } = start(tag, token);
    await eventually(
      () => client.state,
      (s) => s === 'live',
      'live',
    );
    const pump = new Pump(gw.url, tag, { authorization: `Bearer ${PUBLISH_TOKEN}` });
    try {
      await eventually(
        () => log.errors.some((e) => e.status === 401),
        (x) => x,
        'a 401 for the refused token',
        8000,
      );
      const before = await totals();
      const badBefore = calls.bad;
      await sleep(4000);
      const attempts = calls.bad - badBefore;
      const refusedAtGateway = (await totals()).auth_refused - before.auth_refused;
      phase = 'good';
      await eventually(
        () => lives(log),
        (l) => l >= 2,
        'live again with a good token',
        5000,
      );
      const sent = await pump.stop();
      await eventually(
        () => log.ids.length,
        (x) => x >= sent.length,
        'every event',
      );

      // The backoff (200 ms doubling to 1.6 s, jittered): a handful of tries in 4 s, not hundreds.
      expect(attempts).toBeGreaterThanOrEqual(2);
      expect(attempts).toBeLessThanOrEqual(8);
      expect(refusedAtGateway).toBeLessThanOrEqual(2 * 8); // each try: the connection and the probe that asks why
      expect(log.states.map((s) => s.state)).not.toContain('closed');
      for (const e of log.errors) expect(e).toMatchObject({ error: 'unauthorized', field: 'token', message: expect.stringMatching(/signature/) });
      if (transport === 'ws') expect(log.errors[0]!.status).toBeUndefined(); // first refused in place, by {"op":"auth"}
      expect(log.errors.filter((e) => e.status === 401).length).toBeGreaterThanOrEqual(2);
      expect(calls.good).toBeGreaterThanOrEqual(1);
      expect(log.ids).toEqual(sent);
    } finally {
      client.close();
      await pump.stop();
    }
  }, 25_000);

  it('when the gateway expires the token first, resumes from its cursor with the next token: no loss, no duplicate', async () => {
    const tag = `expired-${transport}-${++run}`;
    const short = await hs256({ expIn: 3 });
    let expired = false;
    let calls = 0;
    // The same short token, asked again at the refresh, until the gateway has said it expired.
    const token = () => (calls++, expired ? hs256({ expIn: 3600 }) : short);
    const { client, log } = start(tag, token);
    client.onControl((c) => {
      if (c.control === 'token_expired') expired = true;
    });
    try {
      await eventually(
        () => client.state,
        (s) => s === 'live',
        'live',
      );
      const pump = new Pump(gw.url, tag, { authorization: `Bearer ${PUBLISH_TOKEN}` });
      await eventually(
        () => expired && lives(log) >= 2,
        (x) => x,
        'token_expired, then live again',
        8000,
      );
      await sleep(500);
      const sent = await pump.stop();
      await eventually(
        () => log.ids.length,
        (x) => x >= sent.length,
        'every event',
      );

      expect(log.ids).toEqual(sent);
      expect(log.errors).toEqual([]); // 4401 is not an error: the client resumes
      const [te] = controls(log, 'token_expired');
      expect(te.last_event_id).toMatch(/./);
      expect(sent).toContain(te.last_event_id);
      expect(calls).toBe(3); // the first connection, the refresh (nothing newer: nothing done), the resume
    } finally {
      client.close();
    }
  }, 20_000);
});

describe("a filter outside the token's grant", () => {
  it('on a WebSocket: setFilter rejects with the forbidden field, and the filter stays as it was', async () => {
    const tag = `grant-${++run}`;
    const token = await hs256({ eventgate: { subscribe: { types: ['cache'] } } });
    const client = new EventgateClient({ url: gw.url, transport: 'ws', WebSocket, filter: { types: ['cache'], meta: { run: tag } }, token });
    try {
      await eventually(
        () => client.state,
        (s) => s === 'live',
        'live',
      );
      await expect(client.setFilter({ types: ['error'], meta: { run: tag } })).rejects.toMatchObject({ error: 'forbidden', field: 'types' });
      expect(client.filter).toEqual({ types: ['cache'], meta: { run: tag } });
      expect(client.state).toBe('live');
    } finally {
      client.close();
    }
  });
});
