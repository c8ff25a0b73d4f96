/**
 * The Hono app: the routes, each given the narrow dependencies it declares,
 * origin checks and CORS, and JSON answers for every refusal. The same app
 * runs on every runtime.
 */
import { Hono } from 'hono';
import type { UnofficialStatusCode } from 'hono/utils/http-status';
import { requireAdmin } from './auth/admin.ts';
import type { GatewayAuth } from './auth/gateway-auth.ts';
import { accessGuard } from './auth/subscribe-guard.ts';
import type { Bus } from './bus.ts';
import type { GatewayConfig } from './config.ts';
import { jsonError } from './http-error.ts';
import type { Logger } from './logger.ts';
import { gatewayMetrics } from './metrics/gateway-metrics.ts';
import type { Telemetry } from './metrics/telemetry.ts';
import type { GatewaySite } from './origin.ts';
import { clientAddress, type PeerTrust } from './peer.ts';
import type { EventRegistry } from './registry.ts';
import type { RuntimeAdapter } from './runtime.ts';
import { originGuard, subscriptionGuard, type GuardEnv } from './routes/guards.ts';
import { healthRoutes } from './routes/health.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { opsRoutes } from './routes/ops.ts';
import { CLIENT_CLOSED, clientGone, refusals } from './routes/refusals.ts';
import { openApiRoutes } from './routes/openapi.ts';
import { pageRoutes } from './routes/page.ts';
import { publishHandler } from './routes/publish.ts';
import { sseHandler } from './routes/sse.ts';
import { statsSnapshot } from './routes/stats.ts';
import { wsSession } from './routes/ws.ts';

/** What the app is built from; each route takes only its part. */
export interface AppDeps {
  config: GatewayConfig;
  /** Token checks, limits and their counters. */
  auth: GatewayAuth;
  bus: Bus;
  registry: EventRegistry;
  runtime: RuntimeAdapter;
  /** The gateway's own origins and whether it listens on loopback alone (PUBLIC_URL and the server starter's report). */
  site: GatewaySite;
  log: Logger;
  startedAt: number;
  /** Resolves once the store is open. */
  ready: Promise<void>;
  draining(): boolean;
  emitFailures(): number;
  /** What the bus reported: metrics, the operations view, aggregated warnings. */
  telemetry: Telemetry;
}

export function createApp(deps: AppDeps): Hono<any> {
  const app = new Hono<GuardEnv>();
  const { config, bus, registry, runtime } = deps;
  const knownTypes = () => registry.types;
  /** How every route judges the client: the runtime's peer address and TRUST_PROXY (peer.ts). */
  const peers: PeerTrust = { remoteAddress: (c) => runtime.remoteAddress(c), trustProxy: config.trustProxy };
  const origin = originGuard({ allowedOrigins: config.allowedOrigins, site: deps.site, peers });
  const subscription = subscriptionGuard({
    draining: deps.draining,
    subscriberCount: () => bus.subscriberCount,
    maxSubscribers: config.maxSubscribers,
    knownTypes,
    overflowPolicy: config.overflowPolicy,
    replayMax: config.historySize,
    ready: deps.ready,
  });
  const access = accessGuard({ auth: deps.auth, peers });
  /** Operator endpoints (stats, metrics, the operations view) all pass this one guard: an admin grant or ADMIN_TOKEN, or loopback when no auth is configured. */
  const admin = requireAdmin({ auth: deps.auth, peers });

  const telemetry = deps.telemetry;
  app.use(
    refusals({
      publishRejected: (r) => telemetry.publishRejected(r),
      accessRefused: (path, r) => telemetry.accessRefused(path, r),
      peers,
    }),
  );
  healthRoutes(app, { bus, draining: deps.draining });
  const metrics = gatewayMetrics({
    bus,
    telemetry,
    get runtimeName() {
      return runtime.name;
    },
    draining: deps.draining,
    emitFailures: deps.emitFailures,
    processMetrics: runtime.processMetrics,
  });
  metricsRoutes(app, { scrape: metrics.scrape, guard: admin });

  app.use('/api/*', origin);
  app.on('OPTIONS', '/api/*', (c) => c.body(null, 204));
  // runtimeName is read at each request: a gateway from the package entry learns its runtime when it is served.
  const stats = {
    bus,
    auth: deps.auth.counters,
    get runtimeName() {
      return runtime.name;
    },
    historyCapacity: config.historySize,
    startedAt: deps.startedAt,
    draining: deps.draining,
    emitFailures: deps.emitFailures,
  };
  opsRoutes(app, {
    bus,
    telemetry,
    get runtimeName() {
      return runtime.name;
    },
    draining: deps.draining,
    guard: admin,
  });
  app.get('/api/events/stats', admin, (c) => {
    const raw = c.req.query('limit');
    if (raw !== undefined && !/^\d{1,7}$/.test(raw)) return jsonError(c, 400, { error: 'bad_query', field: 'limit', message: 'limit must be a whole number' });
    return c.json(statsSnapshot(stats, raw === undefined ? 1000 : Number(raw)));
  });
  openApiRoutes(app, { registry, maxBatch: config.maxBatch });
  app.post(
    '/api/events',
    publishHandler({
      config,
      registry,
      runtime,
      peers,
      auth: deps.auth,
      log: deps.log,
      publish: (events) => bus.publish(events),
      publishOnce: (events, claim) => bus.publishOnce(events, claim),
      rejected: (_reason, count) => {
        bus.counters.publish_rejected += count;
      },
    }),
  );

  const sse = sseHandler({ bus, runtime, sseRetryMs: config.sseRetryMs, auth: deps.auth });
  app.get('/api/events/stream', subscription, access, (c) => sse(c, c.get('spec'), {}));

  const upgrade = runtime.upgradeWebSocket;
  if (upgrade) {
    const session = { bus, knownTypes, maxWsMessageBytes: config.maxWsMessageBytes, ws: runtime.ws, auth: deps.auth };
    runtime.ws?.sessions?.((spec) => wsSession(session, spec));
    app.get(
      '/ws/events',
      origin,
      async (c, next) => {
        if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
          return jsonError(c, 426, { error: 'upgrade_required', field: 'Upgrade', message: 'this endpoint speaks WebSocket; use /api/events/stream for SSE' });
        }
        await next();
      },
      subscription,
      access,
      upgrade((c) => wsSession(session, c.get('spec'))),
    );
  }

  pageRoutes(app, { asset: runtime.asset, runtimeName: runtime.name });

  app.notFound((c) => jsonError(c, 404, { error: 'not_found', message: `no route for ${c.req.method} ${new URL(c.req.url).pathname}` }));
  app.onError((err, c) => {
    if (clientGone(err)) {
      // The client closed the connection before its request was complete: its problem, not a server error.
      deps.log('debug', `client closed the connection during ${c.req.method} ${c.req.path}`, { client: clientAddress(c, peers) ?? 'unknown', err: (err as Error).message });
      return c.body(null, CLIENT_CLOSED as UnofficialStatusCode);
    }
    deps.log('error', `unhandled error on ${c.req.method} ${c.req.path}`, err);
    return jsonError(c, 500, { error: 'internal', message: 'internal error' });
  });
  return app;
}
