/**
 * The one place a backend is chosen: Redis when REDIS_URL is set, else memory.
 */
import { ConfigError, type Config } from '../core/config.ts';
import type { Logger } from '../core/logger.ts';
import type { Backend } from '../core/store.ts';
import { MemoryBackend } from './memory.ts';

export async function createBackend(config: Config, log: Logger): Promise<Backend> {
  if (config.redisUrl) {
    const { RedisBackend } = await import('./redis.ts').catch((err: NodeJS.ErrnoException) => {
      // ioredis is an optional peer dependency: only those who use Redis install it.
      if (err.code === 'ERR_MODULE_NOT_FOUND' && /ioredis/.test(err.message)) {
        throw new ConfigError('REDIS_URL', 'is set, but the Redis client is not installed: run npm install ioredis');
      }
      throw err;
    });
    return new RedisBackend({ url: config.redisUrl, prefix: config.redisPrefix, historySize: config.historySize, logger: log });
  }
  return new MemoryBackend({ historySize: config.historySize });
}
