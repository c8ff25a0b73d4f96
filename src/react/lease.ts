/**
 * One hook's hold on a shared connection, and the external store React
 * reads through useSyncExternalStore. Creating a lease does nothing (it may
 * be created in a render React throws away); the connection is acquired when
 * the lease is opened (in an effect, or by React subscribing) and released
 * when it is closed as often as it was opened. New options move it to another
 * connection, or change its connection's filter in place (registry.ts).
 * Handlers bound with `bind` follow it from connection to connection.
 */
import type { EventgateClient } from '../client/eventgate-client.ts';
import type { Off } from '../client/types.ts';
import type { Connection } from './connection.ts';
import { emptySnapshot, type FeedSnapshot } from './feed.ts';
import type { ConnectionSpec } from './options.ts';
import { acquire, cancelMove, move, release } from './registry.ts';

/** Before the first connection: about to connect. */
const CONNECTING = emptySnapshot('connecting');
/** On a server, where effects never run: nothing will connect. */
export const SERVER_SNAPSHOT = emptySnapshot('idle');

type Binding = (client: EventgateClient<any>) => Off;

export class Lease {
  #spec: ConnectionSpec;
  #limit: number;
  #conn: Connection | null = null;
  #opens = 0;
  readonly #listeners = new Set<() => void>();
  #offFeed: Off | null = null;
  readonly #bindings = new Map<Binding, Off | null>();

  constructor(spec: ConnectionSpec, limit: number) {
    this.#spec = spec;
    this.#limit = limit;
  }

  /** The snapshot of the connection held (stable until it changes). */
  readonly getSnapshot = (): FeedSnapshot => this.#conn?.feed.snapshot ?? CONNECTING;

  /** For useSyncExternalStore: opens the lease for as long as React listens. */
  readonly subscribe = (listener: () => void): Off => {
    this.#listeners.add(listener);
    const close = this.open();
    return () => {
      this.#listeners.delete(listener);
      close();
    };
  };

  /** Acquires the connection (on the first open); the function returned releases it (on the last close). */
  open(): Off {
    if (this.#opens++ === 0) this.#hold(acquire(this.#spec, this, this.#limit));
    let closed = false;
    return () => {
      if (closed) return;
      closed = true;
      if (--this.#opens > 0 || !this.#conn) return;
      const conn = this.#conn;
      this.#let(conn);
      release(conn, this);
    };
  }

  /** New options (or limit): moves to the connection for them, or changes this one's filter. */
  update(spec: ConnectionSpec, limit: number): void {
    const limitChanged = limit !== this.#limit;
    this.#spec = spec;
    this.#limit = limit;
    const conn = this.#conn;
    if (!conn) return;
    if (spec.key === conn.key) {
      cancelMove(conn, this);
      if (limitChanged) conn.join(this, limit);
      return;
    }
    move(conn, this, spec, limit, (next) => {
      if (this.#conn !== conn) return; // closed meanwhile
      if (next !== conn) {
        this.#let(conn);
        this.#hold(next);
      }
      this.#notify();
    });
  }

  /** Calls `bind` with the client of every connection the lease holds; the function returned unbinds. */
  bind(binding: Binding): Off {
    const client = this.#conn?.client;
    this.#bindings.set(binding, client ? binding(client) : null);
    return () => {
      this.#bindings.get(binding)?.();
      this.#bindings.delete(binding);
    };
  }

  #hold(conn: Connection): void {
    this.#conn = conn;
    this.#offFeed = conn.feed.subscribe(() => this.#notify());
    const client = conn.client;
    if (client) for (const b of this.#bindings.keys()) this.#bindings.set(b, b(client));
    this.#notify();
  }

  #let(conn: Connection): void {
    this.#offFeed?.();
    this.#offFeed = null;
    for (const [b, off] of this.#bindings) {
      off?.();
      this.#bindings.set(b, null);
    }
    if (this.#conn === conn) this.#conn = null;
  }

  #notify(): void {
    for (const fn of this.#listeners) fn();
  }
}
