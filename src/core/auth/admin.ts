/**
 * requireAdmin: THE guard for operator endpoints (/api/events/stats, /metrics,
 * the operations API, and any endpoint added later that shows or changes
 * the gateway's state). Apply it as Hono middleware in front of the route:
 *
 *   app.get('/api/events/stats', requireAdmin(deps), handler)
 *
 * Contract:
 * - With any credential configured (AUTH_JWT_SECRET, AUTH_JWKS_URL or
 *   ADMIN_TOKEN), the request needs `Authorization: Bearer <ADMIN_TOKEN>` or a
 *   valid token whose `eventgate` claim has `"admin": true` (Bearer header,
 *   `access_token` query or `eventgate_token` cookie). No or a bad token: 401
 *   with `WWW-Authenticate`; a valid token without admin: 403. Being on
 *   loopback does not help once a credential exists.
 * - With none configured, only loopback clients pass (403 otherwise).
 * PUBLISH_TOKEN is not an admin credential.
 */
import type { MiddlewareHandler } from 'hono';
import { isLoopbackClient, type PeerTrust } from '../peer.ts';
import { sameSecret } from './compare.ts';
import { forbidden, NO_TOKEN, unauthorized, type GatewayAuth } from './gateway-auth.ts';
import { bearerToken, findToken } from './token.ts';

/** What the admin guard needs of the gateway. */
export interface AdminGuardDeps {
  auth: GatewayAuth;
  /** How the client is judged (peer address and TRUST_PROXY, peer.ts). */
  peers: PeerTrust;
}

export function requireAdmin(deps: AdminGuardDeps): MiddlewareHandler {
  const { auth } = deps;
  return async (c, next) => {
    if (!auth.configured) {
      if (!isLoopbackClient(c, deps.peers)) {
        auth.counters.auth_forbidden++;
        return forbidden(c, 'token', 'no ADMIN_TOKEN or signing key is configured, so operator endpoints answer loopback clients only');
      }
      return next();
    }
    const adminToken = auth.settings.adminToken;
    const bearer = bearerToken(c);
    if (adminToken !== undefined && bearer !== undefined && sameSecret(bearer, adminToken)) return next();
    const found = findToken(c);
    if (!found) {
      auth.counters.auth_refused++;
      return unauthorized(c, `${NO_TOKEN} (with an admin grant, or ADMIN_TOKEN)`);
    }
    if (!auth.keyed) {
      auth.counters.auth_refused++;
      return unauthorized(c, 'the token is not ADMIN_TOKEN');
    }
    const checked = await auth.check(found.token);
    if (!checked.ok) return unauthorized(c, checked.message);
    if (!checked.auth.grant.admin) {
      auth.counters.auth_forbidden++;
      return forbidden(c, 'token', 'this token has no admin grant (eventgate.admin)');
    }
    return next();
  };
}
