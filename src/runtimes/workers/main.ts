/**
 * The Worker (`npm run dev:workers`, wrangler.toml): a Worker shares no
 * memory across requests, so every request goes to the one hub Durable
 * Object, which runs the gateway. The Worker records the client's address,
 * as Cloudflare gave it, for the loopback-only publish rule, and reads a
 * request body before forwarding it (body.ts).
 */
import { loadGatewayConfig } from '../../core/config.ts';
import { PEER_HEADER } from './adapter.ts';
import { readCapped } from './body.ts';
import { envRecord } from './env.ts';
import { MAX_STORED_EVENT_BYTES } from './hub.ts';

export { EventHub } from './hub.ts';

interface HubNamespace {
  idFromName(name: string): unknown;
  get(id: unknown): { fetch(request: Request): Promise<Response> };
}

/** One hub for the whole gateway: one stream, one cursor space. */
const HUB_NAME = 'eventgate';

function bodyLimit(env: Record<string, unknown>): number {
  try {
    return loadGatewayConfig(envRecord(env)).maxBodyBytes;
  } catch {
    return MAX_STORED_EVENT_BYTES; // the hub answers the configuration error itself
  }
}

export interface HubEnv {
  [binding: string]: unknown;
}

export interface RouteOptions {
  /** Path the gateway answers under in your Worker, like `/events`; default `/`. */
  prefix?: string;
  /** Name of the Durable Object binding of class EventHub in your wrangler.toml. Default `EVENT_HUB`. */
  binding?: string;
}

/**
 * Hands a request to the gateway's hub Durable Object, with `prefix` taken
 * off its path. For a Worker of your own that keeps its other routes:
 *
 *   export { EventHub } from 'eventgate/workers';
 *   import { routeToGateway } from 'eventgate/workers';
 *   export default {
 *     fetch(req, env) {
 *       if (new URL(req.url).pathname.startsWith('/events/')) return routeToGateway(req, env, { prefix: '/events' });
 *       return new Response('my own route');
 *     },
 *   };
 */
export async function routeToGateway(request: Request, env: HubEnv, options: RouteOptions = {}): Promise<Response> {
  const binding = options.binding ?? 'EVENT_HUB';
  const ns = env[binding] as HubNamespace | undefined;
  if (!ns || typeof ns.idFromName !== 'function') {
    return Response.json({ error: 'bad_config', field: binding, message: `no Durable Object binding ${binding} (class EventHub) in wrangler.toml` }, { status: 500 });
  }
  const url = new URL(request.url);
  const prefix = (options.prefix ?? '/').replace(/\/+$/, '');
  if (prefix) {
    const rest = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : undefined;
    if (rest === undefined || (rest !== '' && !rest.startsWith('/'))) {
      return Response.json({ error: 'not_found', message: `${url.pathname} is not under ${prefix}` }, { status: 404 });
    }
    url.pathname = rest || '/';
  }
  const headers = new Headers(request.headers);
  headers.set(PEER_HEADER, request.headers.get('cf-connecting-ip') ?? '');
  let body: Uint8Array<ArrayBuffer> | null = null;
  if (request.body) {
    body = await readCapped(request.body, bodyLimit(env));
    headers.delete('content-length');
    headers.delete('transfer-encoding');
  }
  const hub = ns.get(ns.idFromName(HUB_NAME));
  return hub.fetch(new Request(url.href, { method: request.method, headers, body }));
}

/** The Worker that is all gateway (this repository's wrangler.toml). */
export default {
  fetch: (request: Request, env: HubEnv): Promise<Response> => routeToGateway(request, env),
};
