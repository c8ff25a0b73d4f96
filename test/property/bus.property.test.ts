/**
 * Replay planning and the bus against a reference model, on the memory
 * backend: for any interleaving of publishes (batches that trim a small
 * history), subscribes (no cursor with replay N, a cursor still held, an
 * expired one, one from another epoch, one ahead), filter changes, readers
 * that stall (overflow on either policy) and turns of the event loop, each
 * subscriber's stream is the model's sequence of matching events, with
 * nothing twice, nothing out of order, and nothing missing that was not
 * signalled (`gap` at the start, `dropped` ranges, `overflow` at the end).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '../../src/backends/memory.ts';
import { Bus } from '../../src/core/bus.ts';
import type { Codec, QueueItem } from '../../src/core/codec.ts';
import type { Control } from '../../src/core/control.ts';
import { parseCursor } from '../../src/core/cursor.ts';
import type { Envelope, NewEvent } from '../../src/core/event.ts';
import { compileFilter, type Filter } from '../../src/core/filter.ts';
import type { Subscriber } from '../../src/core/subscriber.ts';
import { params } from './seed.ts';

const HISTORY = 8;
const QUEUE = 5;

/** Hands the queue items over as they are. */
const itemsCodec: Codec<QueueItem[]> = { encode: (items, from, to) => (to > from ? items.slice(from, to) : null) };

const FILTERS: Filter[] = [{}, { types: ['cache'] }, { types: ['error'] }, { min_severity: 'warning' }, { types: ['cache'], severity: ['info'] }];
const newEvent = fc.record({ type: fc.constantFrom('cache', 'error'), severity: fc.constantFrom('info', 'warning', 'error' as const) });

type Op =
  | { op: 'publish'; events: { type: string; severity: 'info' | 'warning' | 'error' }[] }
  | { op: 'subscribe'; from: 'none' | 'held' | 'expired' | 'epoch' | 'ahead'; pick: number; replay: number; filter: number; policy: 'disconnect' | 'drop'; reads: boolean }
  | { op: 'filter'; sub: number; filter: number }
  | { op: 'turn' };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('publish' as const), events: fc.array(newEvent, { minLength: 1, maxLength: 7 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('subscribe' as const),
      from: fc.constantFrom('none', 'held', 'expired', 'epoch', 'ahead' as const),
      pick: fc.nat(),
      replay: fc.nat(10),
      filter: fc.nat(FILTERS.length - 1),
      policy: fc.constantFrom('disconnect', 'drop' as const),
      reads: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('filter' as const), sub: fc.nat(), filter: fc.nat(FILTERS.length - 1) }) },
  { weight: 3, arbitrary: fc.constant({ op: 'turn' as const }) },
);

const turn = () => new Promise<void>((r) => setImmediate(r));

interface Sub {
  s: Subscriber<QueueItem[]>;
  got: QueueItem[];
  reads: boolean;
  /** Offset after which the model's sequence starts (undefined: from the first event received, no cursor). */
  after: number | undefined;
  replay: number;
  headAtSubscribe: number;
  /** The gap the model expects, decided at subscribe time. */
  gap: string | undefined;
  /** Filter in effect for each offset published after the subscribe, and for replay. */
  filterAt: Map<number, Filter>;
  initial: Filter;
  current: Filter;
  settled: boolean;
  pump?: Promise<void>;
}

async function pump(sub: Sub): Promise<void> {
  const reader = sub.s.stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    sub.got.push(...value);
  }
}

function check(sub: Sub, published: Envelope[]): void {
  const events = sub.got.filter((x): x is Envelope => typeof x === 'object' && 'offset' in x);
  const controls = sub.got.filter((x): x is Control => typeof x === 'object' && 'control' in x);
  const matches = (e: Envelope) => compileFilter(sub.filterAt.get(e.offset) ?? sub.initial)(e.event);
  // The model's sequence: every matching event after the start point.
  const dropped = controls
    .filter((c): c is Extract<Control, { control: 'dropped' }> => c.control === 'dropped')
    .map((d) => [parseCursor(d.from)!.offset, parseCursor(d.to)!.offset, d.count] as const);
  // Without a cursor the start is whatever came first: the first event received, or the first dropped.
  const start = sub.after ?? Math.min(events[0]?.offset ?? Infinity, ...dropped.map(([f]) => f)) - 1;
  const model = published.filter((e) => e.offset > start && matches(e));
  const gap = controls.find((c) => c.control === 'gap') as Extract<Control, { control: 'gap' }> | undefined;
  const wentLive = controls.some((c) => c.control === 'ready');
  // A subscriber ended before its replay finished may not have been told anything yet.
  if (sub.gap && (wentLive || gap)) expect(gap?.reason, 'the gap the model expects').toBe(sub.gap);
  else if (gap && !sub.gap) expect(gap.reason, 'a gap only when history was trimmed past the cursor meanwhile').toBe('expired');
  // Events before `resume_from` were told lost (none are, for a cursor ahead of the stream).
  const skipBefore = !gap || gap.reason === 'ahead' ? -1 : gap.resume_from ? parseCursor(gap.resume_from)!.offset : Infinity;
  const overflowed = controls.some((c) => c.control === 'overflow');
  let i = 0;
  const inDropped = new Map<number, number>();
  for (const e of model) {
    const got = events[i];
    if (got && got.offset === e.offset) {
      i++;
      continue;
    }
    if (gap && e.offset < skipBefore && i === 0) continue; // told by the gap
    const d = dropped.findIndex(([f, t]) => e.offset >= f && e.offset <= t);
    if (d >= 0) {
      inDropped.set(d, (inDropped.get(d) ?? 0) + 1);
      continue;
    }
    if ((overflowed || !wentLive) && i === events.length) break; // the rest went with the overflow, or the end came before the replay did
    throw new Error(`event ${e.offset} missing without a signal; got ${events.map((x) => x.offset).join(',')}; model ${model.map((x) => x.offset).join(',')}`);
  }
  expect(
    i,
    `received events beyond the model: ${events
      .slice(i)
      .map((x) => x.offset)
      .join(',')}`,
  ).toBe(events.length);
  dropped.forEach(([, , count], d) => expect(inDropped.get(d) ?? 0, 'dropped count').toBe(count));
  if (sub.after === undefined) {
    const ready = sub.got.findIndex((x) => typeof x === 'object' && 'control' in x && x.control === 'ready');
    // Replayed: events from before the subscribe (live ones held during the replay may precede `ready` too).
    const replayed = sub.got.slice(0, Math.max(0, ready)).filter((x) => typeof x === 'object' && 'offset' in x && x.offset <= sub.headAtSubscribe).length;
    expect(replayed).toBeLessThanOrEqual(sub.replay);
  }
}

async function run(ops: Op[]): Promise<void> {
  const backend = new MemoryBackend({ historySize: HISTORY });
  const bus = new Bus(backend, { limits: { events: QUEUE, bytes: 1 << 30 }, overflowGraceMs: 1000, replayDefault: 0, replayMax: HISTORY });
  await bus.start();
  const published: Envelope[] = [];
  const subs: Sub[] = [];
  let n = 0;
  for (const o of ops) {
    if (o.op === 'publish') {
      const envs = await bus.publish(o.events.map((e): NewEvent => ({ timestamp: ++n, type: e.type, severity: e.severity, message: `m${n}`, metadata: {} })));
      published.push(...envs);
      for (const sub of subs) for (const e of envs) sub.filterAt.set(e.offset, sub.current);
    } else if (o.op === 'subscribe') {
      const head = published.length;
      const oldest = Math.max(1, head - HISTORY + 1);
      let cursor: string | null = null;
      let after: number | undefined;
      let gap: string | undefined;
      if (o.from === 'held' && head > 0) after = oldest - 1 + (o.pick % (head - oldest + 2));
      else if (o.from === 'expired' && oldest > 2) (after = o.pick % (oldest - 2)), (gap = 'expired');
      else if (o.from === 'epoch' && head > 0) (cursor = `zz0ther-${1 + (o.pick % head)}`), (after = 0), (gap = 'unknown_epoch');
      else if (o.from === 'ahead') (after = head + 1000), (gap = 'ahead');
      if (after !== undefined && cursor === null) cursor = `${backend.epoch}-${after}`;
      // Ahead: the model's sequence starts at the head; for an unknown epoch, at what history holds.
      if (gap === 'ahead') after = head;
      if (gap === 'unknown_epoch' || gap === 'expired') after = oldest - 1;
      const f = FILTERS[o.filter]!;
      const s = bus.subscribe({ transport: 'ws', codec: itemsCodec, filter: f, policy: o.policy, cursor, replay: o.replay });
      const sub: Sub = { s, got: [], reads: o.reads, after, replay: o.replay, headAtSubscribe: head, gap, filterAt: new Map(), initial: f, current: f, settled: false };
      if (o.reads) sub.pump = pump(sub);
      subs.push(sub);
    } else if (o.op === 'filter') {
      const sub = subs.filter((x) => x.settled)[o.sub % Math.max(1, subs.length)];
      if (sub && !sub.s.ended) {
        sub.current = FILTERS[o.filter]!;
        bus.setFilter(sub.s, sub.current);
      }
    } else {
      await turn();
      for (const sub of subs) sub.settled = true;
    }
  }
  bus.endAll('shutdown', () => ({ control: 'shutdown', retry_ms: 0, message: 'end of test' }));
  for (const sub of subs) if (!sub.reads) sub.pump = pump(sub);
  await Promise.all(subs.map((s) => s.pump));
  for (const sub of subs) check(sub, published);
  await bus.close?.();
}

describe('bus and replay (generated, against a reference model)', () => {
  it('delivers the model sequence to every subscriber, any gap or drop signalled', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 40 }), (ops) => run(ops)),
      params(300),
    );
  });
});
