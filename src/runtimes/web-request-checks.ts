/**
 * Checks Bun and Deno run on a request before the app, where their servers
 * do not: both build the request's URL from the Host header, so a Host that
 * is not a plain `host[:port]` (`x/api/events/stats?`) would choose the
 * route; Bun joins two Host headers into one with ", "; and a WebSocket
 * handshake needs `Connection: Upgrade` (Deno throws without it, Bun
 * upgrades anyway). Also a body time limit for servers that have none.
 * Node does all of this in src/runtimes/node/ (request-guards.ts,
 * http-limits.ts, ws-upgrade.ts).
 */

type Fetch<E> = (req: Request, env: E) => Response | Promise<Response>;

function json(status: number, body: { error: string; field?: string; message: string }, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
}

/** RFC 3986 authority as a Host header carries it: a reg-name or an IP literal, and an optional port. */
const AUTHORITY = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~-]+)(?::\d{1,5})?$/;

/** 400 for a Host header that is not one `host[:port]`; undefined when it is (or is absent). */
export function hostRefusal(req: Request): Response | undefined {
  const host = req.headers.get('host');
  if (host === null || AUTHORITY.test(host)) return undefined;
  const message = host.includes(',') ? 'a request carries exactly one Host header' : 'the Host header is not a host[:port]';
  return json(400, { error: 'bad_request', field: 'Host', message }, { Connection: 'close' });
}

function tokens(value: string | null): string[] {
  return (value ?? '').split(',').map((t) => t.trim().toLowerCase());
}

/**
 * Refuses what is not a WebSocket handshake eventgate takes: 426 without
 * `Connection: Upgrade`; with `refuseSubprotocols` (a runtime that cannot
 * leave a subprotocol unselected), 400 for an offered subprotocol, since a
 * client that asks for one fails the handshake anyway when none is chosen.
 */
export function handshakeRefusal(req: Request, o: { refuseSubprotocols?: boolean } = {}): Response | undefined {
  if (!tokens(req.headers.get('connection')).includes('upgrade')) {
    return json(
      426,
      { error: 'upgrade_required', field: 'Connection', message: 'a WebSocket handshake needs Connection: Upgrade with Upgrade: websocket' },
      { Upgrade: 'websocket', Connection: 'Upgrade' },
    );
  }
  if (o.refuseSubprotocols && req.headers.has('sec-websocket-protocol')) {
    return json(400, { error: 'bad_subprotocol', field: 'Sec-WebSocket-Protocol', message: 'eventgate speaks no WebSocket subprotocol; offer none' });
  }
  return undefined;
}

/**
 * BODY_TIMEOUT_MS where the server has no limit of its own: a request with
 * a body whose answer is not ready within `ms` of the request reaching the
 * app (its headers are in by then) gets 408 and `Connection: close`.
 */
export function withBodyTimeout<E>(fetch: Fetch<E>, ms: number): Fetch<E> {
  return (req, env) => {
    if (req.method === 'GET' || req.method === 'HEAD' || !req.body) return fetch(req, env);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<Response>((resolve) => {
      timer = setTimeout(
        () => resolve(json(408, { error: 'request_timeout', field: 'body', message: 'the request body did not arrive within BODY_TIMEOUT_MS' }, { Connection: 'close' })),
        ms,
      );
    });
    const answer = Promise.resolve(fetch(req, env));
    answer.catch(() => {}); // a late failure, after the 408 went out, is the app's own to log
    return Promise.race([answer, late]).finally(() => clearTimeout(timer));
  };
}
