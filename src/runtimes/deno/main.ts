/**
 * `npm run start:deno`: the gateway on Deno, with the same environment
 * variables as `npm start`. On SIGTERM/SIGINT it drains and exits 0 within
 * SHUTDOWN_TIMEOUT_MS.
 */
import { ConfigError, loadConfig, type Config } from '../../core/config.ts';
import { startDemo } from '../../demo.ts';
import { startDenoServer } from './server.ts';

interface DenoProcess {
  env: { toObject(): Record<string, string> };
  args: string[];
  exit(code: number): never;
  addSignalListener(signal: 'SIGTERM' | 'SIGINT', handler: () => void): void;
}
const Deno = (globalThis as unknown as { Deno: DenoProcess }).Deno;

let config: Config;
try {
  config = loadConfig(Deno.env.toObject());
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    Deno.exit(1);
  }
  throw err;
}
if (Deno.args.includes('--demo')) config.demo = true;

const deno = await startDenoServer(config);
const g = deno.gateway;
console.log(`[eventgate] listening on ${deno.url} with Deno (host ${config.host}, backend ${g.bus.backend.kind}, history ${config.historySize})`);
console.log(`[eventgate] SSE  ${deno.url}/api/events/stream   WS ${deno.url.replace('http', 'ws')}/ws/events`);
if (config.publishToken) console.log('[eventgate] publishing requires Authorization: Bearer <PUBLISH_TOKEN>');
else console.log('[eventgate] no PUBLISH_TOKEN set: only loopback clients (127.0.0.1, ::1) may publish');
const stopDemo = config.demo ? startDemo(g.emit, config.demoRate) : undefined;

let shuttingDown = false;
async function shutdown(signal: string) {
  if (shuttingDown) return;
  shuttingDown = true;
  console.log(`[eventgate] ${signal}: draining ${g.bus.subscriberCount} subscribers (at most ${config.shutdownTimeoutMs} ms)`);
  stopDemo?.();
  setTimeout(() => {
    console.error('[eventgate] drain timed out; exiting');
    Deno.exit(0);
  }, config.shutdownTimeoutMs + 1000);
  try {
    await deno.stop();
  } catch (err) {
    console.error('[eventgate] error while stopping', err);
  }
  console.log('[eventgate] stopped');
  Deno.exit(0);
}
Deno.addSignalListener('SIGTERM', () => void shutdown('SIGTERM'));
Deno.addSignalListener('SIGINT', () => void shutdown('SIGINT'));
