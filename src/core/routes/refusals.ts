/**
 * Refusals, counted and logged: after a route answers, a 4xx or 5xx answer
 * to a publish is handed to `publishRejected` with its JSON `error` code,
 * and a 401 or 403 anywhere else (a subscription, an operator endpoint) to
 * `accessRefused`, each with the client's address and never a credential.
 * Only refusals pay for reading the body.
 */
import type { Context, MiddlewareHandler } from 'hono';

export interface RefusalDeps {
  publishRejected(code: string, status: number, client: string | undefined): void;
  accessRefused(path: string, code: string, status: number, client: string | undefined): void;
  remoteAddress(c: Context): string | undefined;
}

async function errorCode(res: Response): Promise<string> {
  try {
    const body = (await res.clone().json()) as { error?: unknown };
    if (typeof body.error === 'string') return body.error;
  } catch {
    /* not JSON */
  }
  return 'other';
}

export function refusals(deps: RefusalDeps): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const status = c.res.status;
    if (status < 400) return;
    const publishing = c.req.method === 'POST' && c.req.path === '/api/events';
    if (publishing) deps.publishRejected(await errorCode(c.res), status, deps.remoteAddress(c));
    else if (status === 401 || status === 403) deps.accessRefused(c.req.path, await errorCode(c.res), status, deps.remoteAddress(c));
  };
}
