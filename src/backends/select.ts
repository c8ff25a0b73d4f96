/**
 * The one place a backend is chosen: Redis when REDIS_URL is set, else memory.
 */
import type { Logger } from '../core/logger.ts';
import type { Backend } from '../core/store.ts';
import { MemoryBackend } from './memory.ts';

/** What choosing a backend reads of the configuration. */
export interface BackendChoice {
  redisUrl: string | undefined;
  redisPrefix: string;
  historySize: number;
}

export async function createBackend(config: BackendChoice, log: Logger): Promise<Backend> {
  if (config.redisUrl) {
    const { RedisBackend } = await import('./redis.ts');
    return new RedisBackend({ url: config.redisUrl, prefix: config.redisPrefix, historySize: config.historySize, logger: log });
  }
  return new MemoryBackend({ historySize: config.historySize });
}
