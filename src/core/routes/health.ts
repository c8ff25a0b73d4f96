/**
 * GET /health: 200 while the gateway can serve (running, store reachable,
 * not draining), 503 otherwise, with the store's own view.
 */
import type { Hono } from 'hono';
import type { Bus } from '../bus.ts';

/** What the health route needs. */
export interface HealthDeps {
  bus: Pick<Bus, 'running' | 'backend'>;
  draining(): boolean;
}

export function healthRoutes(app: Hono<any>, deps: HealthDeps): void {
  app.get('/health', (c) => {
    const backend = deps.bus.backend.health();
    const draining = deps.draining();
    const ok = deps.bus.running && backend.ok && !draining;
    return c.json({ status: ok ? 'ok' : draining ? 'draining' : 'unavailable', backend }, ok ? 200 : 503);
  });
}
