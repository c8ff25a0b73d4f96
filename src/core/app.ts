/**
 * The Hono app: routes, origin checks and CORS, and JSON answers for every
 * refusal. The same app runs on every runtime.
 */
import { Hono, type Context, type Next } from 'hono';
import type { GatewayInternals } from './gateway.ts';
import { jsonError } from './http-error.ts';
import { originAllowed } from './origin.ts';
import { publishHandler } from './routes/publish.ts';
import { pageRoutes } from './routes/page.ts';
import { sseHandler } from './routes/sse.ts';
import { statsSnapshot } from './routes/stats.ts';
import { wsSession } from './routes/ws.ts';
import { parseSubscription, queryRecord, type SubscriptionSpec } from './subscription.ts';

type Env = { Variables: { spec: SubscriptionSpec; cors: Record<string, string> } };

export function createApp(gw: GatewayInternals): Hono<any> {
  const app = new Hono<Env>();
  const { config } = gw;

  /** Refuses browser origins that are not allowed; echoes allowed ones for CORS. */
  const origin = async (c: Context<Env>, next: Next) => {
    const o = c.req.header('origin');
    if (!originAllowed(o, c.req.url, c.req.header('host'), config.allowedOrigins)) {
      return jsonError(c, 403, { error: 'origin_not_allowed', field: 'Origin', message: `origin ${o} is not in ALLOWED_ORIGINS` });
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

  /** Validates the subscription query before any stream opens. */
  const subscription = async (c: Context<Env>, next: Next) => {
    if (gw.draining) return jsonError(c, 503, { error: 'shutting_down', message: 'the gateway is shutting down; connect to another instance' }, { 'Retry-After': '5' });
    if (gw.bus.subscriberCount >= config.maxSubscribers) {
      return jsonError(c, 503, { error: 'too_many_subscribers', message: `this gateway serves at most MAX_SUBSCRIBERS (${config.maxSubscribers}) subscribers` }, { 'Retry-After': '5' });
    }
    const parsed = parseSubscription(queryRecord(new URL(c.req.url)), gw.registry.types, { policy: config.overflowPolicy, replayMax: config.historySize });
    if ('error' in parsed) return jsonError(c, 400, { error: 'bad_subscription', field: parsed.error.field, message: `${parsed.error.field}: ${parsed.error.message}` });
    await gw.ready;
    c.set('spec', parsed.spec);
    await next();
  };

  app.get('/health', (c) => {
    const backend = gw.bus.backend.health();
    const ok = gw.bus.running && backend.ok && !gw.draining;
    return c.json({ status: ok ? 'ok' : gw.draining ? 'draining' : 'unavailable', backend }, ok ? 200 : 503);
  });

  app.use('/api/*', origin);
  app.on('OPTIONS', '/api/*', (c) => c.body(null, 204));
  app.get('/api/events/stats', (c) => {
    const raw = c.req.query('limit');
    if (raw !== undefined && !/^\d{1,7}$/.test(raw)) return jsonError(c, 400, { error: 'bad_query', field: 'limit', message: 'limit must be a whole number' });
    return c.json(statsSnapshot(gw, raw === undefined ? 1000 : Number(raw)));
  });
  app.post('/api/events', publishHandler(gw));

  const sse = sseHandler(gw);
  app.get('/api/events/stream', subscription, (c) => sse(c, c.get('spec'), {}));

  const upgrade = gw.runtime.upgradeWebSocket;
  if (upgrade) {
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
      upgrade((c) => wsSession(gw, c.get('spec'))),
    );
  }

  pageRoutes(app, gw);

  app.notFound((c) => jsonError(c, 404, { error: 'not_found', message: `no route for ${c.req.method} ${new URL(c.req.url).pathname}` }));
  app.onError((err, c) => {
    gw.log('error', `unhandled error on ${c.req.method} ${c.req.path}`, err);
    return jsonError(c, 500, { error: 'internal', message: 'internal error' });
  });
  return app;
}
