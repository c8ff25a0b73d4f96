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

export default {
  async fetch(request: Request, env: { EVENT_HUB: HubNamespace }): Promise<Response> {
    const headers = new Headers(request.headers);
    headers.set(PEER_HEADER, request.headers.get('cf-connecting-ip') ?? '');
    let body: Uint8Array<ArrayBuffer> | null = null;
    if (request.body) {
      body = await readCapped(request.body, bodyLimit(env));
      headers.delete('content-length');
      headers.delete('transfer-encoding');
    }
    const hub = env.EVENT_HUB.get(env.EVENT_HUB.idFromName(HUB_NAME));
    return hub.fetch(new Request(request.url, { method: request.method, headers, body }));
  },
};
