/**
 * Authentication on every runtime: a second gateway started with keys (an
 * HS256 secret and a JWKS served by this test process, rotated mid-run),
 * ADMIN_TOKEN and small limits. Tokens are let in wherever they travel and
 * refused with 401 and their reason; grants bound what a token receives and
 * publishes; stats needs admin; expiry ends streams (SSE token_expired, WS
 * 4401) and WS refreshes in place; each limit is reached and answered.
 */
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { hs256, JwksServer, SECRET } from '../../helpers/tokens.ts';
import { publish as publishTo } from '../../helpers/http.ts';
import { runMarker, sample, sse, sseReady, ws } from './client.ts';
import { itNeeds, type Limits, type Target } from './target.ts';

type Started = Target & { cleanup(): Promise<void> };

export const AUTH_ADMIN_TOKEN = 'conformance-admin-0123456789';
const AUTH_ENV = (jwksUrl: string): Record<string, string> => ({
  AUTH_JWT_SECRET: SECRET,
  AUTH_JWKS_URL: jwksUrl,
  AUTH_JWKS_COOLDOWN_MS: '0',
  ADMIN_TOKEN: AUTH_ADMIN_TOKEN,
  MAX_SUBSCRIBERS_PER_IP: '8',
  PUBLISH_RATE: '2',
  PUBLISH_BURST: '100',
  WS_MESSAGE_RATE: '5',
});

/** Publishes with a JWT whose subject is fresh (its own rate bucket) and which may publish anything. */
async function publishAs(t: Target, body: unknown, grant: unknown = true, sub = runMarker()) {
  return publishTo(t.url, body, { authorization: `Bearer ${await hs256({ sub, eventgate: { publish: grant } })}` });
}
async function publishOk(t: Target, body: unknown): Promise<string[]> {
  const res = await publishAs(t, body);
  if (res.status !== 202) throw new Error(`publish answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.ids;
}
const adminStats = async (t: Target) => (await fetch(`${t.url}/api/events/stats`, { headers: { authorization: `Bearer ${AUTH_ADMIN_TOKEN}` } })).json();
/** Waits, by asking the stats, until the gateway holds no subscriber (clients of earlier checks are gone). */
async function noSubscribers(t: Target): Promise<void> {
  const deadline = Date.now() + 25_000;
  for (let s = await adminStats(t); s.active_subscribers > 0; s = await adminStats(t)) {
    if (Date.now() > deadline) throw new Error(`subscribers of earlier checks are still connected: ${JSON.stringify(s.subscribers)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
async function refusedSse(t: Target, query: string, headers: Record<string, string> = {}) {
  const r = await sse(t, query, headers);
  await r.until((x) => x.closed, 10_000, 'refusal');
  return { status: r.status, www: r.headers.get('www-authenticate'), body: r.raw ? JSON.parse(r.raw) : undefined };
}
async function refusedWs(t: Target, query: string) {
  try {
    const c = await ws(t, query);
    c.close();
    return { status: 101, www: undefined, body: undefined };
  } catch (err: any) {
    return { status: err.status as number, www: err.headers?.['www-authenticate'] as string | undefined, body: err.body ? JSON.parse(err.body) : undefined };
  }
}

export function authConformance(name: string, limits: Limits, start: (env: Record<string, string>) => Promise<Started>): void {
  describe(`conformance: ${name}, auth`, () => {
    let target: Started | undefined;
    let jwks: JwksServer;
    const t = (): Target => {
      if (!target) throw new Error(`${name}: the gateway with auth did not start`);
      return target;
    };
    beforeAll(async () => {
      jwks = await JwksServer.start();
      target = await start(AUTH_ENV(jwks.url));
    }, 90_000);
    afterAll(async () => {
      await target?.cleanup();
      await jwks?.close();
    });

    itNeeds(limits, [], 'refuses a missing, expired or forged token with 401, its reason and WWW-Authenticate, on SSE and the WebSocket upgrade', async () => {
      const forged = await hs256({}, new TextEncoder().encode('not-the-secret-but-long-enough-0123456789'));
      for (const [token, reason] of [
        [undefined, /no token/],
        [await hs256({ expIn: -30 }), /token expired/],
        [forged, /bad signature/],
        [await hs256({ nbfIn: 600 }), /not yet valid/],
      ] as const) {
        const q = `replay=0${token ? `&access_token=${token}` : ''}`;
        for (const res of [await refusedSse(t(), q), await refusedWs(t(), q)]) {
          expect(res.status, String(reason)).toBe(401);
          expect(res.www).toBe('Bearer error="invalid_token"');
          expect(res.body).toMatchObject({ error: 'unauthorized', field: 'token', message: expect.stringMatching(reason) });
        }
      }
    });

    itNeeds(limits, [], 'lets in HS256 by Bearer, access_token and cookie, and ES256 through the JWKS, a rotated key included', async () => {
      const token = await hs256({});
      const places: Record<string, string>[] = [{ authorization: `Bearer ${token}` }, { cookie: `eventgate_token=${token}` }];
      for (const headers of places) {
        const r = await sse(t(), 'replay=0', headers);
        expect(r.status).toBe(200);
        r.close();
      }
      const c = await ws(t(), `replay=0&access_token=${token}`);
      await c.ready();
      c.close();
      const es = await jwks.sign({});
      const a = await sse(t(), `replay=0&access_token=${es}`);
      expect(a.status).toBe(200);
      a.close();
      await jwks.rotate();
      const rotated = await ws(t(), `replay=0&access_token=${await jwks.sign({})}`);
      await rotated.ready();
      rotated.close();
    });

    itNeeds(limits, [], 'a tenant grant: 403 naming the field outside it; its meta always applies, live and replayed, on SSE and WS', async () => {
      const run = runMarker();
      const token = await hs256({ eventgate: { subscribe: { types: ['error', 'cache'], meta: { tenant: 'acme' } } } });
      expect(await refusedSse(t(), `types=performance&access_token=${token}`)).toMatchObject({ status: 403, body: { error: 'forbidden', field: 'types' } });
      expect(await refusedWs(t(), `meta.tenant=globex&access_token=${token}`)).toMatchObject({ status: 403, body: { error: 'forbidden', field: 'meta.tenant' } });
      const early = await publishOk(t(), [sample('error', run, { tenant: 'globex' }), sample('error', run, { tenant: 'acme' })]);
      const s = await sse(t(), `meta.run=${run}&replay=10&access_token=${token}`);
      const w = await ws(t(), `meta.run=${run}&replay=10&access_token=${token}`);
      await sseReady(s);
      await w.ready();
      w.send({ op: 'filter', 'meta.run': run, 'meta.tenant': 'globex' });
      await w.until((x) => x.controls('error').length === 1);
      expect(w.controls('error')[0]).toMatchObject({ error: 'forbidden', field: 'meta.tenant' });
      const live = await publishOk(t(), [sample('cache', run, { tenant: 'globex' }), sample('performance', run, { tenant: 'acme' }), sample('cache', run, { tenant: 'acme' })]);
      await s.until((x) => x.events.some((e) => e.id === live[2]));
      await w.until((x) => x.events.some((e) => e.id === live[2]));
      expect(s.events.map((e) => e.id)).toEqual([early[1], live[2]]);
      expect(w.events.map((e) => e.id)).toEqual([early[1], live[2]]);
      s.close();
      w.close();
    });

    itNeeds(limits, [], 'a publish grant for some types: a batch with another is 403 naming [i].type and nothing of it is stored', async () => {
      const run = runMarker();
      const watcher = await sse(t(), `meta.run=${run}&replay=0&access_token=${await hs256({})}`);
      await sseReady(watcher);
      const refused = await publishAs(t(), [sample('cache', run), sample('error', run)], { types: ['cache'] });
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ error: 'forbidden', field: '[1].type' });
      const ok = await publishAs(t(), [sample('cache', run)], { types: ['cache'] });
      expect(ok.status).toBe(202);
      await watcher.until((x) => x.events.length >= 1);
      expect(watcher.events.map((e) => e.id)).toEqual(ok.body.ids);
      watcher.close();
    });

    itNeeds(limits, [], 'stats: 401 without a token, 403 without an admin grant, 200 with ADMIN_TOKEN or an admin grant', async () => {
      const get = (token?: string) => fetch(`${t().url}/api/events/stats`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
      expect((await get()).status).toBe(401);
      expect((await get(await hs256({}))).status).toBe(403);
      expect((await get(AUTH_ADMIN_TOKEN)).status).toBe(200);
      expect((await get(await hs256({ eventgate: { admin: true } }))).status).toBe(200);
    });

    itNeeds(
      limits,
      [],
      'expiry mid-stream: SSE token_expired with the last cursor and the end, WS token_expired; {"op":"auth"} refreshes in place',
      async () => {
        await noSubscribers(t());
        const run = runMarker();
        const s = await sse(t(), `meta.run=${run}&replay=0&access_token=${await hs256({ expIn: 2 })}`);
        const w = await ws(t(), `meta.run=${run}&replay=0&access_token=${await hs256({ expIn: 2 })}`);
        const keptToken = await hs256({ expIn: 3 });
        const keptExp = JSON.parse(Buffer.from(keptToken.split('.')[1]!, 'base64url').toString()).exp as number;
        const kept = await ws(t(), `meta.run=${run}&replay=0&access_token=${keptToken}`);
        try {
          await sseReady(s);
          await w.ready();
          await kept.ready();
          kept.send({ op: 'auth', token: await hs256({ expIn: 3600 }) });
          await kept.until((x) => x.controls('ack').length === 1);
          expect(kept.controls('ack')[0]).toMatchObject({ control: 'ack', op: 'auth', exp: expect.any(Number) });
          const ids = await publishOk(t(), [sample('cache', run)]);
          await s.until((x) => x.named('token_expired').length === 1, 10_000, 'token_expired');
          await s.until((x) => x.closed, 10_000, 'end of stream');
          expect(s.named('token_expired')[0].last_event_id).toBe(ids[0]);
          await w.until((x) => x.controls('token_expired').length === 1, 10_000, 'token_expired');
          expect(w.controls('token_expired')[0]).toMatchObject({ last_event_id: ids[0] });
          // Past the replaced token's own expiry, the refreshed socket still delivers everything; the expired one nothing more.
          const after: string[] = [];
          while (Date.now() < keptExp * 1000 + 500) after.push(...(await publishOk(t(), [sample('cache', run)])));
          await kept.until((x) => x.events.some((e) => e.id === after.at(-1)));
          expect(kept.events.map((e) => e.id)).toEqual([ids[0], ...after]);
          expect(kept.closeCode).toBeUndefined();
          expect(w.events.map((e) => e.id)).toEqual([ids[0]]);
        } finally {
          s.close();
          w.close();
          kept.close();
        }
      },
      30_000,
    );

    itNeeds(limits, 'ws_close_on_expiry', 'a WebSocket whose token expires is closed with 4401 after its token_expired', async () => {
      const w = await ws(t(), `replay=0&access_token=${await hs256({ expIn: 2 })}`);
      await w.until((x) => x.closeCode !== undefined, 10_000, 'close');
      expect(w.controls('token_expired')).toHaveLength(1);
      expect(w.closeCode).toBe(4401);
    });

    itNeeds(
      limits,
      [],
      'limits: MAX_SUBSCRIBERS_PER_IP answers 429; PUBLISH_RATE 429 with Retry-After; WS_MESSAGE_RATE closes 1008',
      async () => {
        await noSubscribers(t());
        const before = (await adminStats(t())).totals;
        const token = await hs256({});
        const held = [];
        for (let i = 0; i < 8; i++) held.push(await sse(t(), `replay=0&access_token=${token}`));
        expect(held.map((h) => h.status)).toEqual(Array(8).fill(200));
        expect(await refusedSse(t(), `replay=0&access_token=${token}`)).toMatchObject({ status: 429, body: { error: 'too_many_subscriptions' } });
        expect(await refusedWs(t(), `replay=0&access_token=${token}`)).toMatchObject({ status: 429 });
        for (const h of held) h.close();
        await noSubscribers(t());

        const sub = runMarker();
        const run = runMarker();
        const full = await publishAs(
          t(),
          Array.from({ length: 100 }, () => sample('cache', run)),
          true,
          sub,
        );
        expect(full.status).toBe(202);
        const over = await publishAs(t(), sample('cache', run), true, sub);
        expect(over.status).toBe(429);
        expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

        const c = await ws(t(), `replay=0&access_token=${token}`);
        await c.ready();
        // One message past the burst (5): the socket closes with 1008. (Not a flood: a server that closes
        // with the client's later messages still unread may reset the connection, and the code is lost.)
        for (let i = 0; i < 6; i++) c.send({ op: 'ping', n: i });
        await c.until((x) => x.closeCode !== undefined, 10_000, 'close');
        expect(c.closeCode).toBe(1008);
        const totals = (await adminStats(t())).totals;
        expect(totals.subscribers_per_ip_refused - before.subscribers_per_ip_refused).toBe(2);
        expect(totals.ws_rate_closed - before.ws_rate_closed).toBe(1);
        expect(totals.publish_rate_limited - before.publish_rate_limited).toBe(1);
      },
      60_000,
    );
  });
}
