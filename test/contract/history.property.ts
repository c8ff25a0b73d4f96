/**
 * Part of the backend contract, generated (fast-check): for any sequence of
 * appends that trim a small history, interleaved with reads after any
 * offset (held, trimmed, ahead) and reads of the newest matching events,
 * every read equals the reference model: the newest `historySize` events,
 * in offset order. Runs on every backend that backendContract is given.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NewEvent } from '../../src/core/event.ts';
import type { Backend } from '../../src/core/store.ts';
import { params } from '../property/seed.ts';
import type { ContractHarness } from './backend.contract.ts';

const H = 5;
type Step = { append: ('cache' | 'error')[] } | { after: number; limit: number } | { latest: number; type: 'cache' | 'error' };
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ append: fc.array(fc.constantFrom('cache', 'error' as const), { minLength: 1, maxLength: 7 }) }),
  fc.record({ after: fc.integer({ min: 0, max: 40 }), limit: fc.integer({ min: 0, max: 8 }) }),
  fc.record({ latest: fc.integer({ min: 0, max: 8 }), type: fc.constantFrom('cache', 'error' as const) }),
);

export function historyProperty(name: string, h: ContractHarness, opened: (b: Backend) => Promise<{ b: Backend }>): void {
  describe(`backend contract: ${name}: history against a model (generated)`, () => {
    it('serves exactly the newest historySize events, after any offset and newest-matching', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
          const { b } = await opened(await h.fresh(H));
          const model: { offset: number; type: string; n: number }[] = [];
          let n = 0;
          try {
            for (const s of steps) {
              if ('append' in s) {
                const events = s.append.map((type): NewEvent => ({ timestamp: ++n, type, severity: 'info', message: `m${n}`, metadata: { n } }));
                const envs = await b.append(events);
                envs.forEach((e, i) => model.push({ offset: e.offset, type: events[i]!.type, n: events[i]!.metadata.n as number }));
                expect(envs.map((e) => e.offset)).toEqual(envs.map((_, i) => model.length - envs.length + i + 1));
              } else if ('after' in s) {
                const held = model.slice(-H);
                const { events, window } = await b.readAfter(s.after, s.limit);
                expect(events.map((e) => e.offset)).toEqual(
                  held
                    .filter((e) => e.offset > s.after)
                    .slice(0, s.limit)
                    .map((e) => e.offset),
                );
                expect(window).toEqual({ epoch: b.epoch, oldest: held[0]?.offset ?? null, head: model.length });
              } else {
                const { events } = await b.readLatest(s.latest, (e) => e.event.type === s.type);
                const want = model
                  .slice(-H)
                  .filter((e) => e.type === s.type)
                  .slice(-s.latest || model.length + 1);
                expect(events.map((e) => e.event.metadata.n)).toEqual(s.latest === 0 ? [] : want.map((e) => e.n));
              }
            }
          } finally {
            await b.close();
          }
        }),
        params(name === 'memory' ? 100 : 15),
      );
    });
  });
}
