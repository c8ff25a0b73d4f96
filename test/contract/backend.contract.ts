/**
 * The backend contract (src/core/store.ts), as one suite that every
 * backend runs: offsets, atomic batches, the sink getting every stored event
 * exactly once in order (from peers too, for shared stores), history windows
 * and trimming, and the epoch changing exactly when history is lost.
 * What a store can do decides which cases apply (peers, outages, flushes).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { BackendUnavailableError, type Backend, type StreamBreak } from '../../src/core/store.ts';
import type { Envelope, NewEvent } from '../../src/core/event.ts';
import { historyProperty } from './history.property.ts';
import { idempotencyContract } from './idempotency.contract.ts';

export interface ContractHarness {
  /** A backend (not yet open) on a new, empty store. */
  fresh(historySize: number): Promise<Backend>;
  /** The backend a restarted process gets for the same store. */
  restart(b: Backend): Promise<Backend>;
  /** History and epoch survive `restart`. */
  durable: boolean;
  /** Another backend sharing `b`'s store: another gateway instance. */
  peer?(b: Backend): Promise<Backend>;
  /** The store loses its history under running backends (a flush). */
  loseHistory?(b: Backend): Promise<void>;
  /** Cuts `b` off its store; the returned function restores it. */
  cut?(b: Backend): Promise<() => Promise<void>>;
  cleanup(): Promise<void>;
}

interface Opened {
  b: Backend;
  got: Envelope[];
  breaks: StreamBreak[];
}

let n = 0;
const ev = (type = 'cache', extra: Record<string, unknown> = {}): NewEvent => ({
  timestamp: 1_700_000_000 + ++n / 1000,
  type,
  severity: type === 'error' ? 'error' : 'info',
  message: `event ${n} "quoted" \u00e9\u2028`,
  metadata: { n, nested: { list: [1, 'two', null] }, ...extra },
});
const batch = (k: number, type?: string) => Array.from({ length: k }, () => ev(type));
const offsets = (envs: Envelope[]) => envs.map((e) => e.offset);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Waits (no fixed sleep) until `pred` holds; fails with `what` after a generous bound. */
async function until(pred: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function backendContract(name: string, h: ContractHarness): void {
  const open: Backend[] = [];
  async function opened(b: Backend): Promise<Opened> {
    const o: Opened = { b, got: [], breaks: [] };
    await b.open((envs) => o.got.push(...envs), { onBreak: (x) => o.breaks.push(x) });
    open.push(b);
    return o;
  }
  afterAll(async () => {
    for (const b of open) await b.close().catch(() => {});
    await h.cleanup();
  });

  describe(`backend contract: ${name}`, () => {
    it('gives each event the next offset, its cursor as id, and its JSON once', async () => {
      const { b } = await opened(await h.fresh(100));
      expect(b.window()).toEqual({ epoch: b.epoch, oldest: null, head: 0 });
      const given = batch(3);
      const envs = await b.append(given);
      expect(offsets(envs)).toEqual([1, 2, 3]);
      envs.forEach((e, i) => {
        expect(e.event).toEqual({ id: `${b.epoch}-${i + 1}`, ...given[i] });
        expect(JSON.parse(e.json)).toEqual(e.event);
      });
      expect(offsets(await b.append(batch(1)))).toEqual([4]);
      expect((await b.readAfter(0, 10)).window).toEqual({ epoch: b.epoch, oldest: 1, head: 4 });
      const read = (await b.readAfter(0, 10)).events;
      expect(read.map((e) => e.json)).toEqual([...envs.map((e) => e.json), read[3]!.json]);
    });

    it('keeps every batch whole and in one piece of the order, however appends race', async () => {
      const { b } = await opened(await h.fresh(1000));
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => b.append(batch(1 + (i % 5)))));
      for (const envs of results) expect(offsets(envs)).toEqual(range(envs[0]!.offset, envs[0]!.offset + envs.length - 1));
      const all = results.flatMap(offsets).sort((x, y) => x - y);
      expect(all).toEqual(range(1, all.length));
    });

    it('hands every stored event to the sink exactly once, in offset order', async () => {
      const a = await opened(await h.fresh(1000));
      const p = h.peer ? await opened(await h.peer(a.b)) : undefined;
      const writers = p ? [a.b, p.b] : [a.b];
      await Promise.all(Array.from({ length: 10 }, (_, i) => writers[i % writers.length]!.append(batch(1 + (i % 4)))));
      const total = (await a.b.readAfter(0, 1000)).events.length;
      for (const o of p ? [a, p] : [a]) {
        await until(() => o.got.length >= total, 'the sink to get every event');
        expect(offsets(o.got)).toEqual(range(1, total));
      }
      if (p) expect(p.got.map((e) => e.json)).toEqual(a.got.map((e) => e.json));
      // Nothing more arrives later (exactly once).
      await a.b.append(batch(1));
      await until(() => a.got.length === total + 1, 'one more event');
      expect(offsets(a.got)).toEqual(range(1, total + 1));
    });

    it('serves history after a cursor, bounded by a limit, and the newest matching events', async () => {
      const { b } = await opened(await h.fresh(1000));
      await b.append([...batch(3, 'cache'), ...batch(2, 'error'), ...batch(3, 'cache'), ...batch(1, 'error')]);
      expect(offsets((await b.readAfter(2, 3)).events)).toEqual([3, 4, 5]);
      expect(offsets((await b.readAfter(0, 1000)).events)).toEqual(range(1, 9));
      expect((await b.readAfter(9, 10)).events).toEqual([]);
      expect((await b.readAfter(50, 10)).events).toEqual([]);
      expect((await b.readAfter(3, 0)).events).toEqual([]);
      const errors = await b.readLatest(10, (e) => e.event.type === 'error');
      expect(offsets(errors.events)).toEqual([4, 5, 9]);
      expect(errors.window).toEqual({ epoch: b.epoch, oldest: 1, head: 9 });
      expect(offsets((await b.readLatest(2, (e) => e.event.type === 'error')).events)).toEqual([5, 9]);
      expect(offsets((await b.readLatest(4, () => true)).events)).toEqual([6, 7, 8, 9]);
      expect((await b.readLatest(0, () => true)).events).toEqual([]);
    });

    it('keeps only the newest historySize events', async () => {
      const { b } = await opened(await h.fresh(5));
      await b.append(batch(3));
      await b.append(batch(7)); // a batch larger than history is still stored whole (and trimmed)
      await b.append(batch(2));
      const { events, window } = await b.readAfter(0, 100);
      expect(offsets(events)).toEqual([8, 9, 10, 11, 12]);
      expect(window).toEqual({ epoch: b.epoch, oldest: 8, head: 12 });
      expect(b.window()).toEqual(window);
      expect(offsets((await b.readAfter(9, 100)).events)).toEqual([10, 11, 12]);
      expect(offsets((await b.readLatest(100, () => true)).events)).toEqual([8, 9, 10, 11, 12]);
    });

    it(h.durable ? 'keeps history, offsets and epoch across a restart' : 'starts a new epoch after a restart', async () => {
      const first = await opened(await h.fresh(100));
      const before = await first.b.append(batch(4));
      const epoch = first.b.epoch;
      await first.b.close();
      const { b } = await opened(await h.restart(first.b));
      if (h.durable) {
        expect(b.epoch).toBe(epoch);
        expect(b.window()).toEqual({ epoch, oldest: 1, head: 4 });
        expect((await b.readAfter(2, 10)).events.map((e) => e.json)).toEqual(before.slice(2).map((e) => e.json));
        expect(offsets(await b.append(batch(1)))).toEqual([5]);
      } else {
        expect(b.epoch).not.toBe(epoch);
        expect(b.window()).toEqual({ epoch: b.epoch, oldest: null, head: 0 });
      }
    });

    it.skipIf(!h.loseHistory)('changes the epoch when the store loses its history, and tells a running backend', async () => {
      const a = await opened(await h.fresh(100));
      await a.b.append(batch(3));
      await until(() => a.got.length === 3, 'the first events');
      const old = a.b.epoch;
      await h.loseHistory!(a.b);
      // Noticed with nothing published (a flush leaves no trace in the stream).
      await until(() => a.breaks.length > 0, 'the break');
      expect(a.breaks).toEqual([{ reason: 'unknown_epoch', after: `${old}-3`, resume_from: null, missed: null }]);
      expect(a.b.epoch).not.toBe(old);
      const envs = await a.b.append(batch(2));
      expect(envs.map((e) => e.event.id)).toEqual([`${a.b.epoch}-1`, `${a.b.epoch}-2`]);
      await until(() => a.got.length === 5, 'events of the new epoch');
      expect(offsets(a.got)).toEqual([1, 2, 3, 1, 2]);
      const again = await opened(await h.restart(a.b));
      expect(again.b.epoch).toBe(a.b.epoch);
    });

    it.skipIf(!h.cut)('refuses an append it cannot store, stores nothing of it, and resumes after', async () => {
      const a = await opened(await h.fresh(100));
      await a.b.append(batch(2));
      const restore = await h.cut!(a.b);
      await until(() => !a.b.health().ok, 'health to say so');
      await expect(a.b.append(batch(3))).rejects.toBeInstanceOf(BackendUnavailableError);
      await expect(a.b.readAfter(0, 10)).rejects.toBeInstanceOf(BackendUnavailableError);
      await restore();
      await until(() => a.b.health().ok, 'health to recover');
      expect(offsets(await a.b.append(batch(2)))).toEqual([3, 4]);
      await until(() => a.got.length === 4, 'the sink');
      expect(offsets(a.got)).toEqual([1, 2, 3, 4]);
      expect(offsets((await a.b.readAfter(0, 10)).events)).toEqual([1, 2, 3, 4]);
    });

    it.skipIf(!h.cut || !h.peer)('delivers what was stored while it was cut off, in order, once back', async () => {
      const a = await opened(await h.fresh(100));
      const p = await opened(await h.peer!(a.b));
      await p.b.append(batch(2));
      await until(() => a.got.length === 2, 'the first events');
      const restore = await h.cut!(a.b);
      await until(() => !a.b.health().ok, 'health to say so');
      for (let i = 0; i < 4; i++) await p.b.append(batch(2));
      await restore();
      await until(() => a.got.length === 10, 'what was missed');
      expect(offsets(a.got)).toEqual(range(1, 10));
      expect(a.breaks).toEqual([]);
    });

    it.skipIf(!h.cut || !h.peer)('tells a break when events were trimmed before it could deliver them', async () => {
      const a = await opened(await h.fresh(5));
      const p = await opened(await h.peer!(a.b));
      await p.b.append(batch(2));
      await until(() => a.got.length === 2, 'the first events');
      const restore = await h.cut!(a.b);
      await until(() => !a.b.health().ok, 'health to say so');
      await p.b.append(batch(10)); // offsets 3..12; history keeps 8..12
      await restore();
      await until(() => a.got.length === 7, 'the events still held');
      expect(offsets(a.got)).toEqual([1, 2, 8, 9, 10, 11, 12]);
      expect(a.breaks).toEqual([{ reason: 'expired', after: `${a.b.epoch}-2`, resume_from: `${a.b.epoch}-8`, missed: 5 }]);
    });
  });
  idempotencyContract(name, h, opened);
  historyProperty(name, h, opened);
}
