/**
 * fast-check settings for the generated tests: a fixed seed in CI (CI=true),
 * a random one elsewhere. fast-check prints the seed and the shrunk
 * counterexample on failure; rerun with FC_SEED=<seed> to reproduce.
 */
import type fc from 'fast-check';

const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : process.env.CI === 'true' ? 20261201 : undefined;

export function params<T>(numRuns: number): fc.Parameters<T> {
  return { numRuns, ...(seed === undefined ? {} : { seed }) };
}
