/**
 * The idempotency part of the backend contract (`appendOnce`, src/core/store.ts):
 * run by backendContract for every backend. A repeat of a key answers the
 * first ids and stores nothing; another body is a conflict; racing repeats
 * store once; a key lasts its window; peers and (durable) restarts see it;
 * a rejected append records nothing.
 */
import { describe, expect, it } from 'vitest';
import type { Envelope, NewEvent } from '../../src/core/event.ts';
import type { IdempotencyClaim } from '../../src/core/idempotency.ts';
import { BackendUnavailableError, type Backend } from '../../src/core/store.ts';
import type { ContractHarness } from './backend.contract.ts';

type Open = (b: Backend) => Promise<{ b: Backend; got: Envelope[] }>;

let n = 0;
const batch = (k: number): NewEvent[] =>
  Array.from({ length: k }, () => ({ timestamp: 1_700_000_000 + ++n / 1000, type: 'cache', severity: 'info', message: `once ${n}`, metadata: { n } }));
let keys = 0;
const claim = (fingerprint = 'f1', ttlMs = 60_000, key = `key-${process.pid}-${++keys}`): IdempotencyClaim => ({ key, fingerprint, ttlMs });
const ids = (envs: Envelope[]) => envs.map((e) => e.event.id);

async function until(pred: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function stored(r: Promise<import('../../src/core/idempotency.ts').OnceResult<Envelope[]>>): Promise<Envelope[]> {
  const x = await r;
  if (x.kind !== 'stored') throw new Error(`expected the batch to be stored, got ${x.kind}`);
  return x.value;
}

export function idempotencyContract(name: string, h: ContractHarness, opened: Open): void {
  describe(`backend contract: ${name}: idempotent appends`, () => {
    it('answers a repeat of a key with the first ids and stores nothing', async () => {
      const a = await opened(await h.fresh(100));
      const c = claim();
      const first = await stored(a.b.appendOnce(batch(3), c));
      expect(await a.b.appendOnce(batch(3), c)).toEqual({ kind: 'repeat', ids: ids(first) });
      // The fence: the next append takes the next offset, and the sink got nothing in between.
      const next = await a.b.append(batch(1));
      expect(next[0]!.offset).toBe(first[2]!.offset + 1);
      await until(() => a.got.length === 4, 'the sink');
      expect(ids(a.got)).toEqual([...ids(first), ...ids(next)]);
    });

    it('refuses the same key with another body, storing nothing', async () => {
      const a = await opened(await h.fresh(100));
      const c = claim('body-a');
      await stored(a.b.appendOnce(batch(2), c));
      expect(await a.b.appendOnce(batch(2), { ...c, fingerprint: 'body-b' })).toEqual({ kind: 'conflict' });
      expect(a.b.window().head).toBe(2);
      expect((await a.b.readAfter(0, 10)).events).toHaveLength(2);
    });

    it('stores a key once however many repeats race, and other keys apart', async () => {
      const a = await opened(await h.fresh(1000));
      const c = claim();
      const results = await Promise.all(Array.from({ length: 8 }, () => a.b.appendOnce(batch(2), c)));
      const winners = results.filter((r) => r.kind === 'stored');
      expect(winners).toHaveLength(1);
      const want = ids((winners[0] as { value: Envelope[] }).value);
      for (const r of results) if (r.kind !== 'stored') expect(r).toEqual({ kind: 'repeat', ids: want });
      const other = await stored(a.b.appendOnce(batch(1), claim()));
      expect(other[0]!.offset).toBe(3);
    });

    it('forgets a key when its window ends', async () => {
      const a = await opened(await h.fresh(100));
      const c = claim('f', 30);
      await stored(a.b.appendOnce(batch(1), c));
      // Polled, not slept: repeats are answered until the window ends, then the batch is stored again.
      let again: Envelope[] | undefined;
      await until(async () => {
        const r = await a.b.appendOnce(batch(1), c);
        if (r.kind === 'stored') again = r.value;
        else expect(r.kind).toBe('repeat');
        return r.kind === 'stored';
      }, 'the key to expire');
      expect(again![0]!.offset).toBe(2);
    });

    it.skipIf(!h.peer)('recognises a repeat that lands on a peer', async () => {
      const a = await opened(await h.fresh(100));
      const p = await opened(await h.peer!(a.b));
      const c = claim();
      const first = await stored(a.b.appendOnce(batch(2), c));
      expect(await p.b.appendOnce(batch(2), c)).toEqual({ kind: 'repeat', ids: ids(first) });
      expect(await p.b.appendOnce(batch(2), { ...c, fingerprint: 'other' })).toEqual({ kind: 'conflict' });
    });

    it.skipIf(!h.durable)('keeps keys across a restart', async () => {
      const a = await opened(await h.fresh(100));
      const c = claim();
      const first = await stored(a.b.appendOnce(batch(2), c));
      await a.b.close();
      const again = await opened(await h.restart(a.b));
      expect(await again.b.appendOnce(batch(2), c)).toEqual({ kind: 'repeat', ids: ids(first) });
    });

    it.skipIf(!h.cut)('records no key for an append it refused, so the retry stores', async () => {
      const a = await opened(await h.fresh(100));
      const c = claim();
      const restore = await h.cut!(a.b);
      await until(() => !a.b.health().ok, 'health to say so');
      await expect(a.b.appendOnce(batch(2), c)).rejects.toBeInstanceOf(BackendUnavailableError);
      await restore();
      await until(() => a.b.health().ok, 'health to recover');
      expect((await stored(a.b.appendOnce(batch(2), c))).map((e) => e.offset)).toEqual([1, 2]);
    });
  });
}
