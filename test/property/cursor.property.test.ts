/**
 * Cursors: every cursor the gateway formats parses back to itself, and no
 * other string is taken for one (each string parseCursor accepts is exactly
 * what formatCursor makes of what it parsed).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatCursor, newEpoch, parseCursor } from '../../src/core/cursor.ts';
import { params } from './seed.ts';

const epoch = fc.stringMatching(/^[a-z0-9]{1,32}$/);
const offset = fc.oneof(fc.nat(1000), fc.integer({ min: 0, max: 999_999_999_999_999 }));

describe('cursor (generated)', () => {
  it('round-trips every cursor', () => {
    fc.assert(
      fc.property(epoch, offset, (e, o) => {
        expect(parseCursor(formatCursor(e, o))).toEqual({ epoch: e, offset: o });
      }),
      params(500),
    );
    expect(parseCursor(formatCursor(newEpoch(), 0))).toBeDefined();
  });

  it('takes no other string for a cursor', () => {
    const near = fc
      .tuple(
        fc.constantFrom('', ' ', '0', '00', '-', '\t', '\n', 'A', '+'),
        epoch,
        fc.constantFrom('-', '--', '_'),
        fc.stringMatching(/^[0-9]{1,17}$/),
        fc.constantFrom('', ' ', '\n', 'x', '0'),
      )
      .map(([a, e, d, o, z]) => `${a}${e}${d}${o}${z}`);
    fc.assert(
      fc.property(fc.oneof(fc.string(), near), (s) => {
        const c = parseCursor(s);
        if (c) expect(formatCursor(c.epoch, c.offset)).toBe(s);
      }),
      params(2000),
    );
  });

  it('refuses the near misses found by the generator (leading zeros, surrounding space)', () => {
    expect(parseCursor('abc-007')).toBeUndefined();
    expect(parseCursor(' abc-7')).toBeUndefined();
    expect(parseCursor('abc-7\n')).toBeUndefined();
    expect(parseCursor('abc-0')).toEqual({ epoch: 'abc', offset: 0 });
  });
});
