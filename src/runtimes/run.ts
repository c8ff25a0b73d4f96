/**
 * The command-line life of a gateway process, the same on Node, Bun and
 * Deno: read and validate the environment (exit 1 naming the variable),
 * start, say where it listens and who may publish, run the demo if asked,
 * and on SIGTERM/SIGINT drain and exit 0 within SHUTDOWN_TIMEOUT_MS.
 * Each runtime's main.ts hands in its process host and its server starter.
 */
import { accessSummary } from '../core/auth/settings.ts';
import { ConfigError } from '../core/config.ts';
import { loadConfig, type Config } from './server-config.ts';
import type { Gateway } from '../core/gateway.ts';
import { startDemo } from '../demo.ts';
import { createLogger, type Logger } from '../core/logger.ts';

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

export async function runGateway(host: ProcessHost, start: (config: Config, o: { logger: Logger }) => Promise<StartedServer>): Promise<void> {
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

  const log = createLogger({ format: config.logFormat, level: config.logLevel });
  const server = await start(config, { logger: log });
  const g = server.gateway;
  const runtime = host.label ? ` with ${host.label}` : '';
  const publishAuth = config.publishToken ? 'publish_token' : 'loopback_only';
  // The logger redacts secrets (PUBLISH_TOKEN, AUTH_JWT_SECRET, a password in REDIS_URL) in the configuration shown.
  log('info', `listening on ${server.url}${runtime} (host ${config.host}, backend ${g.bus.backend.kind}, history ${config.historySize})`, {
    url: server.url,
    runtime: host.label || 'Node',
    backend: g.bus.backend.kind,
    publish_auth: publishAuth,
    config,
  });
  log('info', `SSE  ${server.url}/api/events/stream   WS ${server.url.replace('http', 'ws')}/ws/events   page ${server.url}/   metrics ${server.url}/metrics`);
  for (const line of accessSummary(config.auth, config.publishToken)) log('info', line);
  const stopDemo = config.demo ? startDemo(g.emit, config.demoRate) : undefined;
  if (stopDemo) log('info', `demo: publishing ${config.demoRate} events/s of all six types; try: curl -N ${server.url}/api/events/stream`);

  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log('info', `${signal}: draining ${g.bus.subscriberCount} subscribers (at most ${config.shutdownTimeoutMs} ms)`, { signal, subscribers: g.bus.subscriberCount });
    stopDemo?.();
    setTimeout(() => {
      log('error', 'drain timed out; exiting');
      host.exit(0);
    }, config.shutdownTimeoutMs + 1000);
    try {
      await server.stop();
    } catch (err) {
      log('error', 'error while stopping', err);
    }
    log('info', 'stopped');
    host.exit(0);
  };
  host.onSignal('SIGTERM', () => void shutdown('SIGTERM'));
  host.onSignal('SIGINT', () => void shutdown('SIGINT'));
}
