/**
 * Keys and refusals: tokens signed with jose (HS256 with the shared secret,
 * ES256 through a JWKS served over HTTP whose key is rotated mid-test) are
 * let in wherever a token travels (Bearer, access_token, cookie); each bad
 * token is refused with 401, its reason, and WWW-Authenticate, on the SSE
 * request and on the WebSocket upgrade alike. No refusal echoes the token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeServer } from '../../src/runtimes/node/server.ts';
import { startGateway } from '../helpers/server.ts';
import { SseReader } from '../helpers/sse.ts';
import { hs256, JwksServer, SECRET, tampered, unsigned, type Claims } from '../helpers/tokens.ts';
import { WsClient } from '../helpers/ws.ts';

const ISS = 'https://issuer.test';
const AUD = 'eventgate-test';
const good = (c: Claims = {}): Claims => ({ iss: ISS, aud: AUD, ...c });

let gw: NodeServer;
let jwks: JwksServer;
beforeAll(async () => {
  jwks = await JwksServer.start();
  gw = await startGateway({ AUTH_JWT_SECRET: SECRET, AUTH_JWKS_URL: jwks.url, AUTH_JWKS_COOLDOWN_MS: '0', AUTH_JWT_ISSUER: ISS, AUTH_JWT_AUDIENCE: AUD });
});
afterAll(async () => {
  await gw.stop();
  await jwks.close();
});

/** Opens SSE with `token` (by `place`); resolves with the status, body and WWW-Authenticate. */
async function sseWith(token: string | undefined, place: 'header' | 'query' | 'cookie' = 'header') {
  const q = place === 'query' && token ? `&access_token=${encodeURIComponent(token)}` : '';
  const headers: Record<string, string> = {};
  if (token && place === 'header') headers.authorization = `Bearer ${token}`;
  if (token && place === 'cookie') headers.cookie = `theme=dark; eventgate_token=${token}`;
  const r = await SseReader.open(`${gw.url}/api/events/stream?replay=0${q}`, headers);
  if (r.status !== 200) {
    await r.until((x) => x.closed);
    const body = JSON.parse(r.raw || '{}');
    return { status: r.status, body, www: r.headers.get('www-authenticate'), r };
  }
  await r.until((x) => x.named('ready').length > 0);
  return { status: 200, body: undefined, www: null, r };
}

async function wsWith(token: string | undefined) {
  const q = token ? `&access_token=${encodeURIComponent(token)}` : '';
  try {
    const c = await WsClient.open(`${gw.url.replace('http', 'ws')}/ws/events?replay=0${q}`);
    await c.ready();
    c.close();
    return { status: 101, body: undefined, www: undefined };
  } catch (err: any) {
    return { status: err.status, body: JSON.parse(err.body), www: err.headers?.['www-authenticate'] };
  }
}

describe('keys', () => {
  it('lets in an HS256 token on SSE (Bearer, access_token, cookie) and on the WebSocket upgrade', async () => {
    const t = await hs256(good({ sub: 'hs' }));
    for (const place of ['header', 'query', 'cookie'] as const) {
      const res = await sseWith(t, place);
      expect(res.status, place).toBe(200);
      res.r.close();
    }
    expect((await wsWith(t)).status).toBe(101);
    // HS384 and HS512 with the same secret too.
    for (const alg of ['HS384', 'HS512']) {
      const res = await sseWith(await hs256(good(), new TextEncoder().encode(SECRET), alg));
      expect(res.status, alg).toBe(200);
      res.r.close();
    }
  });

  it('lets in ES256 through the JWKS, and a rotated key at once (the cooldown is 0 here)', async () => {
    const before = await jwks.sign(good());
    const a = await sseWith(before);
    expect(a.status).toBe(200);
    a.r.close();
    await jwks.rotate();
    const fetched = jwks.fetches;
    const after = await jwks.sign(good());
    const b = await sseWith(after);
    expect(b.status).toBe(200);
    b.r.close();
    expect(jwks.fetches).toBe(fetched + 1);
    // The retired key is gone from the set: its tokens are refused now.
    const old = await sseWith(before);
    expect(old.status).toBe(401);
    expect(old.body.message).toMatch(/unknown signing key|bad signature/);
    expect((await wsWith(after)).status).toBe(101);
  });

  it('refuses each bad token with 401, its reason and WWW-Authenticate, on SSE and the WebSocket upgrade', async () => {
    const ok = await hs256(good());
    const stranger = await jwks.stranger();
    const cases: [string, string | undefined, RegExp][] = [
      ['no token', undefined, /no token/],
      ['alg none', unsigned({ eventgate: { admin: true } }), /algorithm not allowed|malformed/],
      ['tampered payload', tampered(ok, { eventgate: { admin: true } }), /bad signature/],
      ['expired', await hs256(good({ expIn: -60 })), /token expired/],
      ['nbf in the future', await hs256(good({ nbfIn: 600 })), /not yet valid/],
      ['wrong issuer', await hs256(good({ iss: 'https://evil.test' })), /wrong issuer/],
      ['wrong audience', await hs256(good({ aud: 'someone-else' })), /wrong audience/],
      ['wrong secret', await hs256(good(), new TextEncoder().encode('another-secret-that-is-also-long-enough')), /bad signature/],
      ['unknown kid', await jwks.sign(good(), stranger), /unknown signing key/],
      ['garbage', 'qwertyuiop.asdfghjkl.zxcvbnm', /malformed/],
      ['malformed grant', await hs256(good({ eventgate: { subscribe: { types: ['nope'] } } })), /eventgate\.subscribe\.types/],
    ];
    for (const [name, token, reason] of cases) {
      for (const res of [await sseWith(token), await wsWith(token)]) {
        expect(res.status, name).toBe(401);
        expect(res.body, name).toMatchObject({ error: 'unauthorized', field: 'token', message: expect.stringMatching(reason) });
        expect(res.www, name).toBe('Bearer error="invalid_token"');
        if (token) expect(JSON.stringify(res.body), `${name}: the token is never echoed`).not.toContain(token.split('.')[2] || token);
      }
    }
  });

  it('refuses an algorithm the configured keys do not allow (an HS256 token on a JWKS-only gateway)', async () => {
    const jwksOnly = await startGateway({ AUTH_JWKS_URL: jwks.url, AUTH_JWKS_COOLDOWN_MS: '0' });
    try {
      const t = await hs256({});
      const r = await SseReader.open(`${jwksOnly.url}/api/events/stream?replay=0`, { authorization: `Bearer ${t}` });
      expect(r.status).toBe(401);
      await r.until((x) => x.closed);
      expect(JSON.parse(r.raw).message).toBe('algorithm not allowed');
    } finally {
      await jwksOnly.stop();
    }
  });
});

describe('configuration', () => {
  it('refuses a short secret, SUBSCRIBE_AUTH=required with no key, and a bad JWKS URL, naming the variable', async () => {
    await expect(startGateway({ AUTH_JWT_SECRET: 'short' })).rejects.toThrow(/AUTH_JWT_SECRET.*32 bytes/);
    await expect(startGateway({ SUBSCRIBE_AUTH: 'required' })).rejects.toThrow(/SUBSCRIBE_AUTH/);
    await expect(startGateway({ AUTH_JWKS_URL: 'ftp://x' })).rejects.toThrow(/AUTH_JWKS_URL/);
  });

  it('SUBSCRIBE_AUTH=off opens subscribing on purpose; a token given is still checked', async () => {
    const open = await startGateway({ AUTH_JWT_SECRET: SECRET, SUBSCRIBE_AUTH: 'off' });
    try {
      const r = await SseReader.open(`${open.url}/api/events/stream?replay=0`);
      expect(r.status).toBe(200);
      r.close();
      const bad = await SseReader.open(`${open.url}/api/events/stream?replay=0`, { authorization: `Bearer ${await hs256({ expIn: -5 })}` });
      expect(bad.status).toBe(401);
    } finally {
      await open.stop();
    }
  });
});
