/**
 * Filters on both transports: by type, severity list, minimum severity and
 * metadata fields, applied live and to replay; unknown or bad parameters are
 * refused with 400 and a JSON body before any stream opens.
 */
import { describe, expect, it } from 'vitest';
import type { SseReader } from '../../helpers/sse.ts';
import type { WsClient } from '../../helpers/ws.ts';
import { publishOk, runMarker, sample, sse, sseReady, ws } from './client.ts';
import { itNeeds, type Limits, type Target } from './target.ts';

const RANK: Record<string, number> = { info: 0, warning: 1, error: 2 };

interface Case {
  name: string;
  query: string;
  match: (e: any) => boolean;
  /** An event that passes the filter, published last to know the stream has caught up. */
  fence: (run: string) => Record<string, unknown>;
}

const CASES: Case[] = [
  { name: 'types', query: 'types=error,cache', match: (e) => ['error', 'cache'].includes(e.type), fence: (run) => sample('cache', run, {}, 'info') },
  { name: 'severity list', query: 'severity=info,error', match: (e) => ['info', 'error'].includes(e.severity), fence: (run) => sample('error', run, {}, 'error') },
  { name: 'min_severity', query: 'min_severity=error', match: (e) => RANK[e.severity]! >= RANK.error!, fence: (run) => sample('error', run, {}, 'error') },
  { name: 'meta.<field>', query: 'meta.component=router', match: (e) => e.metadata.component === 'router', fence: (run) => sample('performance', run, {}, 'info') },
  {
    name: 'all together',
    query: 'types=error&types=performance&min_severity=warning&meta.component=router',
    match: (e) => ['error', 'performance'].includes(e.type) && RANK[e.severity]! >= RANK.warning! && e.metadata.component === 'router',
    fence: (run) => sample('error', run, {}, 'error'),
  },
];

/** A mixed set: every type at several severities, some with component=router and some not. */
function mixedSet(run: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const sev of ['info', 'warning', 'error']) {
    out.push(sample('cache', run, {}, sev), sample('query_route', run, {}, sev), sample('error', run, {}, sev), sample('error', run, { component: 'cache' }, sev));
    out.push(sample('performance', run, {}, sev), sample('performance', run, { component: 'gateway' }, sev));
  }
  return out;
}

export function filterChecks(t: () => Target, limits: Limits): void {
  describe('filters', () => {
    for (const c of CASES) {
      itNeeds(limits, 'ws', `${c.name}: SSE and WebSocket get exactly the matching events, live and in replay`, async () => {
        const run = runMarker();
        const q = `replay=0&meta.run=${run}&${c.query}`;
        const live = await sse(t(), q);
        const liveWs = await ws(t(), q);
        await sseReady(live);
        await liveWs.ready();
        const set = mixedSet(run);
        const ids = await publishOk(t(), set);
        const [fenceId] = await publishOk(t(), c.fence(run));
        const expected = ids.filter((_, i) => c.match(set[i])).concat(fenceId!);
        expect(expected.length).toBeGreaterThan(1);
        expect(expected.length).toBeLessThan(ids.length);
        const upToFence = (got: any[]) => got.some((e) => e.id === fenceId);
        await live.until((r) => upToFence(r.events), 10_000, 'fence');
        await liveWs.until((w) => upToFence(w.events), 10_000, 'fence');
        expect(live.events.map((e) => e.id)).toEqual(expected);
        expect(liveWs.events.map((e) => e.id)).toEqual(expected);
        // Replay goes through the same filter.
        const before = `${ids[0]!.split('-')[0]}-${Number(ids[0]!.split('-')[1]) - 1}`;
        const replay = await sse(t(), `meta.run=${run}&${c.query}&last_event_id=${before}`);
        const replayWs = await ws(t(), `meta.run=${run}&${c.query}&last_event_id=${before}`);
        await sseReady(replay);
        await replayWs.ready();
        expect(replay.events.map((e) => e.id)).toEqual(expected);
        expect(replayWs.events.map((e) => e.id)).toEqual(expected);
        expect(replay.named('ready')[0].replayed).toBe(expected.length);
        for (const x of [live, replay] as SseReader[]) x.close();
        for (const x of [liveWs, replayWs] as WsClient[]) x.close();
      });
    }

    it('refuses unknown parameters and bad values with 400 and a JSON body naming the field (SSE)', async () => {
      for (const [query, field] of [
        ['colour=red', 'colour'],
        ['types=nope', 'types'],
        ['severity=loud', 'severity'],
        ['min_severity=critical', 'min_severity'],
        ['meta.bad%20name=x', 'meta.bad name'],
        ['replay=many', 'replay'],
        ['on_overflow=explode', 'on_overflow'],
        ['last_event_id=not-a-cursor', 'last_event_id'],
        // Names every object inherits are unknown parameters like any other, never dropped.
        ['__proto__=x', '__proto__'],
        ['constructor=x', 'constructor'],
        ['toString=x', 'toString'],
      ]) {
        const res = await fetch(`${t().url}/api/events/stream?${query}`);
        expect(res.status, query).toBe(400);
        expect(res.headers.get('content-type'), query).toMatch(/application\/json/);
        expect(await res.json(), query).toMatchObject({ error: 'bad_subscription', field, message: expect.any(String) });
      }
    });

    itNeeds(limits, 'ws', 'refuses the WebSocket upgrade on an unknown parameter with 400', async () => {
      const refused = await ws(t(), 'colour=red').catch((e) => e);
      expect(refused.status).toBe(400);
    });

    itNeeds(limits, ['ws', 'ws_refusal_body'], 'a refused WebSocket upgrade carries the same JSON body as SSE', async () => {
      const refused = await ws(t(), 'types=nope').catch((e) => e);
      expect(refused.status).toBe(400);
      expect(JSON.parse(refused.body)).toMatchObject({ error: 'bad_subscription', field: 'types' });
    });
  });
}
