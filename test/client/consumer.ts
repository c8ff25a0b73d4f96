/**
 * A Node consumer, run as its own process by the tests: eventgate/client with
 * the transport and the WebSocket or EventSource class named on the command
 * line, printing one JSON line per thing it sees (`event`, `gap`, `state`,
 * `error`, `ready`) on standard output.
 *
 *   node --import tsx test/client/consumer.ts URL sse|ws ws|eventsource|global [HEADER=VALUE ...]
 */
import { EventSource } from 'eventsource';
import WebSocket from 'ws';
import { EventgateClient } from '../../src/client/eventgate-client.ts';

const [url, transport, impl, ...headerArgs] = process.argv.slice(2);
const headers = Object.fromEntries(headerArgs.map((h) => [h.slice(0, h.indexOf('=')), h.slice(h.indexOf('=') + 1)]));
const out = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);

const client = new EventgateClient({
  url,
  transport: transport === 'ws' ? 'ws' : 'sse',
  replay: 0,
  backoff: { initialMs: 100, maxMs: 400 },
  headers,
  ...(impl === 'ws' ? { WebSocket } : impl === 'eventsource' ? { EventSource } : {}),
});
client.on('*', (e, info) => out({ kind: 'event', id: e.id, type: e.type, replayed: info.replayed }));
client.onGap((g) => out({ kind: 'gap', gap: g }));
client.onState((state) => out({ kind: 'state', state }));
client.onError((err) => out({ kind: 'error', err }));
client.onReady((r) => out({ kind: 'ready', replayed: r.replayed }));
process.once('SIGTERM', () => {
  client.close();
  process.exit(0);
});
