/**
 * accessGuard: the subscription's token and limits, checked before any
 * stream opens (SSE request and WebSocket upgrade alike), after the
 * subscription guard has parsed the request into `c.get('spec')`.
 *
 * - 401 `{"error":"unauthorized","field":"token"}` with `WWW-Authenticate`
 *   when a token is required (SUBSCRIBE_AUTH=required) and missing, or when
 *   any token presented is refused (a token, when given, is always checked);
 * - 403 `{"error":"forbidden","field":<the field>}` when the request asks for
 *   more than the token's `eventgate.subscribe` grant;
 * - 429 when the client address holds MAX_SUBSCRIBERS_PER_IP subscriptions.
 * On success the spec's filter is the effective one and `spec.access` holds
 * the grant's bound, the token's expiry and the address slot.
 */
import type { MiddlewareHandler } from 'hono';
import { jsonError } from '../http-error.ts';
import { clientAddress, type PeerTrust } from '../peer.ts';
import type { SubscriptionSpec } from '../subscription.ts';
import { forbidden, NO_TOKEN, unauthorized, type GatewayAuth, type TokenAuth } from './gateway-auth.ts';
import { withinGrant } from './grant.ts';
import { findToken } from './token.ts';

export interface AccessGuardDeps {
  auth: GatewayAuth;
  /** How the client is judged (peer address and TRUST_PROXY, peer.ts). */
  peers: PeerTrust;
}

type SpecEnv = { Variables: { spec: SubscriptionSpec } };

export function accessGuard(deps: AccessGuardDeps): MiddlewareHandler<SpecEnv> {
  const { auth } = deps;
  return async (c, next) => {
    const spec = c.get('spec');
    let token: TokenAuth | undefined;
    const found = auth.keyed ? findToken(c) : undefined;
    if (found) {
      const checked = await auth.check(found.token);
      if (!checked.ok) return unauthorized(c, checked.message);
      token = checked.auth;
    } else if (auth.subscribeRequired) {
      auth.counters.auth_refused++;
      return unauthorized(c, NO_TOKEN);
    }
    const bound = token?.grant.subscribe;
    const eff = withinGrant(spec.filter, bound);
    if ('refused' in eff) {
      auth.counters.auth_forbidden++;
      return forbidden(c, eff.refused.field, `${eff.refused.field}: ${eff.refused.message}`);
    }
    let release: (() => void) | undefined;
    if (auth.subscribersPerIp.enabled) {
      const addr = clientAddress(c, deps.peers) ?? 'unknown';
      release = auth.subscribersPerIp.acquire(addr);
      if (!release) {
        auth.counters.subscribers_per_ip_refused++;
        const max = auth.subscribersPerIp.max;
        return jsonError(
          c,
          429,
          { error: 'too_many_subscriptions', field: 'client', message: `this client address already holds MAX_SUBSCRIBERS_PER_IP (${max}) subscriptions` },
          { 'Retry-After': '5' },
        );
      }
    }
    c.set('spec', { ...spec, filter: eff.filter, access: { bound, exp: token?.exp, requested: spec.filter, ...(release ? { release } : {}) } });
    await next();
  };
}
