/**
 * Health probes:
 * - GET /health: 200 while the gateway can serve (running, store reachable,
 *   not draining), 503 otherwise, with the store's own view.
 * - GET /health/live: 200 whenever the process answers (a liveness probe:
 *   restart only when this fails).
 * - GET /health/ready: the same test as /health (a readiness probe: no
 *   traffic while the store is unreachable or the gateway drains).
 */
import type { Context, Hono } from 'hono';
import type { Bus } from '../bus.ts';

/** What the health routes need. */
export interface HealthDeps {
  bus: Pick<Bus, 'running' | 'backend'>;
  draining(): boolean;
}

export function healthRoutes(app: Hono<any>, deps: HealthDeps): void {
  const ready = (c: Context) => {
    const backend = deps.bus.backend.health();
    const draining = deps.draining();
    const ok = deps.bus.running && backend.ok && !draining;
    return c.json({ status: ok ? 'ok' : draining ? 'draining' : 'unavailable', backend }, ok ? 200 : 503);
  };
  app.get('/health', ready);
  app.get('/health/ready', ready);
  app.get('/health/live', (c) => c.json({ status: 'ok' }));
}
