/**
 * One ioredis connection as the Redis backend uses it: no offline queue and
 * no resend (a publish fails now rather than wait, and a batch whose answer
 * was lost is never sent twice), a command timeout, reconnection with
 * jittered backoff, the backend's scripts defined, and each change of state
 * logged once, without the password.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../../core/logger.ts';
import { APPEND_LUA, READ_LUA } from './scripts.ts';

export type Scripted = Redis & {
  egAppend(...args: (string | number)[]): Promise<unknown>;
  egRead(...args: (string | number)[]): Promise<unknown>;
};

/** The URL without its password, for logs. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'redis';
  }
}

export interface ConnectOptions {
  url: string;
  /** Names the connection in Redis (CLIENT LIST) and in logs. */
  role: string;
  commandTimeout: number;
  log: Logger;
  /** Shared by the backend's connections: the last error seen (empty once connected), and whether it is closing. */
  state: { lastError: string; closed: boolean };
}

export function connect(o: ConnectOptions): Scripted {
  const opts: RedisOptions = {
    connectionName: `eventgate-${o.role}`,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: o.commandTimeout,
    retryStrategy: (times) => Math.min(1000, 50 * 2 ** Math.min(times, 6)) + Math.floor(Math.random() * 100),
  };
  const conn = new Redis(o.url, opts) as Scripted;
  conn.defineCommand('egAppend', { numberOfKeys: 2, lua: APPEND_LUA });
  conn.defineCommand('egRead', { numberOfKeys: 2, lua: READ_LUA });
  const st = o.state;
  conn.on('error', (err: Error) => {
    if (err.message === st.lastError || st.closed) return;
    st.lastError = err.message;
    o.log('warn', `redis (${o.role}): ${err.message}; reconnecting`);
  });
  conn.on('ready', () => {
    if (st.lastError) o.log('info', `redis (${o.role}): connected to ${redact(o.url)}`);
    st.lastError = '';
  });
  return conn;
}
