/**
 * The stats list: topK picks what a full sort would put first, for many
 * generated inputs (fast-check, fixed seed); and statsSnapshot lists the
 * most-queued subscribers of 100,000, capped, with totals over everyone.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { statsSnapshot, STATS_LIST_MAX } from '../../src/core/routes/stats.ts';
import { topK } from '../../src/core/top-k.ts';

const SEED = Number(process.env.FC_SEED ?? 20261201);

describe('topK', () => {
  it('equals the first k of a full sort (ties broken by id)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 20 })), fc.nat({ max: 40 }), (bytes, k) => {
        const items = bytes.map((b, id) => ({ id, b }));
        const better = (x: { id: number; b: number }, y: { id: number; b: number }) => x.b > y.b || (x.b === y.b && x.id < y.id);
        const sorted = [...items].sort((x, y) => y.b - x.b || x.id - y.id).slice(0, k);
        expect(topK(items, k, better)).toEqual(sorted);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

describe('stats with 100,000 subscribers', () => {
  it('lists the capped, most-queued ones and totals everyone', () => {
    const subs = Array.from({ length: 100_000 }, (_, i) => ({
      id: i + 1,
      transport: i % 3 === 0 ? 'ws' : 'sse',
      filter: {},
      policy: 'disconnect',
      createdAt: 0,
      queue: { events: i % 1000 === 7 ? 3 : 0, eventBytes: i % 1000 === 7 ? 100 + i : 0, ageMs: () => 0 },
      delivered: 0,
      dropped: 0,
      lastDelivered: null,
    }));
    const bus = {
      backend: { window: () => ({ epoch: 'e', head: 0, oldest: null }), health: () => ({ ok: true }) },
      running: true,
      subscribers: () => subs.values(),
      subscriberCount: subs.length,
      counters: {},
    } as any;
    const deps = { bus, runtimeName: 'test', historyCapacity: 10, startedAt: 0, draining: () => false, emitFailures: () => 0 };
    const s = statsSnapshot(deps, 50);
    expect(s.subscribers_listed).toBe(50);
    // The 100 queued subscribers are ids 8, 1008, ... 99008, more bytes for higher ids: the 50 listed are the top half.
    expect(s.subscribers.map((x) => x.id)).toEqual(Array.from({ length: 50 }, (_, i) => 99_008 - i * 1000));
    // Past the queued ones come the idle ones, by id.
    expect(
      statsSnapshot(deps, 103)
        .subscribers.slice(100)
        .map((x) => x.id),
    ).toEqual([1, 2, 3]);
    expect(s.queue_size).toBe(300);
    expect(s.active_by_transport).toEqual({ sse: 66_666, ws: 33_334 });
    expect(statsSnapshot(deps, 10_000_000).subscribers_listed).toBe(STATS_LIST_MAX);
  });
});
