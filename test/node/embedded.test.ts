/**
 * A gateway embedded in a server of the user's own: `createGateway().app.fetch`
 * served by @hono/node-server, with no eventgate runtime bound to it
 * (src/runtimes/slot.ts). Its runtime reports no peer address, so nobody is
 * loopback and nobody publishes without a token; and with no runtime there is
 * no live page (404) and no WebSocket (501). What a gateway served by
 * eventgate's own runtimes trusts is checked on every runtime by the
 * conformance suite (test/conformance/checks/trust.ts).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway } from '../../src/index.ts';
import type { Gateway } from '../../src/core/gateway.ts';
import { publishFrom, request } from '../helpers/peer-request.ts';
import { RawConnection } from '../helpers/raw-http.ts';
import { sampleEvent } from '../helpers/server.ts';

let gw: Gateway;
let server: Server;
let url: string;
beforeAll(async () => {
  gw = createGateway({ logger: () => {} });
  server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: gw.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await gw?.close();
});

describe('a gateway served through another server', () => {
  it('lets nobody publish without a token: the peer address is unknown, never loopback', async () => {
    const res = await publishFrom(url, sampleEvent('cache'));
    expect(res.status).toBe(403);
    expect(res.json()).toMatchObject({ error: 'forbidden', message: expect.stringContaining('loopback') });
  });

  it('serves the API and SSE, but no live page (404) and no WebSocket (501)', async () => {
    expect((await request(`${url}/health`)).status).toBe(200);
    const stream = await request(`${url}/api/events/stream?replay=0`);
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
    for (const path of ['/', '/assets/app.js', '/client/eventgate-client.js']) {
      const page = await request(`${url}${path}`);
      expect(page.status, path).toBe(404);
      expect(page.json(), path).toMatchObject({ error: 'not_found' });
    }
    const ws = await RawConnection.exchange(
      url,
      `GET /ws/events?replay=0 HTTP/1.1\r\nHost: ${new URL(url).host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    expect(ws.status).toBe(501);
    expect(JSON.parse(ws.body)).toMatchObject({ error: 'websocket_unavailable' });
    ws.conn.destroy();
  });
});
