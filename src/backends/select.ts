/**
 * The one place a backend is chosen: Redis when REDIS_URL is set, else memory.
 */
import type { Config } from '../runtimes/server-config.ts';
import type { Logger } from '../core/logger.ts';
import type { Backend } from '../core/store.ts';
import { MemoryBackend } from './memory.ts';

export async function createBackend(config: Config, log: Logger): Promise<Backend> {
  if (config.redisUrl) {
    const { RedisBackend } = await import('./redis.ts');
    return new RedisBackend({ url: config.redisUrl, prefix: config.redisPrefix, historySize: config.historySize, logger: log });
  }
  return new MemoryBackend({ historySize: config.historySize });
}
