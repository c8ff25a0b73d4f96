/**
 * GET /api/ops: the operations view's data (metrics/ops-snapshot.ts) as
 * JSON, for an admin only: guarded like /api/events/stats.
 */
import type { Hono, MiddlewareHandler } from 'hono';
import { opsSnapshot, type OpsDeps } from '../metrics/ops-snapshot.ts';

export interface OpsRouteDeps extends OpsDeps {
  /** The same guard as the stats. */
  guard: MiddlewareHandler;
}

export function opsRoutes(app: Hono<any>, deps: OpsRouteDeps): void {
  app.get('/api/ops', deps.guard, (c) => c.json(opsSnapshot(deps), 200, { 'Cache-Control': 'no-store' }));
}
