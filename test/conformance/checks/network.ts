/**
 * A gateway listening on every address (HOST=0.0.0.0), with no token, no
 * ALLOWED_ORIGINS and a small MAX_CONNECTIONS: loopback origins of other
 * ports are no longer its own (a page served on the network's loopback is
 * not trusted), while its own origins still pass, on SSE, WebSocket and
 * publish alike; and the connection cap is reached and answered.
 */
import { describe, expect } from 'vitest';
import { publishFrom, request } from '../../helpers/peer-request.ts';
import { RawConnection } from '../../helpers/raw-http.ts';
import { WsClient } from '../../helpers/ws.ts';
import { runMarker, sample } from './client.ts';
import { itNeeds, type Capability, type Limits, type Target } from './target.ts';

/** Few enough to reach with raw connections, enough for a check's own clients. */
const MAX_CONNECTIONS = 8;

export const NETWORK_ENV: Record<string, string> = { HOST: '0.0.0.0', PUBLISH_TOKEN: '', ALLOWED_ORIGINS: '', MAX_CONNECTIONS: String(MAX_CONNECTIONS) };

/** What the checks here need: a runtime that declares it can do neither is not started for them. */
export const NETWORK_CAPABILITIES: Capability[] = ['knows_own_origin', 'max_connections'];

const wsStatus = (t: Target, headers: Record<string, string>) =>
  WsClient.open(`${t.url.replace(/^http/, 'ws')}/ws/events?replay=0`, headers).then(
    (c) => (c.close(), 101),
    (e: { status?: number }) => e.status,
  );

export function networkChecks(t: () => Target, limits: Limits): void {
  describe('on every address', () => {
    itNeeds(limits, ['knows_own_origin', 'ws'], 'refuses loopback origins of other ports on SSE, WebSocket and publish; its own origins pass', async () => {
      for (const origin of ['http://localhost:3000', 'http://127.0.0.1:5173']) {
        expect((await request(`${t().url}/api/events/stream?replay=0`, { headers: { origin } })).status, origin).toBe(403);
        expect(await wsStatus(t(), { origin }), origin).toBe(403);
        expect((await publishFrom(t().url, sample('cache', runMarker()), { headers: { origin } })).status, origin).toBe(403);
      }
      const port = new URL(t().url).port;
      for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`]) {
        expect((await request(`${t().url}/api/events/stream?replay=0`, { headers: { origin } })).status, origin).toBe(200);
        expect(await wsStatus(t(), { origin }), origin).toBe(101);
      }
    });

    itNeeds(limits, 'max_connections', 'answers a request on a connection past MAX_CONNECTIONS with 503 and JSON, closes it, and serves again once one closes', async () => {
      const health = `GET /health HTTP/1.1\r\nHost: ${new URL(t().url).host}\r\n\r\n`;
      // Open, idle connections (each has had its answer), until the gateway refuses one; clients of other checks may hold a few.
      const open: RawConnection[] = [];
      let refused: Awaited<ReturnType<typeof RawConnection.exchange>> | undefined;
      try {
        for (let i = 0; i <= MAX_CONNECTIONS && !refused; i++) {
          const r = await RawConnection.exchange(t().url, health);
          if (r.status === 200) open.push(r.conn);
          else refused = r;
        }
        expect(refused?.status, `${open.length} connections were served`).toBe(503);
        expect(JSON.parse(refused!.body)).toMatchObject({ error: 'too_many_connections' });
        await refused!.conn.closedByServer();
        open.shift()!.destroy();
        await expect
          .poll(
            async () => {
              const r = await RawConnection.exchange(t().url, health);
              r.conn.destroy();
              return r.status;
            },
            { timeout: 5000 },
          )
          .toBe(200);
      } finally {
        for (const c of open) c.destroy();
        refused?.conn.destroy();
      }
    });
  });
}
