/**
 * Quiet connections: with heartbeats far apart (the gateway runs with a long
 * HEARTBEAT_MS for this check), an SSE stream and a WebSocket that carry
 * nothing for longer than a server's usual idle timeout (Bun's is 10 s) stay
 * open and still deliver.
 */
import { describe, expect } from 'vitest';
import { publishOk, runMarker, sample, sse, sseReady, ws } from './client.ts';
import { itNeeds, type Limits, type Target } from './target.ts';

/** Longer than Bun's default idle timeout (10 s). */
export const QUIET_MS = 12_000;

export function quietChecks(t: () => Target, limits: Limits): void {
  describe('quiet connections', () => {
    itNeeds(
      limits,
      'ws',
      `an SSE stream and a WebSocket quiet for ${QUIET_MS / 1000} s stay open and still deliver`,
      async () => {
        const run = runMarker();
        const r = await sse(t(), `replay=0&meta.run=${run}`);
        const c = await ws(t(), `replay=0&meta.run=${run}`);
        await sseReady(r);
        await c.ready();
        await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
        expect(r.closed).toBe(false);
        expect(c.closeCode).toBeUndefined();
        const [id] = await publishOk(t(), sample('cache', run));
        await r.until((x) => x.events.length === 1);
        await c.until((x) => x.events.length === 1);
        expect(r.events[0].id).toBe(id);
        expect(c.events[0].id).toBe(id);
        r.close();
        c.close();
      },
      QUIET_MS + 20_000,
    );
  });
}
