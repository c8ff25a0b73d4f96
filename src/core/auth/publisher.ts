/**
 * Who may publish, and how much. `PUBLISH_TOKEN` (a shared bearer secret)
 * keeps working; with a signing key, a token whose `eventgate.publish` grant
 * is `true` or `{"types": [...]}` may publish too (Bearer header only). With
 * neither configured, only loopback clients may publish. The publish rate
 * (PUBLISH_RATE, PUBLISH_BURST) is kept per token subject, else per client
 * address, and counts events, not requests.
 */
import type { Context } from 'hono';
import { jsonError } from '../http-error.ts';
import { clientAddress, isLoopbackClient, type PeerTrust } from '../peer.ts';
import { sameSecret } from './compare.ts';
import { forbidden, unauthorized, type GatewayAuth } from './gateway-auth.ts';
import { publishRefusal, type Grant } from './grant.ts';
import { bearerToken } from './token.ts';

export interface PublisherDeps {
  auth: GatewayAuth;
  publishToken: string | undefined;
  /** How the client is judged (peer address and TRUST_PROXY, peer.ts). */
  peers: PeerTrust;
}

/** A publisher let in: its grant (undefined: PUBLISH_TOKEN or loopback, any type) and its rate key. */
export interface Publisher {
  grant: Grant | undefined;
  rateKey: string;
}

/** Identifies the publisher before the body is read; a Response is the refusal to send. */
export async function identifyPublisher(deps: PublisherDeps, c: Context): Promise<Publisher | Response> {
  const { auth, publishToken } = deps;
  const addr = clientAddress(c, deps.peers) ?? 'unknown';
  const bearer = bearerToken(c);
  if (publishToken && bearer !== undefined && sameSecret(bearer, publishToken)) return { grant: undefined, rateKey: `addr:${addr}` };
  if (auth.keyed && bearer !== undefined) {
    const checked = await auth.check(bearer);
    if (!checked.ok) return unauthorized(c, checked.message);
    if (checked.auth.grant.publish === false) {
      auth.counters.auth_forbidden++;
      return forbidden(c, 'token', 'this token carries no publish grant (eventgate.publish)');
    }
    return { grant: checked.auth.grant, rateKey: checked.auth.sub !== undefined ? `sub:${checked.auth.sub}` : `addr:${addr}` };
  }
  if (publishToken || auth.keyed) {
    auth.counters.auth_refused++;
    const what =
      publishToken && auth.keyed
        ? 'Authorization: Bearer <PUBLISH_TOKEN or a token with a publish grant>'
        : publishToken
          ? 'Authorization: Bearer <PUBLISH_TOKEN>'
          : 'Authorization: Bearer <a token with a publish grant>';
    return jsonError(c, 401, { error: 'unauthorized', field: 'Authorization', message: `publishing needs ${what}` }, { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
  }
  if (!isLoopbackClient(c, deps.peers)) {
    return jsonError(c, 403, {
      error: 'forbidden',
      field: 'Authorization',
      message: 'no PUBLISH_TOKEN is configured, so only loopback clients may publish (a request through a proxy counts only when TRUST_PROXY lists the proxy)',
    });
  }
  return { grant: undefined, rateKey: `addr:${addr}` };
}

/**
 * Checks validated events against the publisher's grant (403 naming
 * `[i].type`) and its rate (429 with Retry-After); undefined when they may be
 * stored. Nothing is taken from the rate for a refused batch.
 */
export function admitPublish(auth: GatewayAuth, who: Publisher, c: Context, types: readonly string[], batch: boolean): Response | undefined {
  if (who.grant) {
    const refused = publishRefusal(who.grant, types);
    if (refused) {
      auth.counters.auth_forbidden++;
      const field = batch ? refused.field : refused.field.replace(/^\[0\]\./, '');
      return forbidden(c, field, `${field}: ${refused.message}`);
    }
  }
  const wait = auth.publishRate.take(who.rateKey, types.length);
  if (wait > 0) {
    auth.counters.publish_rate_limited += types.length;
    const rate = auth.settings.publishRate;
    const burst = auth.settings.publishBurst;
    if (wait === Infinity) {
      return jsonError(
        c,
        429,
        { error: 'rate_limited', field: 'body', message: `a batch of ${types.length} events is more than PUBLISH_BURST (${burst}) allows at once; split it` },
        { 'Retry-After': '1' },
      );
    }
    return jsonError(
      c,
      429,
      { error: 'rate_limited', message: `publishing is limited to PUBLISH_RATE (${rate}) events/s with bursts of ${burst}; nothing was published` },
      { 'Retry-After': String(Math.max(1, Math.ceil(wait))) },
    );
  }
  return undefined;
}
