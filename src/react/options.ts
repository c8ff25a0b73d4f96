/**
 * The hooks' options (the client's, less `connect`, plus `limit`) and the
 * key that decides which hooks share a connection: the gateway URL, the
 * transport, the filter (in a canonical order), the token and the storage
 * (by identity) and the remaining connection settings. Hooks whose options
 * have the same key share one EventgateClient.
 */
import { canonicalFilter } from '../client/query.ts';
import type { ClientOptions, CursorStorage, Filter, TokenOption } from '../client/types.ts';

export interface EventsOptions<T extends string = string> extends Omit<ClientOptions<T>, 'connect'> {
  /** The gateway's base URL. Default: this page's origin. */
  url?: string | URL;
  /** `sse` or `ws`. Default `sse`. */
  transport?: 'sse' | 'ws';
  /**
   * Which events the gateway sends. Default: every event. A changed filter is applied to the same
   * connection (in place on a WebSocket; SSE reconnects from its cursor) when no other hook shares it,
   * and `events` then keeps only the events that pass the new filter. It is compared by value, so an
   * object literal written in the render is fine.
   */
  filter?: Filter<T>;
  /**
   * A token for a gateway that requires one, or a function that returns one (or a Promise of one),
   * refreshed before `exp` as the client does. Default: none. A string is compared by value; a function
   * by identity, so pass one that stays the same between renders (defined outside the component, or
   * with `useCallback`): each new function is a new connection.
   */
  token?: TokenOption;
  /**
   * Where the last cursor is kept so that a page reload resumes (e.g. `sessionStorage`). Default: none.
   * Compared by identity.
   */
  storage?: CursorStorage;
  /** How many of the newest events `events` holds. Default 500. useEvent ignores it. */
  limit?: number;
}

export const DEFAULT_LIMIT = 500;

/** What the registry needs to find or open a connection. */
export interface ConnectionSpec {
  /** Equal for options that may share a connection. */
  key: string;
  /** The key without the filter: connections with the same route may change filter in place. */
  route: string;
  filter: Filter;
  /** The client's options, without the filter. */
  client: Omit<ClientOptions, 'filter' | 'connect'>;
}

const ids = new WeakMap<object, number>();
let lastId = 0;

/** A number for an object or function, the same for as long as it lives. */
function identity(x: object | undefined): number | null {
  if (x === undefined) return null;
  let id = ids.get(x);
  if (id === undefined) ids.set(x, (id = ++lastId));
  return id;
}

/** The URL as the client will resolve it (so that `http://h` and `http://h/` share). */
function baseUrl(url: string | URL | undefined): string {
  const here = (globalThis as { location?: { href: string } }).location?.href;
  try {
    const u = new URL(url ?? '/', here);
    if (!u.pathname.endsWith('/')) u.pathname += '/';
    return u.href;
  } catch {
    return String(url); // the client will say what is wrong with it
  }
}

/** The options' connection key, and the client's options. */
export function specOf(options: EventsOptions): ConnectionSpec {
  const { limit: _limit, filter, ...client } = options as EventsOptions & { connect?: boolean };
  delete (client as { connect?: boolean }).connect;
  const canonical = canonicalFilter(filter ?? {});
  const token = typeof client.token === 'function' ? { fn: identity(client.token) } : (client.token ?? null);
  const route = JSON.stringify([
    baseUrl(client.url),
    client.transport === 'ws' ? 'ws' : 'sse',
    token,
    identity(client.storage),
    client.storageKey ?? null,
    client.lastEventId ?? null,
    client.replay ?? null,
    client.onOverflow ?? null,
    client.backoff ? [client.backoff.initialMs ?? null, client.backoff.maxMs ?? null] : null,
    client.pingMs ?? null,
    client.headers ? Object.entries(client.headers).sort() : null,
    identity(client.WebSocket),
    identity(client.EventSource),
  ]);
  return { key: `${route}?${JSON.stringify(canonical)}`, route, filter: canonical, client };
}
