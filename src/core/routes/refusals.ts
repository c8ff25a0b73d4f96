/**
 * Counts and logs refused publishes by reason: after the publish handler
 * answers, a 4xx or 5xx answer's JSON `error` code is handed to `rejected`
 * with the client's address. Only refusals pay for reading the body.
 */
import type { Context, MiddlewareHandler } from 'hono';

export interface RefusalDeps {
  rejected(code: string, status: number, client: string | undefined): void;
  remoteAddress(c: Context): string | undefined;
}

export function publishRefusals(deps: RefusalDeps): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const status = c.res.status;
    if (status < 400) return;
    let code = 'other';
    try {
      const body = (await c.res.clone().json()) as { error?: unknown };
      if (typeof body.error === 'string') code = body.error;
    } catch {
      /* not JSON: counted as other */
    }
    deps.rejected(code, status, deps.remoteAddress(c));
  };
}
