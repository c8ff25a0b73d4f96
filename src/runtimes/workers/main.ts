/**
 * The Worker (`npm run dev:workers`, wrangler.toml): a Worker shares no
 * memory across requests, so every request goes to the one hub Durable
 * Object, which runs the gateway. The Worker only records the client's
 * address, as Cloudflare gave it, for the loopback-only publish rule.
 */
import { PEER_HEADER } from './adapter.ts';

export { EventHub } from './hub.ts';

interface HubNamespace {
  idFromName(name: string): unknown;
  get(id: unknown): { fetch(request: Request): Promise<Response> };
}

/** One hub for the whole gateway: one stream, one cursor space. */
const HUB_NAME = 'eventgate';

export default {
  fetch(request: Request, env: { EVENT_HUB: HubNamespace }): Promise<Response> {
    const headers = new Headers(request.headers);
    headers.set(PEER_HEADER, request.headers.get('cf-connecting-ip') ?? '');
    const hub = env.EVENT_HUB.get(env.EVENT_HUB.idFromName(HUB_NAME));
    return hub.fetch(new Request(request, { headers }));
  },
};
