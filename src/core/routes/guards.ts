/**
 * Middleware shared by routes: the Host and browser-origin checks with CORS, and the
 * validation of a subscription request before any stream opens.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { OverflowPolicy } from '../subscriber.ts';
import { jsonError } from '../http-error.ts';
import type { GatewaySite } from '../origin.ts';
import { judgeClient, type PeerTrust } from '../peer.ts';
import { parseSubscription, queryRecord, type SubscriptionSpec } from '../subscription.ts';

export type GuardEnv = { Variables: { spec: SubscriptionSpec; cors: Record<string, string> } };

/** What the origin guard needs: the allow-list, the gateway's own site, and how to judge the client. */
export interface OriginGuardDeps {
  allowedOrigins: readonly string[];
  site: Pick<GatewaySite, 'originAllowed' | 'hostAllowed'>;
  peers: PeerTrust;
}

/**
 * Refuses a Host that is not the gateway's own on a loopback-only gateway
 * (DNS rebinding), and browser origins that are not allowed (origin.ts);
 * echoes allowed origins for CORS and answers preflights.
 */
export function originGuard(deps: OriginGuardDeps): MiddlewareHandler<GuardEnv> {
  return async (c, next) => {
    const host = c.req.header('host');
    if (!deps.site.hostAllowed(host, judgeClient(c.req.raw.headers, deps.peers.remoteAddress(c), deps.peers.trustProxy).proxied)) {
      return jsonError(c, 403, {
        error: 'host_not_allowed',
        field: 'Host',
        message: `this gateway listens on loopback only and does not answer for host ${host}; set PUBLIC_URL to the name it is reached by`,
      });
    }
    const o = c.req.header('origin');
    if (!deps.site.originAllowed(o, deps.allowedOrigins)) {
      return jsonError(c, 403, {
        error: 'origin_not_allowed',
        field: 'Origin',
        message: `origin ${o === '' ? '(empty)' : o} is not the gateway's own (PUBLIC_URL) nor in ALLOWED_ORIGINS`,
      });
    }
    const cors: Record<string, string> = o ? { 'Access-Control-Allow-Origin': o, Vary: 'Origin' } : {};
    c.set('cors', cors);
    if (c.req.method === 'OPTIONS') {
      return c.body(null, 204, {
        ...cors,
        'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
        'Access-Control-Allow-Headers': 'Authorization, Content-Type, Last-Event-ID',
        'Access-Control-Max-Age': '600',
      });
    }
    await next();
    for (const [k, v] of Object.entries(cors)) c.res.headers.set(k, v);
  };
}

/** What the subscription guard needs. */
export interface SubscriptionGuardDeps {
  draining(): boolean;
  subscriberCount(): number;
  maxSubscribers: number;
  knownTypes(): readonly string[];
  overflowPolicy: OverflowPolicy;
  /** Upper bound on `replay=N` (the history size). */
  replayMax: number;
  /** Resolves once the store is open. */
  ready: Promise<void>;
}

/** Validates the subscription query (503 while draining or full, 400 naming the field) and leaves the spec in `c.get('spec')`. */
export function subscriptionGuard(deps: SubscriptionGuardDeps): MiddlewareHandler<GuardEnv> {
  return async (c: Context<GuardEnv>, next) => {
    if (deps.draining()) return jsonError(c, 503, { error: 'shutting_down', message: 'the gateway is shutting down; connect to another instance' }, { 'Retry-After': '5' });
    if (deps.subscriberCount() >= deps.maxSubscribers) {
      return jsonError(
        c,
        503,
        { error: 'too_many_subscribers', message: `this gateway serves at most MAX_SUBSCRIBERS (${deps.maxSubscribers}) subscribers` },
        { 'Retry-After': '5' },
      );
    }
    const parsed = parseSubscription(queryRecord(new URL(c.req.url)), deps.knownTypes(), { policy: deps.overflowPolicy, replayMax: deps.replayMax });
    if ('error' in parsed) return jsonError(c, 400, { error: 'bad_subscription', field: parsed.error.field, message: `${parsed.error.field}: ${parsed.error.message}` });
    await deps.ready;
    c.set('spec', parsed.spec);
    await next();
  };
}
