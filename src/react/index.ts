/**
 * eventgate/react: React hooks over the eventgate client. `useEvents` for a
 * feed (events, state, cursor, gaps, error), `useEvent` for a handler per
 * event of one type. Hooks with the same options share one connection,
 * StrictMode included; it closes after the last of them unmounts. For event
 * types of your own, `eventHooks<YourEvents>()` gives both hooks typed by
 * your event map. React (18 or later) is a peer dependency, loaded only by
 * this entry point.
 */
import type { BuiltinEvents, EventInfo } from '../client/types.ts';
import type { EventsOptions } from './options.ts';
import { type EventOf, useTypedEvent } from './use-event.ts';
import { type EventsView, useEvents } from './use-events.ts';

export type { AnyEvent, BuiltinEvents, ClientError, ConnectionState, EventInfo, Filter, GapNotice, GatewayEvent, Severity } from '../client/types.ts';
export { DEFAULT_LIMIT, type EventsOptions } from './options.ts';
export { CLOSE_DELAY_MS } from './registry.ts';
export { type EventOf, useEvent } from './use-event.ts';
export { type EventsView, useEvents } from './use-events.ts';

export interface EventHooks<E> {
  useEvents(options?: EventsOptions<keyof E & string>): EventsView<E>;
  useEvent<K extends (keyof E & string) | '*'>(type: K, handler: (event: EventOf<E, K>, info: EventInfo) => void, options?: EventsOptions<keyof E & string>): void;
}

/**
 * Both hooks, typed by an event map of your own (e.g. `BuiltinEvents & { deploy: DeployMetadata }`):
 * `export const { useEvents, useEvent } = eventHooks<MyEvents>();`
 */
export function eventHooks<E = BuiltinEvents>(): EventHooks<E> {
  return {
    useEvents: (options) => useEvents<E>(options as EventsOptions<NoInfer<keyof E & string>>),
    useEvent: (type, handler, options = {}) => useTypedEvent(type, handler, options),
  };
}
