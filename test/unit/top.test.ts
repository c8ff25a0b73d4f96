/**
 * topN (the operations view's "ten most behind") against a reference model:
 * for generated scores, the same items as sorting everything and taking the
 * first n (ties broken the same way: the earlier item first).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { topN } from '../../src/core/metrics/top.ts';

const SEED = Number(process.env.FC_SEED ?? 1313);

describe('topN', () => {
  it('picks what a full sort would, in the same order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 300 }), fc.integer({ min: 0, max: 15 }), (scores, n) => {
        const items = scores.map((score, i) => ({ i, score }));
        const expected = [...items].sort((a, b) => b.score - a.score || a.i - b.i).slice(0, n);
        expect(topN(items, n, (x) => x.score)).toEqual(expected);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('leaves out what it is told to', () => {
    const items = [5, 0, 3, 0, 9].map((score, i) => ({ i, score }));
    expect(
      topN(
        items,
        10,
        (x) => x.score,
        (x) => x.score > 0,
      ).map((x) => x.i),
    ).toEqual([4, 0, 2]);
  });
});
