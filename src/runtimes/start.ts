/**
 * The one start sequence of a gateway process, the same on Node, Bun and
 * Deno: choose the backend from the configuration (memory, or Redis with
 * REDIS_URL), build the gateway, serve it with the runtime's `serve`. Used
 * by the command (src/cli/serve.ts), each runtime's main.ts and the tests.
 */
import { createBackend } from '../backends/select.ts';
import type { Gateway } from '../core/gateway.ts';
import { consoleLogger } from '../core/logger.ts';
import { createGateway, type GatewayOptions } from '../index.ts';
import type { Config } from './server-config.ts';
import type { ServeOptions, ServerHandle } from './handle.ts';

export type Serve<H extends ServerHandle> = (gateway: Gateway, options: ServeOptions) => Promise<H>;

/** Gateway options besides the configuration and the backend (event types, logger). */
export type StartOptions = Omit<GatewayOptions, 'config' | 'backend' | 'runtime'>;

export type StartedServer<H extends ServerHandle = ServerHandle> = H & {
  gateway: Gateway;
  /** The handle's close(). */
  stop(): Promise<void>;
};

export async function startServer<H extends ServerHandle>(config: Config, serve: Serve<H>, options: StartOptions = {}): Promise<StartedServer<H>> {
  const logger = options.logger ?? consoleLogger;
  const backend = await createBackend(config, logger);
  const gateway = createGateway({ ...options, logger, config, backend });
  let handle: H;
  try {
    handle = await serve(gateway, {
      port: config.port,
      hostname: config.host,
      headersTimeoutMs: config.headersTimeoutMs,
      bodyTimeoutMs: config.bodyTimeoutMs,
      maxConnections: config.maxConnections,
    });
  } catch (err) {
    await gateway.close();
    throw err;
  }
  return Object.assign(handle, { gateway, stop: handle.close });
}
