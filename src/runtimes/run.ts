/**
 * The command-line life of a gateway process, the same on Node, Bun and
 * Deno: read and validate the environment (exit 1 naming the variable),
 * start, say where it listens and who may publish, run the demo if asked,
 * and on SIGTERM/SIGINT drain and exit 0 within SHUTDOWN_TIMEOUT_MS.
 * Each runtime's main.ts hands in its process host and its server starter.
 */
import { ConfigError } from '../core/config.ts';
import { loadConfig, type Config } from './server-config.ts';
import type { Gateway } from '../core/gateway.ts';
import { startDemo } from '../demo.ts';

export interface ProcessHost {
  /** Shown in the start line ("with Bun"); empty for the default runtime. */
  label: string;
  env: Record<string, string | undefined>;
  args: string[];
  exit(code: number): never;
  onSignal(signal: 'SIGTERM' | 'SIGINT', handler: () => void): void;
}

export interface StartedServer {
  gateway: Gateway;
  url: string;
  stop(): Promise<void>;
}

export async function runGateway(host: ProcessHost, start: (config: Config) => Promise<StartedServer>): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(host.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      host.exit(1);
    }
    throw err;
  }
  if (host.args.includes('--demo')) config.demo = true;

  const server = await start(config);
  const g = server.gateway;
  const runtime = host.label ? ` with ${host.label}` : '';
  console.log(`[eventgate] listening on ${server.url}${runtime} (host ${config.host}, backend ${g.bus.backend.kind}, history ${config.historySize})`);
  console.log(`[eventgate] SSE  ${server.url}/api/events/stream   WS ${server.url.replace('http', 'ws')}/ws/events   page ${server.url}/`);
  if (config.publishToken) console.log('[eventgate] publishing requires Authorization: Bearer <PUBLISH_TOKEN>');
  else console.log('[eventgate] no PUBLISH_TOKEN set: only loopback clients (127.0.0.1, ::1) may publish');
  const stopDemo = config.demo ? startDemo(g.emit, config.demoRate) : undefined;
  if (stopDemo) console.log(`[eventgate] demo: publishing ${config.demoRate} events/s of all six types; try: curl -N ${server.url}/api/events/stream`);

  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    console.log(`[eventgate] ${signal}: draining ${g.bus.subscriberCount} subscribers (at most ${config.shutdownTimeoutMs} ms)`);
    stopDemo?.();
    setTimeout(() => {
      console.error('[eventgate] drain timed out; exiting');
      host.exit(0);
    }, config.shutdownTimeoutMs + 1000);
    try {
      await server.stop();
    } catch (err) {
      console.error('[eventgate] error while stopping', err);
    }
    console.log('[eventgate] stopped');
    host.exit(0);
  };
  host.onSignal('SIGTERM', () => void shutdown('SIGTERM'));
  host.onSignal('SIGINT', () => void shutdown('SIGINT'));
}
