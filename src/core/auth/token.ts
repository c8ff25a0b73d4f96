/**
 * Where a token travels: `Authorization: Bearer <token>` (fetch-based and
 * server-side clients), the `access_token` query parameter (all a browser
 * EventSource or WebSocket can send), or the `eventgate_token` cookie (a
 * same-site dashboard with an HttpOnly cookie), looked for in that order.
 * A token is never logged, never in the stats, never in an error body: show a
 * URL only through `redactUrl`.
 */
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';

export const TOKEN_QUERY = 'access_token';
export const TOKEN_COOKIE = 'eventgate_token';

export type TokenPlace = 'header' | 'query' | 'cookie';

/** The bearer token of an Authorization header, if it is one. */
export function bearerToken(c: Context): string | undefined {
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(c.req.header('authorization') ?? '');
  return m?.[1];
}

/** The request's token and where it came from; undefined when it carries none. */
export function findToken(c: Context): { token: string; place: TokenPlace } | undefined {
  const bearer = bearerToken(c);
  if (bearer) return { token: bearer, place: 'header' };
  const q = c.req.query(TOKEN_QUERY);
  if (q) return { token: q, place: 'query' };
  const cookie = c.req.header('cookie') ? getCookie(c, TOKEN_COOKIE) : undefined;
  if (cookie) return { token: cookie, place: 'cookie' };
  return undefined;
}

/** The URL with any `access_token` value replaced by `REDACTED`: the only form in which a URL may be shown or logged. */
export function redactUrl(url: string): string {
  return url.replace(/([?&]access_token=)[^&#]*/gi, '$1REDACTED');
}
