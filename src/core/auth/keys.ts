/**
 * Token verification with `jose`: an HMAC secret (HS256/384/512) and/or a
 * remote JWKS (RS256, ES256, EdDSA), chosen by the token's `alg`. Any other
 * algorithm, `alg: none` included, is refused before a key is looked at.
 *
 * The JWKS is fetched on first use and cached for AUTH_JWKS_MAX_AGE_MS; a
 * token naming a `kid` the cached set lacks fetches it again, at most once per
 * AUTH_JWKS_COOLDOWN_MS (jose's cooldown), so keys rotate without a restart.
 * On Workers this runs in the hub object, which fetches and caches the set.
 */
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { AuthSettings } from './settings.ts';

export const HMAC_ALGS = ['HS256', 'HS384', 'HS512'] as const;
export const JWKS_ALGS = ['RS256', 'ES256', 'EdDSA', 'Ed25519'] as const;

export type Verification = { ok: true; claims: JWTPayload } | { ok: false; message: string };

export interface TokenVerifier {
  /** Checks signature, `exp`, `nbf`, and `iss`/`aud` when configured. Never throws. */
  verify(token: string): Promise<Verification>;
}

/** Says which check failed, in words a client can act on (never echoing the token). */
function reason(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'token expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf') return 'token not yet valid (nbf is in the future)';
    if (err.claim === 'iss') return 'wrong issuer (iss)';
    if (err.claim === 'aud') return 'wrong audience (aud)';
    return `claim ${err.claim} is invalid: ${err.reason}`;
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'bad signature';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (err instanceof errors.JWKSNoMatchingKey) return 'unknown signing key (kid)';
  if (err instanceof errors.JWKSMultipleMatchingKeys) return 'ambiguous signing key (kid)';
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid) return 'signing keys unavailable (the JWKS could not be fetched)';
  if (err instanceof errors.JWTInvalid || err instanceof errors.JWSInvalid) return 'malformed token';
  if (err instanceof errors.JOSENotSupported) return 'unsupported token or key';
  if (err instanceof TypeError) return 'malformed token';
  return 'token could not be verified';
}

/** The verifier for the configured keys; undefined when no key is configured. */
export function createVerifier(s: AuthSettings): TokenVerifier | undefined {
  if (s.jwtSecret === undefined && s.jwksUrl === undefined) return undefined;
  const secret = s.jwtSecret !== undefined ? new TextEncoder().encode(s.jwtSecret) : undefined;
  const jwks = s.jwksUrl !== undefined ? createRemoteJWKSet(new URL(s.jwksUrl), { cooldownDuration: s.jwksCooldownMs, cacheMaxAge: s.jwksMaxAgeMs }) : undefined;
  const algorithms: string[] = [...(secret ? HMAC_ALGS : []), ...(jwks ? JWKS_ALGS : [])];
  const getKey: JWTVerifyGetKey = async (header, token) => {
    if ((HMAC_ALGS as readonly string[]).includes(header.alg)) return secret!;
    return jwks!(header, token);
  };
  const options = {
    algorithms,
    ...(s.issuer ? { issuer: s.issuer } : {}),
    ...(s.audience ? { audience: s.audience } : {}),
  };
  return {
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, getKey, options);
        return { ok: true, claims: payload };
      } catch (err) {
        return { ok: false, message: reason(err) };
      }
    },
  };
}
