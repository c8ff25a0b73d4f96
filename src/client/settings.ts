/**
 * The client's options, checked and given their defaults once.
 */
import type { Opener } from './transports.ts';
import type { ClientOptions, EventSourceClass, WebSocketClass } from './types.ts';

export interface Settings {
  /** The gateway's base URL, ending in `/`. */
  base: URL;
  kind: 'sse' | 'ws';
  replay: number | undefined;
  overflowPolicy: 'disconnect' | 'drop' | undefined;
  initialDelayMs: number;
  maxDelayMs: number;
  pingMs: number;
  ws: Opener<WebSocketClass>;
  sse: Opener<EventSourceClass>;
  /** Headers for the client's own fetch (the refusal probe). */
  headers: Record<string, string> | undefined;
  /** Where the token travels: `Authorization: Bearer` where the transport can send headers, else `access_token`. */
  tokenHeader: { ws: boolean; sse: boolean; probe: boolean };
}

/** Declared by EventSource classes that take a `fetch` option (the `eventsource` package, from 4.1). */
const FETCH_OVERRIDE = Symbol.for('eventsource.supports-fetch-override');

const g = globalThis as { WebSocket?: WebSocketClass; EventSource?: EventSourceClass; document?: unknown; WorkerGlobalScope?: unknown };

export function settingsOf(options: ClientOptions): Settings {
  const here = (globalThis as { location?: { href: string } }).location?.href;
  if (options.url === undefined && here === undefined) throw new TypeError("eventgate: pass the gateway's `url` (there is no page to take it from)");
  const base = new URL(options.url ?? '/', here);
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  const kind = options.transport === 'ws' ? 'ws' : 'sse';
  const WebSocket = options.WebSocket ?? g.WebSocket;
  const EventSource = options.EventSource ?? g.EventSource;
  if (kind === 'ws' && !WebSocket) throw new TypeError('eventgate: there is no global WebSocket here (Node 20): pass `WebSocket` from the ws package in the options');
  if (kind === 'sse' && !EventSource) throw new TypeError('eventgate: there is no global EventSource here (Node): pass `EventSource` from the eventsource package in the options');
  const headers = options.headers && Object.keys(options.headers).length ? { ...options.headers } : undefined;
  // A browser's WebSocket takes no headers (a second argument would be read as subprotocols).
  const inBrowser = g.document !== undefined || g.WorkerGlobalScope !== undefined;
  const wsHeaders = inBrowser ? undefined : headers;
  return {
    base,
    kind,
    // Outside a browser, a WebSocket takes headers (ws, undici, Bun, Deno), and so does the client's own fetch.
    tokenHeader: { ws: !inBrowser, sse: !inBrowser && EventSource !== undefined && FETCH_OVERRIDE in EventSource, probe: !inBrowser },
    replay: options.replay,
    overflowPolicy: options.onOverflow,
    initialDelayMs: options.backoff?.initialMs ?? 500,
    maxDelayMs: options.backoff?.maxMs ?? 30_000,
    pingMs: options.pingMs ?? 25_000,
    ws: { Class: WebSocket!, headers: wsHeaders },
    sse: { Class: EventSource!, headers },
    headers,
  };
}
