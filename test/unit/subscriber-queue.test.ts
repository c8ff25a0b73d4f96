/**
 * The subscriber's queue: what a push costs past the mark under
 * on_overflow=drop (counted as queue work, not timed), and that what is
 * dropped, kept and handed over adds up, whatever the mark.
 */
import { describe, expect, it } from 'vitest';
import { wsCodec } from '../../src/core/codec.ts';
import { Envelope } from '../../src/core/event.ts';
import { Subscriber, type SubscriberCounters } from '../../src/core/subscriber.ts';
import type { WsBatch } from '../../src/core/ws-batch.ts';

const counters = (): SubscriberCounters & { d: number; o: number } => {
  const c = { d: 0, o: 0, delivered: () => {}, dropped: (n: number) => void (c.d += n), overflowed: () => void c.o++ };
  return c;
};
const env = (offset: number) => new Envelope({ id: `e-${offset}`, timestamp: offset, type: 'cache', severity: 'info', message: 'm', metadata: {} }, offset);

function subscriber(mark: number, policy: 'drop' | 'disconnect' = 'drop', c = counters()) {
  const sub = new Subscriber<WsBatch>({
    id: 1,
    transport: 'ws',
    filter: {},
    policy,
    limits: { events: mark, bytes: 2 ** 40 },
    codec: wsCodec,
    counters: c,
    onEnd: () => {},
    overflowGraceMs: 60_000,
    maxChunkItems: 1 << 30,
  });
  sub.goLive({ control: 'ready', filter: {}, replayed: 0, head: null });
  return sub;
}

async function readAll(sub: Subscriber<WsBatch>): Promise<any[]> {
  const r = sub.stream.getReader();
  const { value } = await r.read();
  r.releaseLock();
  return value!.texts.map((t) => JSON.parse(t));
}

describe('subscriber queue, on_overflow=drop', () => {
  it('does the same work per push past the mark at a mark of 1,000, 10,000 and 100,000', () => {
    const K = 5000;
    const perPush: number[] = [];
    for (const mark of [1_000, 10_000, 100_000]) {
      const c = counters();
      const sub = subscriber(mark, 'drop', c);
      let off = 0;
      for (let i = 0; i < mark; i++) sub.push(env(++off), 0);
      const before = sub.queue.work;
      for (let i = 0; i < K; i++) sub.push(env(++off), 0);
      perPush.push((sub.queue.work - before) / K);
      expect(c.d).toBe(K + 1); // the `ready` control counts against the mark too
      expect(sub.queue.messages).toBe(mark);
      sub.close();
    }
    // One slot written and one cleared per push, plus at most one growth of the ring.
    for (const w of perPush) expect(w).toBeLessThan(3);
    expect(Math.max(...perPush) - Math.min(...perPush)).toBeLessThan(1);
  });

  it('hands over one dropped marker with the range, the controls it kept, then the newest events, in order', async () => {
    const sub = subscriber(10);
    for (let i = 1; i <= 5; i++) sub.push(env(i), 0);
    sub.control({ control: 'error', error: 'bad_message', message: 'x' });
    for (let i = 6; i <= 30; i++) sub.push(env(i), 0);
    const got = await readAll(sub);
    // Ten messages at most: the two controls and the eight newest events.
    expect(got[0]).toMatchObject({ control: 'dropped', count: 22, from: 'e-1', to: 'e-22' });
    // Controls are kept, in order, before the events still held.
    expect(got.slice(1, 3).map((m) => m.control)).toEqual(['ready', 'error']);
    expect(got.slice(3).map((m) => m.id)).toEqual(Array.from({ length: 8 }, (_, i) => `e-${23 + i}`));
    expect(sub.dropped).toBe(22);
  });

  it('ends with overflow when controls alone exceed the mark (they are never dropped)', () => {
    const c = counters();
    let ended: string | undefined;
    const sub = new Subscriber<WsBatch>({
      id: 2,
      transport: 'ws',
      filter: {},
      policy: 'drop',
      limits: { events: 50, bytes: 2 ** 40 },
      codec: wsCodec,
      counters: c,
      onEnd: (_s, r) => void (ended = r),
      overflowGraceMs: 60_000,
    });
    sub.goLive({ control: 'ready', filter: {}, replayed: 0, head: null });
    for (let i = 0; i < 100 && !sub.ended; i++) sub.control({ control: 'pong' });
    expect(ended).toBe('overflow');
    expect(c.o).toBe(1);
  });
});
