/**
 * The gateway's authentication state: the token verifier for the configured
 * keys, the limits and the counters. One per gateway; routes reach it through
 * their narrow dependencies (`auth`).
 */
import type { Context } from 'hono';
import { jsonError } from '../http-error.ts';
import { parseGrant, type Grant } from './grant.ts';
import { createVerifier, type TokenVerifier } from './keys.ts';
import { ConcurrencyLimit, newAuthCounters, RateLimit, type AuthCounters } from './limits.ts';
import { authConfigured, type AuthSettings } from './settings.ts';

/** What a verified token grants, and until when. */
export interface TokenAuth {
  grant: Grant;
  /** `exp` in unix seconds; undefined when the token does not expire. */
  exp: number | undefined;
  /** `sub`, for the publish rate key; never the token itself. */
  sub: string | undefined;
}

export type TokenCheck = { ok: true; auth: TokenAuth } | { ok: false; message: string };

export class GatewayAuth {
  readonly settings: AuthSettings;
  readonly counters: AuthCounters = newAuthCounters();
  readonly subscribersPerIp: ConcurrencyLimit;
  readonly publishRate: RateLimit;
  readonly #verifier: TokenVerifier | undefined;
  readonly #types: () => readonly string[];

  constructor(settings: AuthSettings, knownTypes: () => readonly string[]) {
    this.settings = settings;
    this.#verifier = createVerifier(settings);
    this.#types = knownTypes;
    this.subscribersPerIp = new ConcurrencyLimit(settings.maxSubscribersPerIp);
    this.publishRate = new RateLimit(settings.publishRate, settings.publishBurst);
  }

  /** A signing key is configured: tokens can be checked. */
  get keyed(): boolean {
    return this.#verifier !== undefined;
  }

  /** Subscribing needs a valid token (SUBSCRIBE_AUTH=required). */
  get subscribeRequired(): boolean {
    return this.settings.subscribe === 'required';
  }

  /** Any credential is configured: operator endpoints need an admin credential (else: loopback only). */
  get configured(): boolean {
    return authConfigured(this.settings);
  }

  /** Verifies a token and reads its grant. Counts a refusal. */
  async check(token: string): Promise<TokenCheck> {
    const result = await this.#check(token);
    if (!result.ok) this.counters.auth_refused++;
    return result;
  }

  async #check(token: string): Promise<TokenCheck> {
    if (!this.#verifier) return { ok: false, message: 'this gateway has no signing key configured (AUTH_JWT_SECRET or AUTH_JWKS_URL)' };
    const v = await this.#verifier.verify(token);
    if (!v.ok) return v;
    const grant = parseGrant(v.claims.eventgate, this.#types());
    if ('error' in grant) return { ok: false, message: grant.error };
    return { ok: true, auth: { grant, exp: typeof v.claims.exp === 'number' ? v.claims.exp : undefined, sub: typeof v.claims.sub === 'string' ? v.claims.sub : undefined } };
  }
}

/** The 401 for a missing or refused token, on HTTP and on the WebSocket upgrade alike. */
export function unauthorized(c: Context, message: string): Response {
  return jsonError(c, 401, { error: 'unauthorized', field: 'token', message }, { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
}

/** The 403 for a request outside the token's grant, naming the field. */
export function forbidden(c: Context, field: string, message: string): Response {
  return jsonError(c, 403, { error: 'forbidden', field, message });
}

export const NO_TOKEN = 'no token: send Authorization: Bearer <token>, the access_token query parameter, or the eventgate_token cookie';
