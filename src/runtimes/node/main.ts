/**
 * `npm start`: the gateway on Node. Reads the environment, serves, and on
 * SIGTERM/SIGINT drains and exits 0 within SHUTDOWN_TIMEOUT_MS.
 */
import { ConfigError, loadConfig } from '../../core/config.ts';
import { startDemo } from '../../demo.ts';
import { startNodeServer } from './server.ts';

let config;
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

const node = await startNodeServer(config);
const g = node.gateway;
console.log(`[eventgate] listening on ${node.url} (host ${config.host}, backend ${g.bus.backend.kind}, history ${config.historySize})`);
console.log(`[eventgate] SSE  ${node.url}/api/events/stream   WS ${node.url.replace('http', 'ws')}/ws/events`);
if (config.publishToken) console.log('[eventgate] publishing requires Authorization: Bearer <PUBLISH_TOKEN>');
else console.log('[eventgate] no PUBLISH_TOKEN set: only loopback clients (127.0.0.1, ::1) may publish');
const stopDemo = config.demo ? startDemo(g.emit, config.demoRate) : undefined;
if (stopDemo) console.log(`[eventgate] demo: publishing ${config.demoRate} events/s of all six types; try: curl -N ${node.url}/api/events/stream`);

let shuttingDown = false;
async function shutdown(signal: string) {
  if (shuttingDown) return;
  shuttingDown = true;
  console.log(`[eventgate] ${signal}: draining ${g.bus.subscriberCount} subscribers (at most ${config!.shutdownTimeoutMs} ms)`);
  stopDemo?.();
  const hard = setTimeout(() => {
    console.error('[eventgate] drain timed out; exiting');
    process.exit(0);
  }, config!.shutdownTimeoutMs + 1000);
  hard.unref();
  try {
    await node.stop();
  } catch (err) {
    console.error('[eventgate] error while stopping', err);
  }
  console.log('[eventgate] stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
