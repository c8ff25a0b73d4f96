/**
 * The client's options, checked and given their defaults once.
 */
import type { ClientOptions } from './types.ts';

export interface Settings {
  /** The gateway's base URL, ending in `/`. */
  base: URL;
  kind: 'sse' | 'ws';
  replay: number | undefined;
  overflowPolicy: 'disconnect' | 'drop' | undefined;
  initialDelayMs: number;
  maxDelayMs: number;
  pingMs: number;
}

export function settingsOf(options: ClientOptions): Settings {
  const here = (globalThis as { location?: { href: string } }).location?.href;
  if (options.url === undefined && here === undefined) throw new TypeError('eventgate: pass the gateway\'s `url` (there is no page to take it from)');
  const base = new URL(options.url ?? '/', here);
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  return {
    base,
    kind: options.transport === 'ws' ? 'ws' : 'sse',
    replay: options.replay,
    overflowPolicy: options.onOverflow,
    initialDelayMs: options.backoff?.initialMs ?? 500,
    maxDelayMs: options.backoff?.maxMs ?? 30_000,
    pingMs: options.pingMs ?? 25_000,
  };
}
