/**
 * The command's flags: one for every variable of the configuration table
 * (README "Configuration"), named after it (`HISTORY_SIZE` → `--history-size`,
 * `REDIS_URL` → `--redis`). A flag's value is handed to the same validation
 * as the variable's, so both accept and refuse the same values. An unknown
 * flag or a bad value is a UsageError: exit 2, naming the flag.
 */
import { parseArgs } from 'node:util';
import type { AuthSettings } from '../core/auth/settings.ts';
import type { Config } from '../runtimes/server-config.ts';

export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(`eventgate: ${message}`);
    this.name = 'UsageError';
  }
}

export interface Setting {
  /** The environment variable. */
  env: string;
  /** The flag, without `--`. */
  flag: string;
  /** The key in Config (and in a config file's `config`); `auth.<key>` for the auth settings (`config.auth.<key>`). */
  key: Exclude<keyof Config, 'auth'> | `auth.${keyof AuthSettings}`;
  /** What the value looks like in --help; absent for a switch. */
  value?: string;
  help: string;
}

export const SETTINGS: readonly Setting[] = [
  { env: 'PORT', flag: 'port', key: 'port', value: 'N', help: 'listening port (8000)' },
  { env: 'HOST', flag: 'host', key: 'host', value: 'ADDR', help: 'listening address (0.0.0.0)' },
  { env: 'HISTORY_SIZE', flag: 'history-size', key: 'historySize', value: 'N', help: 'events kept for replay (10000)' },
  { env: 'REPLAY_DEFAULT', flag: 'replay-default', key: 'replayDefault', value: 'N', help: 'events replayed to a new subscriber without a cursor (100)' },
  { env: 'QUEUE_MAX_EVENTS', flag: 'queue-max-events', key: 'queueMaxEvents', value: 'N', help: 'events one subscriber may have queued (5000)' },
  { env: 'QUEUE_MAX_BYTES', flag: 'queue-max-bytes', key: 'queueMaxBytes', value: 'N', help: 'bytes one subscriber may have queued (4194304)' },
  { env: 'OVERFLOW_POLICY', flag: 'overflow-policy', key: 'overflowPolicy', value: 'disconnect|drop', help: 'what happens to a subscriber that falls behind (disconnect)' },
  { env: 'OVERFLOW_GRACE_MS', flag: 'overflow-grace-ms', key: 'overflowGraceMs', value: 'MS', help: 'time a closing stream gets for its last signal (5000)' },
  { env: 'HEARTBEAT_MS', flag: 'heartbeat-ms', key: 'heartbeatMs', value: 'MS', help: 'SSE heartbeat interval (15000)' },
  { env: 'SSE_RETRY_MS', flag: 'sse-retry-ms', key: 'sseRetryMs', value: 'MS', help: 'retry: sent to SSE clients (3000)' },
  { env: 'WS_PING_MS', flag: 'ws-ping-ms', key: 'wsPingMs', value: 'MS', help: 'WebSocket ping interval (25000)' },
  { env: 'PUBLISH_TOKEN', flag: 'publish-token', key: 'publishToken', value: 'TOKEN', help: 'bearer token required to publish (unset: loopback only)' },
  { env: 'ALLOWED_ORIGINS', flag: 'allowed-origins', key: 'allowedOrigins', value: 'LIST', help: 'browser origins allowed, comma-separated, or *' },
  { env: 'TRUST_PROXY', flag: 'trust-proxy', key: 'trustProxy', value: 'LIST', help: 'proxies whose Forwarded / X-Forwarded-For are believed' },
  { env: 'PUBLIC_URL', flag: 'public-url', key: 'publicUrl', value: 'URL', help: 'the URL browsers reach the gateway by' },
  { env: 'MAX_BODY_BYTES', flag: 'max-body-bytes', key: 'maxBodyBytes', value: 'N', help: 'largest publish body (1048576)' },
  { env: 'MAX_BATCH', flag: 'max-batch', key: 'maxBatch', value: 'N', help: 'most events in one publish (1000)' },
  { env: 'MAX_WS_MESSAGE_BYTES', flag: 'max-ws-message-bytes', key: 'maxWsMessageBytes', value: 'N', help: 'largest client WebSocket message (65536)' },
  { env: 'MAX_SUBSCRIBERS', flag: 'max-subscribers', key: 'maxSubscribers', value: 'N', help: 'concurrent subscribers (100000)' },
  { env: 'SHUTDOWN_TIMEOUT_MS', flag: 'shutdown-timeout-ms', key: 'shutdownTimeoutMs', value: 'MS', help: 'longest drain on SIGTERM/SIGINT (10000)' },
  { env: 'SHUTDOWN_RETRY_JITTER_MS', flag: 'shutdown-retry-jitter-ms', key: 'shutdownJitterMs', value: 'MS', help: 'spread of the reconnect delay at shutdown (5000)' },
  { env: 'HEADERS_TIMEOUT_MS', flag: 'headers-timeout-ms', key: 'headersTimeoutMs', value: 'MS', help: "a request's line and headers must arrive within this (10000)" },
  { env: 'BODY_TIMEOUT_MS', flag: 'body-timeout-ms', key: 'bodyTimeoutMs', value: 'MS', help: "a request's body must be complete within this (20000)" },
  { env: 'MAX_CONNECTIONS', flag: 'max-connections', key: 'maxConnections', value: 'N', help: 'open client connections, 0 for no cap (110000)' },
  { env: 'REDIS_URL', flag: 'redis', key: 'redisUrl', value: 'URL', help: 'use Redis (redis://…); memory when unset' },
  { env: 'REDIS_PREFIX', flag: 'redis-prefix', key: 'redisPrefix', value: 'PREFIX', help: 'key prefix in Redis (eventgate)' },
  { env: 'DEMO', flag: 'demo', key: 'demo', help: 'publish a demo mix of all six event types' },
  { env: 'DEMO_RATE', flag: 'demo-rate', key: 'demoRate', value: 'N', help: 'demo events per second (4)' },
  { env: 'IDEMPOTENCY_TTL_MS', flag: 'idempotency-ttl-ms', key: 'idempotencyTtlMs', value: 'MS', help: 'how long an Idempotency-Key is remembered (300000)' },
  { env: 'LOG_FORMAT', flag: 'log-format', key: 'logFormat', value: 'text|json', help: 'log lines as text or one JSON object each (text)' },
  { env: 'LOG_LEVEL', flag: 'log-level', key: 'logLevel', value: 'LEVEL', help: 'debug, info, warn or error (info)' },
  { env: 'AUTH_JWT_SECRET', flag: 'auth-jwt-secret', key: 'auth.jwtSecret', value: 'SECRET', help: 'HS256/384/512 key for subscriber and publisher tokens (32+ bytes)' },
  { env: 'AUTH_JWKS_URL', flag: 'auth-jwks-url', key: 'auth.jwksUrl', value: 'URL', help: 'JWKS for RS256/ES256/EdDSA tokens' },
  { env: 'AUTH_JWKS_COOLDOWN_MS', flag: 'auth-jwks-cooldown-ms', key: 'auth.jwksCooldownMs', value: 'MS', help: 'least time between two JWKS fetches (30000)' },
  { env: 'AUTH_JWKS_MAX_AGE_MS', flag: 'auth-jwks-max-age-ms', key: 'auth.jwksMaxAgeMs', value: 'MS', help: 'how long a fetched JWKS is used (600000)' },
  { env: 'AUTH_JWT_ISSUER', flag: 'auth-jwt-issuer', key: 'auth.issuer', value: 'ISS', help: 'required iss, when set' },
  { env: 'AUTH_JWT_AUDIENCE', flag: 'auth-jwt-audience', key: 'auth.audience', value: 'AUD', help: 'required aud, when set' },
  { env: 'SUBSCRIBE_AUTH', flag: 'subscribe-auth', key: 'auth.subscribe', value: 'required|off', help: 'subscribing needs a token (required when a key is set)' },
  { env: 'ADMIN_TOKEN', flag: 'admin-token', key: 'auth.adminToken', value: 'TOKEN', help: 'bearer secret for stats and operator endpoints' },
  { env: 'MAX_SUBSCRIBERS_PER_IP', flag: 'max-subscribers-per-ip', key: 'auth.maxSubscribersPerIp', value: 'N', help: 'concurrent subscriptions per client address (0: no limit)' },
  { env: 'PUBLISH_RATE', flag: 'publish-rate', key: 'auth.publishRate', value: 'N', help: 'events/s per publisher (0: no limit)' },
  { env: 'PUBLISH_BURST', flag: 'publish-burst', key: 'auth.publishBurst', value: 'N', help: 'events a publisher may send at once above the rate' },
  { env: 'WS_MESSAGE_RATE', flag: 'ws-message-rate', key: 'auth.wsMessageRate', value: 'N', help: 'client messages/s per WebSocket, past it close 1008 (50)' },
];

export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
}

/**
 * Parses `argv` against `flags` (plus --help and -h); positionals are
 * allowed only up to `maxPositionals` (any number with --help). Throws
 * UsageError naming an unknown flag, a missing value or an extra argument.
 */
export function parseFlags(argv: string[], flags: Record<string, FlagSpec>, maxPositionals = 0): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options: { help: { type: 'boolean', short: 'h' }, ...flags }, strict: true, allowPositionals: true });
  } catch (err) {
    const msg = (err as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new UsageError(msg.replace(/^Unknown option/, 'unknown flag'));
  }
  // --help wins over anything else on the line (an extra argument, a missing one).
  if (!parsed.values.help && parsed.positionals.length > maxPositionals) throw new UsageError(`unexpected argument "${parsed.positionals[maxPositionals]}"`);
  return { values: parsed.values as Record<string, string | boolean | undefined>, positionals: parsed.positionals };
}

/** The flags of `eventgate serve`: one per setting, and --config. */
export function serveFlags(): Record<string, FlagSpec> {
  const flags: Record<string, FlagSpec> = { config: { type: 'string', short: 'c' } };
  for (const s of SETTINGS) flags[s.flag] = { type: s.value ? 'string' : 'boolean' };
  return flags;
}

/** Flag values as environment variables: what loadConfig reads. */
export function flagEnv(values: Record<string, string | boolean | undefined>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const s of SETTINGS) {
    const v = values[s.flag];
    if (v === undefined) continue;
    env[s.env] = typeof v === 'boolean' ? (v ? '1' : '0') : v;
  }
  return env;
}

export function settingOf(variable: string): Setting | undefined {
  return SETTINGS.find((s) => s.env === variable);
}
