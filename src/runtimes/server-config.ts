/**
 * What a server process needs beyond the gateway's own configuration: where
 * to listen, which store to use, whether to run the demo. Read from the
 * environment beside the gateway's configuration (src/core/config.ts) and
 * validated the same way.
 */
import { loadGatewayConfig, type GatewayConfig } from '../core/config.ts';
import { bool, ConfigError, int, type Env } from '../core/env.ts';

export interface ServerConfig {
  /** PORT: listening port. Default 8000. */
  port: number;
  /** HOST: listening address. Default 0.0.0.0. */
  host: string;
  /** REDIS_URL: use the Redis backend (several gateways, one stream). Unset: memory. */
  redisUrl: string | undefined;
  /** REDIS_PREFIX: key prefix in Redis. Default `eventgate`. */
  redisPrefix: string;
  /** DEMO: `1` publishes a realistic mix of all six types. Default off. */
  demo: boolean;
  /** DEMO_RATE: demo events per second. Default 4. */
  demoRate: number;
}

/** Everything a gateway process reads from its environment. */
export type Config = GatewayConfig & ServerConfig;

export function loadServerConfig(env: Env): ServerConfig {
  const redisUrl = env.REDIS_URL?.trim() || undefined;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) throw new ConfigError('REDIS_URL', `must start with redis:// or rediss://, got "${redisUrl}"`);
  const prefix = env.REDIS_PREFIX?.trim() || 'eventgate';
  if (!/^[A-Za-z0-9:_\-.]{1,64}$/.test(prefix)) throw new ConfigError('REDIS_PREFIX', 'must be 1-64 characters of A-Z a-z 0-9 : _ - .');
  const host = env.HOST?.trim() || '0.0.0.0';
  if (/\s/.test(host)) throw new ConfigError('HOST', `must be an address or host name, got "${host}"`);
  return {
    port: int(env, 'PORT', 8000, 0, 65535),
    host,
    redisUrl,
    redisPrefix: prefix,
    demo: bool(env, 'DEMO'),
    demoRate: int(env, 'DEMO_RATE', 4, 1, 100_000),
  };
}

/** Reads and validates the whole process configuration; throws ConfigError naming the variable. */
export function loadConfig(env: Env): Config {
  return { ...loadGatewayConfig(env), ...loadServerConfig(env) };
}
