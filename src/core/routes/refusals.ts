/**
 * Refusals, counted and logged: after a route answers, a 4xx or 5xx answer
 * to a publish is handed to `publishRejected` with its JSON `error` code,
 * and a 401 or 403 anywhere else (a subscription, an operator endpoint) to
 * `accessRefused`. Each carries the client's address as the gateway judges
 * it (peer.ts: behind a proxy in TRUST_PROXY, the forwarded client, with
 * the proxy beside it) and, for an auth refusal, why in a few words from a
 * fixed set ("no token", "expired", "bad signature", ...), never a
 * credential. Only refusals pay for reading the body.
 *
 * A client that goes away in the middle of its request (the body cut off)
 * is its own problem, not the gateway's: `clientGone` tells such an error
 * apart, the app answers it with CLIENT_CLOSED (499, as nginx logs it; the
 * client never reads it), and that is neither a refusal nor a server error.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { judgeClient, type PeerTrust } from '../peer.ts';

/** A refused request, as the log and the metrics see it. */
export interface Refusal {
  /** The answer's JSON `error` code ('other' when it has none). */
  code: string;
  status: number;
  /** The client's address as judged (the forwarded one behind a trusted proxy); undefined when unknown. */
  client: string | undefined;
  /** The trusted proxy that forwarded the request, when one did. */
  proxy?: string;
  /** Why an auth refusal (401, or 403 `forbidden`) was made, from AUTH_WHY; never the token. */
  why?: string;
}

export interface RefusalDeps {
  publishRejected(r: Refusal): void;
  accessRefused(path: string, r: Refusal): void;
  /** How the client is judged (peer address and TRUST_PROXY). */
  peers: PeerTrust;
}

/** The status the app answers a request whose client went away with (never sent: nobody reads it). */
export const CLIENT_CLOSED = 499;

/** True for the error a request's body read ends with when its client closed the connection first. */
export function clientGone(err: unknown): boolean {
  const e = err as { name?: unknown; code?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  // Node: the IncomingMessage's 'aborted' (ECONNRESET); web streams: an AbortError.
  return (e.code === 'ECONNRESET' && e.message === 'aborted') || e.name === 'AbortError' || e.code === 'ECONNABORTED';
}

/**
 * Why a 401 or 403 was answered, read from the message the auth code gave
 * the client (src/core/auth: keys.ts words token failures, the guards the
 * rest). A fixed set, so the log keys stay bounded; anything else is
 * `other`. `publishing needs` is said to a request with no bearer token and
 * to one with the wrong PUBLISH_TOKEN alike: the request tells them apart.
 */
const AUTH_WHY: readonly (readonly [RegExp, string])[] = [
  [/^no token\b/, 'no token'],
  [/^token expired\b/, 'expired'],
  [/^bad signature\b/, 'bad signature'],
  [/^malformed token\b/, 'malformed token'],
  [/^token not yet valid\b/, 'not yet valid'],
  [/^wrong issuer\b/, 'wrong issuer'],
  [/^wrong audience\b/, 'wrong audience'],
  [/^algorithm not allowed\b/, 'algorithm not allowed'],
  [/^(unknown|ambiguous) signing key\b/, 'unknown signing key'],
  [/^signing keys unavailable\b/, 'signing keys unavailable'],
  [/^claim \S+ is invalid\b/, 'invalid claim'],
  [/^unsupported token\b/, 'unsupported token'],
  [/^token could not be verified\b/, 'unverifiable token'],
  [/^this gateway has no signing key\b/, 'no signing key'],
  [/^(the )?eventgate[ .]/, 'invalid grant'],
  [/^the token is not ADMIN_TOKEN\b/, 'wrong token'],
  [/\bno publish grant\b/, 'no publish grant'],
  [/\bno admin grant\b/, 'no admin grant'],
  [/\b(outside your (publish )?grant|your grant)\b/, 'outside grant'],
  [/\bloopback clients\b/, 'not loopback'],
];

function authWhy(c: Context, message: string | undefined): string {
  if (message === undefined) return 'other';
  if (message.startsWith('publishing needs ')) return /^Bearer[ \t]+\S/i.test(c.req.header('authorization') ?? '') ? 'wrong token' : 'no token';
  for (const [pattern, why] of AUTH_WHY) if (pattern.test(message)) return why;
  return 'other';
}

async function errorBody(res: Response): Promise<{ code: string; message: string | undefined }> {
  try {
    const body = (await res.clone().json()) as { error?: unknown; message?: unknown };
    if (typeof body.error === 'string') return { code: body.error, message: typeof body.message === 'string' ? body.message : undefined };
  } catch {
    /* not JSON */
  }
  return { code: 'other', message: undefined };
}

async function refusal(c: Context, peers: PeerTrust): Promise<Refusal> {
  const status = c.res.status;
  const { code, message } = await errorBody(c.res);
  const peer = peers.remoteAddress(c);
  const judged = judgeClient(c.req.raw.headers, peer, peers.trustProxy);
  const r: Refusal = { code, status, client: judged.address };
  if (judged.proxied && peer !== undefined) r.proxy = peer;
  if (status === 401 || (status === 403 && code === 'forbidden')) r.why = authWhy(c, message);
  return r;
}

export function refusals(deps: RefusalDeps): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const status = c.res.status;
    if (status < 400 || status === CLIENT_CLOSED) return;
    const publishing = c.req.method === 'POST' && c.req.path === '/api/events';
    if (publishing) deps.publishRejected(await refusal(c, deps.peers));
    else if (status === 401 || status === 403) deps.accessRefused(c.req.path, await refusal(c, deps.peers));
  };
}
