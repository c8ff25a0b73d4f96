/**
 * The live event page: GET / (src/ui/index.html), GET /assets/<name>.js|css
 * (src/ui/*) and GET /client/<name>.js (the browser client, src/client/*).
 * The files come from the runtime (RuntimeAdapter.asset); a runtime without
 * them serves no page. The page is sent with a strict Content-Security-Policy:
 * scripts, styles and connections from this origin only, nothing inline.
 */
import type { Context, Hono } from 'hono';
import { jsonError } from '../http-error.ts';
import type { RuntimeAdapter } from '../runtime.ts';

export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/** File names the routes may ask a runtime for: no directories, no dots but the extension. */
export const ASSET_NAME = /^[a-z][a-z0-9-]{0,63}\.(js|css|html)$/;

/** What the page routes need: the runtime's files, if it has them. */
export interface PageDeps {
  asset: RuntimeAdapter['asset'];
  runtimeName: string;
}

export function pageRoutes(app: Hono<any>, deps: PageDeps): void {
  const serve = async (c: Context, dir: 'ui' | 'client', name: string) => {
    const read = deps.asset;
    const ext = ASSET_NAME.exec(name)?.[1];
    const text = read && ext ? await read(`${dir}/${name}`) : undefined;
    if (text === undefined) {
      return jsonError(c, 404, { error: 'not_found', message: read ? `no page asset ${dir}/${name}` : `the ${deps.runtimeName} runtime serves no page; use the API` });
    }
    return c.body(text, 200, {
      'Content-Type': TYPES[ext!]!,
      'Cache-Control': 'no-cache',
      'Content-Security-Policy': PAGE_CSP,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    });
  };
  app.get('/', (c) => serve(c, 'ui', 'index.html'));
  app.get('/assets/:name', (c) => serve(c, 'ui', c.req.param('name')));
  app.get('/client/:name', (c) => serve(c, 'client', c.req.param('name')));
}
