/**
 * Operating the gateway: SSE heartbeats, health, stats that match what
 * happened, origin refusal on both transports, subscribers forgotten when
 * their connection goes, and a drain on SIGTERM that exits 0.
 */
import { describe, expect, it } from 'vitest';
import { CONFORMANCE_ENV, HISTORY_SIZE } from './config.ts';
import { publish, publishOk, runMarker, sample, sse, sseReady, stats, ws } from './client.ts';
import { itNeeds, type Limits, type Target } from './target.ts';

const mine = (s: any, run: string) => s.subscribers.filter((x: any) => x.filter?.meta?.run === run);

export function operationChecks(t: () => Target, limits: Limits): void {
  describe('operating', () => {
    it('answers /health with 200 and the backend', async () => {
      const res = await fetch(`${t().url}/health`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: 'ok', backend: { ok: true } });
    });

    it('opens SSE at once with the right headers, then sends heartbeat comments every HEARTBEAT_MS', async () => {
      const r = await sse(t(), 'replay=0&types=model_state&meta.run=heartbeat');
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(r.headers.get('cache-control')).toMatch(/no-cache/);
      await sseReady(r);
      const opening = r.comments;
      await r.until((x) => x.comments >= opening + 3, 15_000, 'three heartbeats');
      expect(r.raw).toContain('\n:\n\n');
      expect(r.raw).toContain(`\nretry: ${CONFORMANCE_ENV.SSE_RETRY_MS}\n`);
      expect(r.closed).toBe(false);
      r.close();
    });

    itNeeds(limits, 'ws', 'reports stats that match what happened', async () => {
      const run = runMarker();
      const before = await stats(t());
      const s1 = await sse(t(), `replay=0&types=error&meta.run=${run}`);
      const w1 = await ws(t(), `replay=0&meta.run=${run}`);
      await sseReady(s1);
      await w1.ready();
      await publishOk(t(), [sample('error', run), sample('cache', run), sample('cgrag', run)]);
      await publish(t(), { bad: true });
      await w1.until((c) => c.events.length === 3);
      await s1.until((r) => r.events.length === 1);
      const s = await stats(t());
      expect(s).toMatchObject({
        running: true,
        draining: false,
        runtime: t().runtime,
        epoch: expect.any(String),
        history_capacity: HISTORY_SIZE,
        totals: {
          published: before.totals.published + 3,
          delivered: expect.any(Number),
          publish_rejected: before.totals.publish_rejected + 1,
        },
      });
      expect(s.history_size).toBeLessThanOrEqual(HISTORY_SIZE);
      expect(s.head).toMatch(new RegExp(`^${s.epoch}-\\d+$`));
      expect(s.totals.delivered).toBeGreaterThanOrEqual(before.totals.delivered + 4);
      const subs = mine(s, run);
      expect(subs).toHaveLength(2);
      expect(subs.find((x: any) => x.transport === 'sse')).toMatchObject({
        filter: { types: ['error'], meta: { run } },
        on_overflow: 'disconnect',
        queued_events: 0,
        queued_bytes: 0,
        delivered: 1,
        dropped: 0,
      });
      expect(subs.find((x: any) => x.transport === 'ws')).toMatchObject({ delivered: 3, dropped: 0 });
      const badLimit = await fetch(`${t().url}/api/events/stats?limit=lots`);
      expect(badLimit.status).toBe(400);
      s1.close();
      w1.close();
    });

    itNeeds(limits, 'ws', 'forgets a subscriber as soon as its client goes, on both transports', async () => {
      const run = runMarker();
      const s1 = await sse(t(), `replay=0&meta.run=${run}`);
      const w1 = await ws(t(), `replay=0&meta.run=${run}`);
      await sseReady(s1);
      await w1.ready();
      expect(mine(await stats(t()), run)).toHaveLength(2);
      s1.close();
      w1.ws.terminate(); // no close handshake: the socket just goes
      await expect.poll(async () => mine(await stats(t()), run).length, { timeout: 15_000 }).toBe(0);
    });

    it('refuses a browser origin that is not allowed on SSE with 403 JSON, and allows listed ones with CORS', async () => {
      const res = await fetch(`${t().url}/api/events/stream`, { headers: { origin: 'https://evil.example' } });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: 'origin_not_allowed', field: 'Origin' });
      for (const origin of ['https://dash.example.com']) {
        const r = await sse(t(), 'replay=0&meta.run=origin', { origin });
        expect(r.status).toBe(200);
        expect(r.headers.get('access-control-allow-origin')).toBe(origin);
        r.close();
      }
      const pre = await fetch(`${t().url}/api/events/stream`, {
        method: 'OPTIONS',
        headers: { origin: 'https://dash.example.com', 'access-control-request-headers': 'last-event-id' },
      });
      expect(pre.status).toBe(204);
      expect(pre.headers.get('access-control-allow-headers')).toMatch(/Last-Event-ID/);
    });

    itNeeds(limits, 'ws', 'refuses the WebSocket upgrade from a browser origin that is not allowed, and allows a listed one', async () => {
      const refused = await ws(t(), 'replay=0', { origin: 'https://evil.example' }).catch((e) => e);
      expect(refused.status).toBe(403);
      const ok = await ws(t(), 'replay=0&meta.run=origin', { origin: 'https://dash.example.com' });
      await ok.ready();
      ok.close();
    });
  });
}

/** Last of all: the process drains on SIGTERM (SSE `shutdown` event with a retry, WS 1001) and exits 0. */
export function shutdownChecks(t: () => Target, limits: Limits): void {
  describe('shutdown', () => {
    itNeeds(
      limits,
      ['sigterm_drain', 'ws'],
      'drains on SIGTERM: SSE clients get a shutdown event with a jittered retry, WS clients 1001, and the process exits 0',
      async () => {
        const r = await sse(t(), 'replay=0&meta.run=shutdown');
        const c = await ws(t(), 'replay=0&meta.run=shutdown');
        await sseReady(r);
        await c.ready();
        const exited = t().terminate!();
        await r.until((x) => x.closed, 15_000, 'end of stream');
        const shutdown = r.messages.find((m) => m.event === 'shutdown');
        expect(shutdown).toBeDefined();
        const retry = Number(CONFORMANCE_ENV.SSE_RETRY_MS);
        expect(shutdown!.retry).toBeGreaterThanOrEqual(retry);
        expect(shutdown!.retry).toBeLessThan(retry + Number(CONFORMANCE_ENV.SHUTDOWN_RETRY_JITTER_MS));
        expect(JSON.parse(shutdown!.data).retry_ms).toBe(shutdown!.retry);
        await c.until((x) => x.closeCode !== undefined, 15_000, 'close');
        expect(c.closeCode).toBe(1001);
        expect(await exited).toBe(0);
        expect(t().output?.() ?? '').toMatch(/SIGTERM: draining/);
      },
      30_000,
    );
  });
}
