/**
 * Requests refused on Node before the app sees them, and the rule that a
 * connection carries at most one live event stream:
 * - a connection past MAX_CONNECTIONS (http-limits.ts): 503, and it closes;
 * - two Host headers: 400 (RFC 9112 §3.2; Node keeps only the first);
 * - anything that arrives on a connection behind its open event stream:
 *   409, queued behind the stream, and never served (no subscriber, no
 *   publish whose answer could never be read). A connection that sends more
 *   than PIPELINED_BEHIND_STREAM_MAX such requests is closed.
 * An event-stream answer that would itself wait behind another response on
 * its connection (pipelined) is cancelled and refused the same way: its
 * events could only pile up in memory. A request answered before its body
 * was all read closes its connection lingering (lingering-close.ts), so
 * that the client can read the answer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { overConnectionCap } from './http-limits.ts';
import { lingerOnClose } from './lingering-close.ts';

type Fetch = (req: Request, env: any) => Response | Promise<Response>;

/** Requests a connection may pipeline behind its open stream before it is closed. */
export const PIPELINED_BEHIND_STREAM_MAX = 8;

const LIVE_STREAM = Symbol('eventgate.liveStream');
const REFUSED_BEHIND = Symbol('eventgate.refusedBehindStream');
type Marked = Socket & { [LIVE_STREAM]?: ServerResponse; [REFUSED_BEHIND]?: number };

/** Marks `socket` as carrying the live event stream `res` (no listener per stream: the response says when it is over). */
export function markLiveStream(socket: Socket, res: ServerResponse): void {
  (socket as Marked)[LIVE_STREAM] = res;
}

/** Whether `socket` carries an event stream still open (not ended, not destroyed). */
export function hasLiveStream(socket: Socket | null | undefined): boolean {
  const res = (socket as Marked | null | undefined)?.[LIVE_STREAM];
  if (res === undefined) return false;
  if (!res.writableEnded && !res.destroyed) return true;
  (socket as Marked)[LIVE_STREAM] = undefined; // over: let the response go
  return false;
}

function json(status: number, body: { error: string; field?: string; message: string }, close = false): Response {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (close) headers.Connection = 'close';
  return new Response(JSON.stringify(body), { status, headers });
}

/** A 409 for a request behind an open stream on its connection. */
export function behindStream(): Response {
  return json(409, { error: 'stream_open', message: 'this connection already carries an event stream; send other requests on another connection' }, true);
}

function hostCount(inc: IncomingMessage): number {
  let n = 0;
  const raw = inc.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.length === 4 && raw[i]!.toLowerCase() === 'host') n++;
  return n;
}

/** Wraps the app's `fetch` (env.incoming is Node's request) with the refusals above. */
export function withRequestGuards(fetch: Fetch): Fetch {
  return (req, env) => {
    const inc = (env as { incoming?: IncomingMessage } | undefined)?.incoming;
    if (!inc) return fetch(req, env);
    if (overConnectionCap(inc.socket)) {
      return json(503, { error: 'too_many_connections', message: 'this gateway serves at most MAX_CONNECTIONS connections; try again later' }, true);
    }
    if (hostCount(inc) > 1) return json(400, { error: 'bad_request', field: 'Host', message: 'a request carries exactly one Host header' }, true);
    const sock = inc.socket as Marked;
    if (hasLiveStream(sock)) {
      const n = (sock[REFUSED_BEHIND] = (sock[REFUSED_BEHIND] ?? 0) + 1);
      if (n > PIPELINED_BEHIND_STREAM_MAX) sock.destroy();
      return behindStream();
    }
    if (inc.method === 'GET' || inc.method === 'HEAD') return fetch(req, env);
    return Promise.resolve(fetch(req, env)).then((res) => {
      if (!inc.complete) lingerOnClose(sock);
      return res;
    });
  };
}
