/**
 * An emit whose answer is lost (the store stored it, then reported itself
 * unavailable, as Redis does when the connection breaks mid-reply) is tried
 * again under the same idempotency key: stored once, the caller gets its id.
 */
import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '../../src/backends/memory.ts';
import { createEmitters } from '../../src/core/emitters.ts';
import { defaultRegistry } from '../../src/core/registry.ts';
import { BackendUnavailableError } from '../../src/core/store.ts';

describe('typed emitters: retries', () => {
  it('retry under one key after a lost answer, and store the event once', async () => {
    const store = new MemoryBackend({ historySize: 100 });
    await store.open(() => {});
    const keys: string[] = [];
    let lose = true;
    const emit = createEmitters(
      defaultRegistry(),
      async (e, key) => {
        keys.push(key);
        const r = await store.appendOnce([e], { key, fingerprint: key, ttlMs: 60_000 });
        if (lose) {
          lose = false;
          throw new BackendUnavailableError('the connection broke while the batch was in flight');
        }
        if (r.kind === 'conflict') throw new Error('conflict');
        return r.kind === 'repeat' ? r.ids[0]! : r.value[0]!.event.id;
      },
      (err) => {
        throw err;
      },
    );
    const id = await emit.cache({ operation: 'get', key: 'k', hit: true, latency_ms: 1, size_bytes: null });
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
    expect(id).toBe(`${store.epoch}-1`);
    expect(store.window().head).toBe(1);
  });
});
