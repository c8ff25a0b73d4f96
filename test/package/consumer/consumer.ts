// Type-checked against the shipped .d.ts files (tsc --noEmit, nodenext and bundler resolution).
import * as v from 'valibot';
import { createGateway, defaultRegistry, defineConfig, type Gateway, type SystemEvent } from 'eventgate';
import { attach, serve, type NodeHandle } from 'eventgate/node';
import { serve as serveBun } from 'eventgate/bun';
import { serve as serveDeno } from 'eventgate/deno';
import workers, { EventHub, routeToGateway } from 'eventgate/workers';
import { EventgateClient } from 'eventgate/client';
import { SharedEventgateClient } from 'eventgate/client/shared';
import { createServer } from 'node:http';

const registry = defaultRegistry().register('deploy', v.looseObject({ service: v.string() }), { severity: () => 'warning' });
const gw: Gateway = createGateway({ registry, config: { historySize: 100 } });
const handle: Promise<NodeHandle> = serve(gw, { port: 0, hostname: '127.0.0.1' });
void handle.then((h) => {
  const url: string = h.url;
  return h.close().then(() => url);
});
attach(createServer(), createGateway(), { prefix: '/events' });
const id: Promise<string | undefined> = gw.emit.queryRoute({ query_id: 'q', complexity_score: 1, selected_tier: 'Q2', estimated_latency_ms: 1, routing_reason: 'r' });
const onEvent = (e: SystemEvent) => e.id;
const runtimes = [serveBun, serveDeno, routeToGateway, workers.fetch, EventHub];
const config = defineConfig({ types: { deploy: { metadata: v.looseObject({ ok: v.boolean() }), severity: (m) => (m.ok ? 'info' : 'error') } } });
const client = new EventgateClient({ transport: 'ws' });
const shared = SharedEventgateClient;
export { id, onEvent, runtimes, config, client, shared };
