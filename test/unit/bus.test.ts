import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '../../src/backends/memory.ts';
import { Bus } from '../../src/core/bus.ts';
import { wsCodec } from '../../src/core/codec.ts';
import type { NewEvent } from '../../src/core/event.ts';
import type { WsBatch } from '../../src/core/ws-batch.ts';

const ev = (i: number, type = 'cache'): NewEvent => ({ timestamp: i, type, severity: 'info', message: `m${i}`, metadata: { i } });

/** A memory backend whose history reads take a while, like a remote store's. */
class SlowReads extends MemoryBackend {
  override async readAfter(after: number, limit: number) {
    const r = await super.readAfter(after, limit);
    await new Promise((res) => setTimeout(res, 30));
    return r;
  }
  override async readLatest(limit: number, match: Parameters<MemoryBackend['readLatest']>[1]) {
    const r = await super.readLatest(limit, match);
    await new Promise((res) => setTimeout(res, 30));
    return r;
  }
}

async function collect(stream: ReadableStream<WsBatch>, until: (msgs: any[]) => boolean): Promise<any[]> {
  const reader = stream.getReader();
  const out: any[] = [];
  while (!until(out)) {
    const { value, done } = await reader.read();
    if (done) break;
    out.push(...value.texts.map((m) => JSON.parse(m)));
  }
  reader.releaseLock();
  return out;
}

describe('bus', () => {
  it('replays and goes live without a duplicate or a gap while events are published during a slow replay', async () => {
    const backend = new SlowReads({ historySize: 1000 });
    const bus = new Bus(backend, { limits: { events: 10_000, bytes: 1 << 30 }, overflowGraceMs: 1000, replayDefault: 0, replayMax: 1000 });
    await bus.start();
    const first = await bus.publish(Array.from({ length: 10 }, (_, i) => ev(i)));
    const sub = bus.subscribe({ transport: 'ws', codec: wsCodec, filter: {}, policy: 'disconnect', cursor: first[4]!.event.id });
    // Published while the replay read is in flight: held, then delivered after the replayed ones.
    const during = await bus.publish(Array.from({ length: 10 }, (_, i) => ev(100 + i)));
    const msgs = await collect(sub.stream, (m) => m.some((x) => x.control === 'ready'));
    const ids = msgs.filter((m) => m.id).map((m) => m.id);
    expect(ids).toEqual([...first.slice(5), ...during].map((e) => e.event.id));
    expect(msgs.at(-1)).toMatchObject({ control: 'ready', head: during.at(-1)!.event.id });
    sub.close();
  });

  it('shares one filter group among subscribers with equal filters and counts deliveries once each', async () => {
    const bus = new Bus(new MemoryBackend(), { limits: { events: 100, bytes: 1 << 20 }, overflowGraceMs: 1000, replayDefault: 0, replayMax: 100 });
    await bus.start();
    const a = bus.subscribe({ transport: 'ws', codec: wsCodec, filter: { types: ['error'] }, policy: 'disconnect' });
    const b = bus.subscribe({ transport: 'ws', codec: wsCodec, filter: { types: ['error'] }, policy: 'disconnect' });
    expect(a.filterKey).toBe(b.filterKey);
    await new Promise((r) => setTimeout(r, 10));
    await bus.publish([ev(1, 'error'), ev(2, 'cache')]);
    const [ma, mb] = await Promise.all([collect(a.stream, (m) => m.some((x) => x.id)), collect(b.stream, (m) => m.some((x) => x.id))]);
    expect(ma.filter((x) => x.id)).toHaveLength(1);
    expect(mb.filter((x) => x.id)).toHaveLength(1);
    expect(bus.counters.delivered).toBe(2);
  });
});
