/**
 * useEvent: a handler called for each event of one type (or `*`, every
 * type) as it arrives, for toasts and other side effects, with `replayed`
 * telling events replayed from history (after a reconnect, or on the first
 * connection) from live ones. It shares the connection of any useEvents or
 * useEvent with the same options, and never re-renders its component.
 */
import { useEffect, useLayoutEffect, useRef } from 'react';
import type { AnyEvent, BuiltinEvents, EventInfo, GatewayEvent } from '../client/types.ts';
import type { EventsOptions } from './options.ts';
import { useLease } from './use-lease.ts';

/** The event a handler for `K` receives: that type's, or any event for `*`. */
export type EventOf<E, K> = K extends keyof E & string ? GatewayEvent<K, E[K]> : AnyEvent<E>;

/** useLayoutEffect in a browser, useEffect on a server (where neither runs, and React 18 warns of the first). */
const useBrowserLayoutEffect = typeof document === 'undefined' ? useEffect : useLayoutEffect;

/**
 * Calls `handler(event, { replayed })` for each event of `type` the
 * subscription for `options` receives. The latest handler is called (it may
 * be a new function each render); `type` and `options` may change.
 */
export function useEvent<K extends keyof BuiltinEvents | '*'>(
  type: K,
  handler: (event: EventOf<BuiltinEvents, K>, info: EventInfo) => void,
  options: EventsOptions<keyof BuiltinEvents> = {},
): void {
  useTypedEvent<BuiltinEvents, K>(type, handler, options);
}

export function useTypedEvent<E, K extends (keyof E & string) | '*'>(
  type: K,
  handler: (event: EventOf<E, K>, info: EventInfo) => void,
  options: EventsOptions<keyof E & string>,
): void {
  const latest = useRef(handler);
  useBrowserLayoutEffect(() => {
    latest.current = handler;
  });
  const lease = useLease(options as EventsOptions, 0);
  useEffect(() => lease.bind((client) => client.on(type as string, (e: any, info: EventInfo) => latest.current(e, info))), [lease, type]);
  useEffect(() => lease.open(), [lease]);
}
