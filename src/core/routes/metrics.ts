/**
 * GET /metrics: the Prometheus text exposition (the gateway's families, then
 * the runtime's process metrics when it hands them in). Guarded like
 * /api/events/stats.
 */
import type { Hono, MiddlewareHandler } from 'hono';
import { EXPOSITION_CONTENT_TYPE } from '../metrics/exposition.ts';

/** What the metrics route needs. */
export interface MetricsRouteDeps {
  scrape(): Promise<string>;
  /** The same guard as the stats. */
  guard: MiddlewareHandler;
}

export function metricsRoutes(app: Hono<any>, deps: MetricsRouteDeps): void {
  app.get('/metrics', deps.guard, async (c) => c.body(await deps.scrape(), 200, { 'Content-Type': EXPOSITION_CONTENT_TYPE, 'Cache-Control': 'no-store' }));
}
