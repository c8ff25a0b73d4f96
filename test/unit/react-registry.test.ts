/**
 * eventgate/react's machinery without React or a browser: the connection
 * key, the shared connections (reference counts, the deferred close, moves
 * that change a filter in place or split a connection), and the feed's
 * snapshots (bounded, frozen, one per frame). Real EventgateClients over a
 * scripted EventSource; fake timers.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GatewayEvent } from '../../src/protocol.ts';
import { Lease } from '../../src/react/lease.ts';
import { type EventsOptions, specOf } from '../../src/react/options.ts';
import { CLOSE_DELAY_MS, openConnections } from '../../src/react/registry.ts';

/** An EventSource the test speaks for. */
class ScriptedSource {
  static all: ScriptedSource[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((m: { data: string }) => void) | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  readonly named = new Map<string, (m: { data: string }) => void>();
  constructor(readonly url: string) {
    ScriptedSource.all.push(this);
  }
  addEventListener(name: string, fn: (m: { data: string }) => void): void {
    this.named.set(name, fn);
  }
  close(): void {
    this.closed = true;
  }
  /** Opens, and says `ready`. */
  live(): void {
    this.onopen?.();
    this.named.get('ready')?.({ data: JSON.stringify({ filter: {}, replayed: 0, head: null }) });
  }
  send(e: GatewayEvent): void {
    this.onmessage?.({ data: JSON.stringify(e) });
  }
}
const open = () => ScriptedSource.all.filter((s) => !s.closed);

let n = 0;
const event = (type = 'cache'): GatewayEvent => ({ id: `e-${++n}`, timestamp: 1, type, severity: 'info', message: `m${n}`, metadata: { k: 'v' } });

const base: EventsOptions = { url: 'http://gw.test', EventSource: ScriptedSource as any };
const options = (o: EventsOptions = {}): EventsOptions => ({ ...base, ...o });
const held: (() => void)[] = [];
/** A lease as a hook holds it, opened (closed after the test, if the test did not). */
function lease(o: EventsOptions, limit = 500): { lease: Lease; close: () => void } {
  const l = new Lease(specOf(o), limit);
  const close = l.open();
  held.push(close);
  return { lease: l, close };
}
/** Lets microtasks (moves, promise callbacks) and a frame run. */
const tick = () => vi.advanceTimersByTimeAsync(20);

beforeEach(() => {
  vi.useFakeTimers();
  ScriptedSource.all = [];
});
afterEach(async () => {
  for (const close of held.splice(0)) close();
  await vi.advanceTimersByTimeAsync(CLOSE_DELAY_MS + 10);
  expect(openConnections()).toBe(0);
  vi.useRealTimers();
});

describe('the connection key', () => {
  it('is the same however a filter is spelled, and for a URL with or without its slash; the limit is no part of it', () => {
    const a = specOf(options({ filter: { types: ['error', 'cache', 'error'], meta: { b: '1', a: 2 } }, limit: 5 }));
    const b = specOf({ ...base, url: 'http://gw.test/', filter: { meta: { a: 2, b: '1' }, types: ['cache', 'error'] } });
    expect(b.key).toBe(a.key);
    expect(specOf(options({ filter: { types: ['error'] } })).key).not.toBe(a.key);
    expect(specOf(options({ filter: { types: ['error'] } })).route).toBe(a.route);
  });

  it('tells tokens apart: strings by value, functions by identity; and storages by identity', () => {
    const f = () => 't';
    const keys = [
      specOf(options({ token: 'one' })),
      specOf(options({ token: 'two' })),
      specOf(options({ token: f })),
      specOf(options({ token: () => 't' })),
      specOf(options({ storage: { getItem: () => null, setItem() {} } })),
      specOf(options({ transport: 'ws' })),
      specOf(options()),
    ].map((s) => s.route);
    expect(new Set(keys).size).toBe(keys.length);
    expect(specOf(options({ token: 'one' })).route).toBe(keys[0]);
    expect(specOf(options({ token: f })).route).toBe(keys[2]);
  });
});

describe('shared connections', () => {
  it('one connection for every lease with the same key; a close and a reopen within the delay keep it (StrictMode)', async () => {
    const a = lease(options({ filter: { types: ['cache'] } }));
    const b = lease(options({ filter: { types: ['cache', 'cache'] } }));
    expect(open()).toHaveLength(1);
    a.close();
    const again = a.lease.open(); // StrictMode's second mount
    b.close();
    await vi.advanceTimersByTimeAsync(CLOSE_DELAY_MS * 2);
    expect(open()).toHaveLength(1);
    expect(ScriptedSource.all).toHaveLength(1);
    again();
    await vi.advanceTimersByTimeAsync(CLOSE_DELAY_MS - 50);
    expect(open()).toHaveLength(1); // not yet: it might be wanted again
    await vi.advanceTimersByTimeAsync(100);
    expect(open()).toHaveLength(0);
  });

  it('when every owner moves to the same new filter, the connection takes it (no second connection); when one moves, it splits', async () => {
    const a = lease(options({ filter: { types: ['cache', 'error'] } }));
    const b = lease(options({ filter: { types: ['cache', 'error'] } }));
    open()[0]!.live();
    open()[0]!.send(event('cache'));
    open()[0]!.send(event('error'));
    await tick();
    expect(a.lease.getSnapshot().events.map((e) => e.type)).toEqual(['cache', 'error']);

    a.lease.update(specOf(options({ filter: { types: ['error'] } })), 500);
    b.lease.update(specOf(options({ filter: { types: ['error'] } })), 500);
    await tick();
    // SSE reconnects with the new filter from its cursor (a WebSocket would send a filter op); one client, one connection.
    expect(open()).toHaveLength(1);
    expect(open()[0]!.url).toContain('types=error');
    expect(open()[0]!.url).toContain('last_event_id=e-');
    open()[0]!.live();
    await tick();
    // Once the gateway has the filter, what it would not send is dropped; both leases still share one snapshot.
    expect(a.lease.getSnapshot().events.map((e) => e.type)).toEqual(['error']);
    expect(b.lease.getSnapshot()).toBe(a.lease.getSnapshot());

    b.lease.update(specOf(options({ filter: { types: ['cache'] } })), 500);
    await tick();
    expect(open()).toHaveLength(2);
    expect(b.lease.getSnapshot()).not.toBe(a.lease.getSnapshot());
    expect(b.lease.getSnapshot().events).toEqual([]);
    a.close();
    b.close();
  });

  it('a lease that closes before its move settles goes nowhere', async () => {
    const a = lease(options());
    a.lease.update(specOf(options({ filter: { types: ['error'] } })), 500);
    a.close();
    await tick();
    expect(ScriptedSource.all).toHaveLength(1);
  });

  it('options the client refuses make a closed snapshot with the reason, not a throw', () => {
    const a = lease({ url: 'not a url', EventSource: ScriptedSource as any });
    expect(a.lease.getSnapshot()).toMatchObject({ state: 'closed', error: { error: 'options', message: expect.stringContaining('URL') } });
    expect(ScriptedSource.all).toHaveLength(0);
    a.close();
  });
});

describe('the feed', () => {
  it('keeps the newest events in frozen arrays, one snapshot per frame, never changing one it handed out', async () => {
    const a = lease(options({ replay: 0 }), 3);
    const src = open()[0]!;
    src.live();
    let notified = 0;
    const off = a.lease.subscribe(() => notified++);
    await tick();
    notified = 0;
    const sent = Array.from({ length: 5 }, () => event());
    for (const e of sent) src.send(e);
    expect(notified).toBe(0); // nothing until the frame
    await tick();
    expect(notified).toBe(1);
    const first = a.lease.getSnapshot();
    expect(first.events.map((e) => e.id)).toEqual(sent.slice(-3).map((e) => e.id));
    expect(Object.isFrozen(first.events)).toBe(true);
    expect(first.cursor).toBe(first.events.at(-1)!.id);
    const ids = first.events.map((e) => e.id);
    for (let i = 0; i < 1000; i++) src.send(event());
    await tick();
    expect(notified).toBe(2);
    expect(first.events.map((e) => e.id)).toEqual(ids);
    expect(a.lease.getSnapshot().events).toHaveLength(3);
    expect(a.lease.getSnapshot().events.at(-1)!.id).toBe(`e-${n}`);
    off();
    a.close();
  });
});
