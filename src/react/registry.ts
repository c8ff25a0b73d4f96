/**
 * The page's shared connections, by key. A hook acquires the connection for
 * its options (opening it if none is open) and releases it when it unmounts;
 * the connection closes CLOSE_DELAY_MS after its last owner has gone, unless
 * someone acquires it again first. So StrictMode's mount, unmount and mount
 * again, or a route change that remounts the same feed, keep one connection.
 *
 * A hook whose options change moves: its move is queued, and all the moves
 * queued in the same task are settled together on a microtask. When every
 * owner of a connection moves to the same new key, no connection has that
 * key yet and only the filter differs, the connection changes its filter in
 * place (on a WebSocket, without reconnecting). Otherwise each mover acquires
 * the connection for its new options and releases the old one.
 */
import { Connection } from './connection.ts';
import type { ConnectionSpec } from './options.ts';

/** How long a connection without owners stays open, in case it is wanted again. */
export const CLOSE_DELAY_MS = 1000;

const connections = new Map<string, Connection>();

export function acquire(spec: ConnectionSpec, owner: object, limit: number): Connection {
  let conn = connections.get(spec.key);
  if (conn && conn.owners === 0 && conn.dead) {
    forget(conn); // it gave up on its own while unused: a new user gets a new try
    conn = undefined;
  }
  if (!conn) {
    conn = new Connection(spec);
    connections.set(spec.key, conn);
  }
  clearTimeout(conn.closeTimer);
  conn.closeTimer = undefined;
  conn.join(owner, limit);
  return conn;
}

export function release(conn: Connection, owner: object): void {
  cancelMove(conn, owner);
  conn.leave(owner);
  if (conn.owners > 0 || conn.closeTimer !== undefined) return;
  conn.closeTimer = setTimeout(() => {
    conn.closeTimer = undefined;
    if (conn.owners === 0) forget(conn);
  }, CLOSE_DELAY_MS);
}

function forget(conn: Connection): void {
  clearTimeout(conn.closeTimer);
  if (connections.get(conn.key) === conn) connections.delete(conn.key);
  conn.close();
}

/** The number of connections open (or waiting to close); for tests and diagnostics. */
export function openConnections(): number {
  return connections.size;
}

// ---- moves ------------------------------------------------------------------

interface Move {
  spec: ConnectionSpec;
  limit: number;
  /** Told the connection the owner now holds. */
  done: (conn: Connection) => void;
}

const moves = new Map<Connection, Map<object, Move>>();
let settling = false;

/** Queues `owner`'s move from `conn` to the connection for `spec`; `done` is called with it once settled. */
export function move(conn: Connection, owner: object, spec: ConnectionSpec, limit: number, done: (conn: Connection) => void): void {
  let queued = moves.get(conn);
  if (!queued) moves.set(conn, (queued = new Map()));
  queued.set(owner, { spec, limit, done });
  if (!settling) {
    settling = true;
    queueMicrotask(settle);
  }
}

/** Drops `owner`'s queued move (its options came back, or it unmounted). */
export function cancelMove(conn: Connection, owner: object): void {
  const queued = moves.get(conn);
  if (queued?.delete(owner) && queued.size === 0) moves.delete(conn);
}

function settle(): void {
  settling = false;
  const all = [...moves];
  moves.clear();
  for (const [conn, queued] of all) {
    const movers = [...queued.entries()].filter(([owner]) => conn.has(owner));
    const first = movers[0]?.[1];
    if (!first) continue;
    const together = movers.length === conn.owners && movers.every(([, m]) => m.spec.key === first.spec.key);
    if (together && first.spec.route === conn.route && !connections.has(first.spec.key) && !conn.dead) {
      connections.delete(conn.key);
      conn.changeFilter(first.spec.key, first.spec.filter);
      connections.set(conn.key, conn);
      for (const [owner, m] of movers) {
        conn.join(owner, m.limit);
        m.done(conn);
      }
      continue;
    }
    for (const [owner, m] of movers) {
      const next = acquire(m.spec, owner, m.limit);
      release(conn, owner);
      m.done(next);
    }
  }
}
