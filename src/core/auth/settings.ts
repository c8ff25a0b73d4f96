/**
 * The authentication and limits settings (the `auth` part of the gateway
 * configuration), read from the environment and validated at start: a bad
 * value stops the server with a ConfigError naming the variable.
 *
 * Keys: AUTH_JWT_SECRET (HS256/384/512, at least 32 bytes) and/or
 * AUTH_JWKS_URL (RS256, ES256, EdDSA). With a key, subscribing needs a valid
 * token unless SUBSCRIBE_AUTH=off. ADMIN_TOKEN is a bearer secret for the
 * operator endpoints (stats and later ones).
 */
import { ConfigError } from '../env.ts';

export interface AuthSettings {
  /** AUTH_JWT_SECRET: HMAC secret for HS256/HS384/HS512 tokens, at least 32 bytes. */
  jwtSecret: string | undefined;
  /** AUTH_JWKS_URL: where the public keys (RS256, ES256, EdDSA) are fetched from. */
  jwksUrl: string | undefined;
  /** AUTH_JWKS_COOLDOWN_MS: least time between two JWKS fetches; a token naming an unknown `kid` triggers a fetch once it has passed. Default 30000. */
  jwksCooldownMs: number;
  /** AUTH_JWKS_MAX_AGE_MS: how long a fetched JWKS is used before it is fetched again. Default 600000. */
  jwksMaxAgeMs: number;
  /** AUTH_JWT_ISSUER: required `iss`, when set. */
  issuer: string | undefined;
  /** AUTH_JWT_AUDIENCE: required `aud`, when set. */
  audience: string | undefined;
  /** SUBSCRIBE_AUTH: `required` (the default when a key is set) or `off` (subscribing open on purpose). */
  subscribe: 'required' | 'off';
  /** ADMIN_TOKEN: bearer secret for /api/events/stats and every operator endpoint (at least 16 characters). */
  adminToken: string | undefined;
  /** MAX_SUBSCRIBERS_PER_IP: concurrent subscriptions per client address; more get 429. 0 = no limit (default). */
  maxSubscribersPerIp: number;
  /** PUBLISH_RATE: events per second one publisher (token subject, else address) may publish; past it 429 with Retry-After. 0 = no limit (default). */
  publishRate: number;
  /** PUBLISH_BURST: events a publisher may publish at once above the rate. Default: PUBLISH_RATE (at least MAX_BATCH when a rate is set). */
  publishBurst: number;
  /** WS_MESSAGE_RATE: client messages per second on one WebSocket (bursts up to the same number); past it the socket closes with 1008. 0 = no limit. Default 50. */
  wsMessageRate: number;
}

type Env = Record<string, string | undefined>;

function count(env: Env, name: string, def: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return def;
  if (!/^\d+$/.test(raw) || Number(raw) > max) throw new ConfigError(name, `must be a whole number from 0 to ${max}, got "${env[name]}"`);
  return Number(raw);
}

function text(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/** Reads the auth settings; `maxBatch` sizes the default publish burst. */
export function loadAuthSettings(env: Env, maxBatch = 1000): AuthSettings {
  const jwtSecret = env.AUTH_JWT_SECRET || undefined;
  if (jwtSecret !== undefined && new TextEncoder().encode(jwtSecret).byteLength < 32) {
    throw new ConfigError('AUTH_JWT_SECRET', 'must be at least 32 bytes (HS256 needs a key as long as its hash); generate one with: openssl rand -base64 48');
  }
  const jwksUrl = text(env, 'AUTH_JWKS_URL');
  if (jwksUrl !== undefined) {
    let u: URL | undefined;
    try {
      u = new URL(jwksUrl);
    } catch {
      u = undefined;
    }
    if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:')) throw new ConfigError('AUTH_JWKS_URL', `must be an http(s) URL, got "${jwksUrl}"`);
  }
  const keyed = jwtSecret !== undefined || jwksUrl !== undefined;
  const mode = text(env, 'SUBSCRIBE_AUTH');
  if (mode !== undefined && mode !== 'required' && mode !== 'off') throw new ConfigError('SUBSCRIBE_AUTH', `must be required or off, got "${mode}"`);
  if (mode === 'required' && !keyed) throw new ConfigError('SUBSCRIBE_AUTH', 'is required, but no key is set: set AUTH_JWT_SECRET or AUTH_JWKS_URL');
  const adminToken = env.ADMIN_TOKEN || undefined;
  if (adminToken !== undefined && adminToken.length < 16) throw new ConfigError('ADMIN_TOKEN', 'must be at least 16 characters');
  const publishRate = count(env, 'PUBLISH_RATE', 0, 10_000_000);
  const burst = count(env, 'PUBLISH_BURST', 0, 100_000_000);
  return {
    jwtSecret,
    jwksUrl,
    jwksCooldownMs: count(env, 'AUTH_JWKS_COOLDOWN_MS', 30_000, 86_400_000),
    jwksMaxAgeMs: count(env, 'AUTH_JWKS_MAX_AGE_MS', 600_000, 86_400_000),
    issuer: text(env, 'AUTH_JWT_ISSUER'),
    audience: text(env, 'AUTH_JWT_AUDIENCE'),
    subscribe: mode === 'off' || !keyed ? 'off' : 'required',
    adminToken,
    maxSubscribersPerIp: count(env, 'MAX_SUBSCRIBERS_PER_IP', 0, 10_000_000),
    publishRate,
    publishBurst: burst > 0 ? burst : publishRate > 0 ? Math.max(publishRate, maxBatch) : 0,
    wsMessageRate: count(env, 'WS_MESSAGE_RATE', 50, 1_000_000),
  };
}

/** True when any credential is configured (a key or ADMIN_TOKEN): operator endpoints then need an admin credential. */
export function authConfigured(s: AuthSettings): boolean {
  return s.jwtSecret !== undefined || s.jwksUrl !== undefined || s.adminToken !== undefined;
}

/** What the start line says about who may publish, subscribe and read the stats (never a secret). */
export function accessSummary(s: AuthSettings, publishToken: string | undefined): string[] {
  const keyed = s.jwtSecret !== undefined || s.jwksUrl !== undefined;
  const keys = [s.jwtSecret !== undefined ? 'AUTH_JWT_SECRET (HS256/384/512)' : '', s.jwksUrl !== undefined ? `AUTH_JWKS_URL (${new URL(s.jwksUrl).host})` : '']
    .filter(Boolean)
    .join(' and ');
  const pub = [publishToken ? 'Bearer <PUBLISH_TOKEN>' : '', keyed ? 'a token with a publish grant' : ''].filter(Boolean).join(' or ');
  return [
    pub ? `publishing requires Authorization: ${pub}` : 'no PUBLISH_TOKEN set: only loopback clients (127.0.0.1, ::1) may publish',
    !keyed
      ? 'no AUTH_JWT_SECRET or AUTH_JWKS_URL set: subscribing is open to anyone who can reach the port'
      : s.subscribe === 'required'
        ? `subscribing requires a token signed with ${keys}`
        : `SUBSCRIBE_AUTH=off: subscribing is open; tokens that are given are checked (${keys})`,
    authConfigured(s) ? 'stats and operator endpoints require an admin token' : 'stats and operator endpoints answer loopback clients only',
  ];
}
