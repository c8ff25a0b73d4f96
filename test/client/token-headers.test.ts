/**
 * Where the client's token travels in Node, seen by a small HTTP server that
 * records every request (and refuses it with 401): as `Authorization:
 * Bearer` on the WebSocket upgrade (`ws`), on the SSE request of an
 * EventSource that takes a `fetch` option (the `eventsource` package) and on
 * the refusal probe, with no `access_token` in any of their URLs; as
 * `access_token` only for an EventSource that cannot send headers. A token
 * replaces an `authorization` header given in `headers`; other headers stay.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type ClientError, type ClientOptions, EventgateClient } from '../../src/client/eventgate-client.ts';
import { eventually } from '../browser/browser.ts';

interface Seen {
  path: string;
  accessToken: string | null;
  headers: IncomingHttpHeaders;
}

const seen: Seen[] = [];
let url = '';
const server = createServer((req, res) => {
  record(req.url!, req.headers);
  res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'unauthorized', field: 'token', message: 'signature verification failed' }));
});
server.on('upgrade', (req, socket) => {
  record(req.url!, req.headers);
  socket.end('HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n');
});
function record(u: string, headers: IncomingHttpHeaders): void {
  const parsed = new URL(u, 'http://x');
  seen.push({ path: parsed.pathname, accessToken: parsed.searchParams.get('access_token'), headers });
}

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

/** An EventSource that takes no `fetch` option (as undici's): it cannot send headers. */
class PlainEventSource {
  constructor(u: string) {
    // biome-ignore lint/correctness/noConstructorReturn: a stand-in class that hands out a real EventSource
    return new EventSource(u);
  }
}

/** Runs a client with a string token until the 401 closes it; returns what the server saw and the errors. */
async function refusedOnce(options: Omit<ClientOptions, 'filter'>): Promise<{ seen: Seen[]; errors: ClientError[] }> {
  seen.length = 0;
  const errors: ClientError[] = [];
  const client = new EventgateClient({ url, ...options });
  client.onError((e) => errors.push(e));
  await eventually(
    () => client.state,
    (s) => s === 'closed',
    'closed on the 401',
  );
  return { seen: [...seen], errors };
}

describe('the token in Node', () => {
  it('goes as Authorization: Bearer on the WebSocket upgrade (ws) and the probe, never in the URL', async () => {
    const r = await refusedOnce({ transport: 'ws', WebSocket, token: 'tok-ws-1' });
    expect(r.seen.map((s) => s.path)).toEqual(['/ws/events', '/api/events/stream']);
    for (const s of r.seen) {
      expect(s.headers.authorization).toBe('Bearer tok-ws-1');
      expect(s.accessToken).toBeNull();
    }
    expect(r.errors).toEqual([{ error: 'unauthorized', status: 401, field: 'token', message: 'signature verification failed' }]);
  });

  it('goes as Authorization: Bearer on the SSE request of the eventsource package and the probe, never in the URL', async () => {
    const r = await refusedOnce({ transport: 'sse', EventSource, token: 'tok-sse-2' });
    expect(r.seen.map((s) => s.path)).toEqual(['/api/events/stream', '/api/events/stream']);
    for (const s of r.seen) {
      expect(s.headers.authorization).toBe('Bearer tok-sse-2');
      expect(s.accessToken).toBeNull();
    }
  });

  it('goes as access_token with an EventSource that cannot send headers (the probe, a fetch, still uses the header)', async () => {
    const r = await refusedOnce({ transport: 'sse', EventSource: PlainEventSource as unknown as ClientOptions['EventSource'], token: 'tok-plain-3' });
    const [stream, probe] = r.seen;
    expect(stream).toMatchObject({ path: '/api/events/stream', accessToken: 'tok-plain-3' });
    expect(stream!.headers.authorization).toBeUndefined();
    expect(probe).toMatchObject({ path: '/api/events/stream', accessToken: null });
    expect(probe!.headers.authorization).toBe('Bearer tok-plain-3');
  });

  it('replaces an authorization header given in headers, and keeps the others; a function token is asked for it', async () => {
    for (const [transport, classes] of [
      ['ws', { WebSocket }],
      ['sse', { EventSource }],
    ] as const) {
      seen.length = 0;
      const client = new EventgateClient({
        url,
        transport,
        ...classes,
        headers: { Authorization: 'Bearer from-headers', 'x-trace': 't-1' },
        token: async () => `tok-fn-${transport}`,
        backoff: { initialMs: 5000, maxMs: 5000 },
      });
      const errors: ClientError[] = [];
      client.onError((e) => errors.push(e));
      await eventually(
        () => errors.length,
        (n) => n > 0,
        `${transport}: the 401 reported`,
      );
      // A function may give another token: the client waits for its backoff, and does not close.
      expect(client.state).toBe('reconnecting');
      client.close();
      expect(seen.length).toBe(2);
      for (const s of seen) {
        expect(s.headers.authorization).toBe(`Bearer tok-fn-${transport}`);
        expect(s.headers['x-trace']).toBe('t-1');
        expect(s.accessToken).toBeNull();
      }
    }
  });
});
