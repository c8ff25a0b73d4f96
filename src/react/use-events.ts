/**
 * useEvents: the newest events of a subscription, with its state, its last
 * cursor, its gap notices and its last error, for rendering a feed.
 */
import { useMemo, useSyncExternalStore } from 'react';
import type { AnyEvent, BuiltinEvents, ClientError, ConnectionState, GapNotice } from '../client/types.ts';
import { SERVER_SNAPSHOT } from './lease.ts';
import { DEFAULT_LIMIT, type EventsOptions } from './options.ts';
import { useLease } from './use-lease.ts';

export interface EventsView<E = BuiltinEvents> {
  /** The newest `limit` events received, oldest first. A new array whenever it changes; never changed in place. */
  events: readonly AnyEvent<E>[];
  /** The connection's state (`connecting`, `replaying`, `live`, `reconnecting`, `closed`; `idle` on a server). */
  state: ConnectionState;
  /** The cursor of the last event received (what a reconnect resumes after), or null. */
  cursor: string | null;
  /** The gap notices received (at most the newest 100), oldest first: events that could not be replayed. */
  gaps: readonly GapNotice[];
  /** The last problem the client reported (a refusal, an unexpected close, a dead socket), or null. It stays after recovery: `state` says whether the stream is live again. */
  error: ClientError | null;
}

/**
 * Subscribes to the gateway and renders what arrives. Components (and
 * StrictMode's double mount) asking for the same options share one
 * connection; it closes a second after the last of them unmounts. A changed
 * `filter` is applied in place when no other hook shares the connection.
 * Re-renders at most once per animation frame, however fast events come.
 */
export function useEvents<E = BuiltinEvents>(options: EventsOptions<NoInfer<keyof E & string>> = {}): EventsView<E> {
  const limit = Math.max(0, Math.floor(options.limit ?? DEFAULT_LIMIT));
  const lease = useLease(options, limit);
  const snap = useSyncExternalStore(lease.subscribe, lease.getSnapshot, () => SERVER_SNAPSHOT);
  return useMemo(() => {
    const events = snap.events.length > limit ? Object.freeze(snap.events.slice(snap.events.length - limit)) : snap.events;
    return { ...snap, events: events as readonly AnyEvent<E>[] };
  }, [snap, limit]);
}
