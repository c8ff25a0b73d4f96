/**
 * The gateway's configuration (history, queues, heartbeats, origins, limits,
 * auth) from environment variables, validated at start: a bad value stops
 * the server with a message that names the variable. Web-standard: each
 * runtime hands in its own environment as a plain record. What only a
 * server process needs (port, host, Redis, demo) is ServerConfig, in
 * src/runtimes/server-config.ts.
 */
import { ConfigError, int, oneOf, type Env } from './env.ts';
import { parseOrigin } from './origin.ts';
import { parseTrustProxy, type TrustedProxies } from './peer.ts';

export { ConfigError, type Env } from './env.ts';

export interface GatewayConfig {
  /** HISTORY_SIZE: events kept for replay. Default 10000. */
  historySize: number;
  /** REPLAY_DEFAULT: events replayed to a new subscriber without a cursor (`replay=N` overrides). Default 100. */
  replayDefault: number;
  /** QUEUE_MAX_EVENTS: events one subscriber may have queued before its overflow policy applies. Default 5000. */
  queueMaxEvents: number;
  /** QUEUE_MAX_BYTES: bytes one subscriber may have queued before its overflow policy applies. Default 4 MiB. */
  queueMaxBytes: number;
  /** OVERFLOW_POLICY: `disconnect` (signal, close, resume by replay) or `drop` (drop oldest, send a marker). Default disconnect. */
  overflowPolicy: 'disconnect' | 'drop';
  /** OVERFLOW_GRACE_MS: how long a closing stream may take to hand over its last signal before the connection is cut. Default 5000. */
  overflowGraceMs: number;
  /** HEARTBEAT_MS: SSE comment interval. Default 15000. */
  heartbeatMs: number;
  /** SSE_RETRY_MS: `retry:` sent to SSE clients. Default 3000. */
  sseRetryMs: number;
  /** WS_PING_MS: WebSocket ping interval; a peer that misses one pong is closed. Default 25000. */
  wsPingMs: number;
  /** PUBLISH_TOKEN: bearer token required to publish. Unset: only loopback clients may publish. */
  publishToken: string | undefined;
  /**
   * ALLOWED_ORIGINS: comma-separated browser origins allowed (`*` for any).
   * The gateway's own origins are always allowed; loopback origins only while
   * it listens on loopback alone and this is unset (src/core/origin.ts).
   */
  allowedOrigins: string[];
  /**
   * TRUST_PROXY: comma-separated proxies (addresses, CIDR ranges, `loopback`,
   * `private`) whose `Forwarded` / `X-Forwarded-For` headers are believed
   * (src/core/peer.ts). Default none: a forwarded request is never loopback.
   */
  trustProxy: TrustedProxies;
  /** PUBLIC_URL: the URL browsers reach the gateway by; its origin is the gateway's own. Default unset. */
  publicUrl: string | undefined;
  /** MAX_BODY_BYTES: largest publish body. Default 1 MiB. */
  maxBodyBytes: number;
  /** MAX_BATCH: most events in one publish. Default 1000. */
  maxBatch: number;
  /** MAX_WS_MESSAGE_BYTES: largest client WebSocket message; bigger ones close with 1009. Default 64 KiB. */
  maxWsMessageBytes: number;
  /** MAX_SUBSCRIBERS: concurrent subscribers; more get 503. Default 100000. */
  maxSubscribers: number;
  /** SHUTDOWN_TIMEOUT_MS: longest drain on SIGTERM/SIGINT before exit. Default 10000. */
  shutdownTimeoutMs: number;
  /** SHUTDOWN_RETRY_JITTER_MS: spread of the reconnect delay sent at shutdown. Default 5000. */
  shutdownJitterMs: number;
}

function origins(env: Env): string[] {
  const raw = env.ALLOWED_ORIGINS?.trim();
  if (!raw) return [];
  return raw.split(',').map((o) => {
    const s = o.trim().replace(/\/$/, '');
    if (s === '*') return s;
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      throw new ConfigError('ALLOWED_ORIGINS', `holds "${s}", which is not an origin like https://app.example.com`);
    }
    if (u.origin !== s) throw new ConfigError('ALLOWED_ORIGINS', `holds "${s}"; an origin is scheme://host[:port] with no path (did you mean ${u.origin}?)`);
    return s;
  });
}

function trustProxy(env: Env): TrustedProxies {
  try {
    return parseTrustProxy(env.TRUST_PROXY);
  } catch (err) {
    throw new ConfigError('TRUST_PROXY', (err as Error).message);
  }
}

function publicUrl(env: Env): string | undefined {
  const raw = env.PUBLIC_URL?.trim();
  if (!raw) return undefined;
  if (!/^https?:\/\//i.test(raw) || !parseOrigin(raw)) throw new ConfigError('PUBLIC_URL', `must be an http:// or https:// URL such as https://events.example.com, got "${raw}"`);
  return raw;
}

const MiB = 1024 * 1024;

/** Reads and validates the gateway's configuration; throws ConfigError naming the variable. */
export function loadGatewayConfig(env: Env): GatewayConfig {
  const token = env.PUBLISH_TOKEN;
  if (token !== undefined && token !== '' && token.length < 8) throw new ConfigError('PUBLISH_TOKEN', 'must be at least 8 characters');
  const historySize = int(env, 'HISTORY_SIZE', 10_000, 1, 10_000_000);
  return {
    historySize,
    replayDefault: Math.min(int(env, 'REPLAY_DEFAULT', 100, 0, 10_000_000), historySize),
    queueMaxEvents: int(env, 'QUEUE_MAX_EVENTS', 5000, 1, 10_000_000),
    queueMaxBytes: int(env, 'QUEUE_MAX_BYTES', 4 * MiB, 1024, 1024 * MiB),
    overflowPolicy: oneOf(env, 'OVERFLOW_POLICY', 'disconnect', ['disconnect', 'drop'] as const),
    overflowGraceMs: int(env, 'OVERFLOW_GRACE_MS', 5000, 0, 600_000),
    heartbeatMs: int(env, 'HEARTBEAT_MS', 15_000, 100, 3_600_000),
    sseRetryMs: int(env, 'SSE_RETRY_MS', 3000, 0, 3_600_000),
    wsPingMs: int(env, 'WS_PING_MS', 25_000, 100, 3_600_000),
    publishToken: token || undefined,
    allowedOrigins: origins(env),
    trustProxy: trustProxy(env),
    publicUrl: publicUrl(env),
    maxBodyBytes: int(env, 'MAX_BODY_BYTES', MiB, 64, 256 * MiB),
    maxBatch: int(env, 'MAX_BATCH', 1000, 1, 1_000_000),
    maxWsMessageBytes: int(env, 'MAX_WS_MESSAGE_BYTES', 64 * 1024, 128, 16 * MiB),
    maxSubscribers: int(env, 'MAX_SUBSCRIBERS', 100_000, 1, 10_000_000),
    shutdownTimeoutMs: int(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
    shutdownJitterMs: int(env, 'SHUTDOWN_RETRY_JITTER_MS', 5000, 0, 600_000),
  };
}

/** The defaults, for embedding without an environment. */
export function defaultGatewayConfig(): GatewayConfig {
  return loadGatewayConfig({});
}
