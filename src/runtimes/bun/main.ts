/**
 * `npm run start:bun`: the gateway on Bun, with the same environment
 * variables as `npm start`. On SIGTERM/SIGINT it drains and exits 0 within
 * SHUTDOWN_TIMEOUT_MS.
 */
import { ConfigError, loadConfig, type Config } from '../../core/config.ts';
import { startDemo } from '../../demo.ts';
import { startBunServer } from './server.ts';

let config: Config;
try {
  config = loadConfig(process.env);
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}
if (process.argv.includes('--demo')) config.demo = true;

const bun = await startBunServer(config);
const g = bun.gateway;
console.log(`[eventgate] listening on ${bun.url} with Bun (host ${config.host}, backend ${g.bus.backend.kind}, history ${config.historySize})`);
console.log(`[eventgate] SSE  ${bun.url}/api/events/stream   WS ${bun.url.replace('http', 'ws')}/ws/events`);
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
    process.exit(0);
  }, config.shutdownTimeoutMs + 1000);
  try {
    await bun.stop();
  } catch (err) {
    console.error('[eventgate] error while stopping', err);
  }
  console.log('[eventgate] stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
