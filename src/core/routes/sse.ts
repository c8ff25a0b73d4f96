/**
 * GET /api/events/stream: one subscriber as a Server-Sent Events response.
 * The response body is the subscriber's own ReadableStream; it opens with a
 * comment and a `retry:` hint, carries events without an `event:` name (so
 * `onmessage` sees them all), and control messages as named events.
 * HEAD gets the same headers and registers no subscriber.
 */
import type { Context } from 'hono';
import { LiveAccess } from '../auth/access.ts';
import type { GatewayAuth } from '../auth/gateway-auth.ts';
import type { Bus } from '../bus.ts';
import { sseCodec } from '../codec.ts';
import type { RuntimeAdapter } from '../runtime.ts';
import { sseOpening } from '../sse.ts';
import type { SubscriptionSpec } from '../subscription.ts';

export const SSE_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache',
  'X-Accel-Buffering': 'no',
} as const;

/** What the SSE route needs. */
export interface SseDeps {
  bus: Pick<Bus, 'subscribe'>;
  runtime: Pick<RuntimeAdapter, 'onConnectionClose' | 'eventStreamBody'>;
  /** The `retry:` sent at the start of every stream. */
  sseRetryMs: number;
  /** Token expiry and limits (the spec's `access`). */
  auth?: GatewayAuth;
}

export function sseHandler(deps: SseDeps) {
  return (c: Context, spec: SubscriptionSpec, extraHeaders: Record<string, string>): Response => {
    // HEAD: the headers a GET would get, and no subscriber (nobody would ever read or cancel it).
    if (c.req.method === 'HEAD') return new Response(null, { status: 200, headers: { ...SSE_HEADERS, ...extraHeaders } });
    // EventSource sends Last-Event-ID on its own reconnects; the query covers the first connection.
    const header = c.req.header('last-event-id');
    const cursor = header !== undefined && header !== '' ? header : spec.cursor;
    const sub = deps.bus.subscribe({
      transport: 'sse',
      codec: sseCodec,
      filter: spec.filter,
      policy: spec.policy,
      cursor,
      replay: spec.replay,
      initial: sseOpening(deps.sseRetryMs),
      onEnd: () => access?.end(),
    });
    // At the token's expiry the stream ends with `event: token_expired` (the last cursor).
    const access = spec.access ? new LiveAccess(deps.auth, spec.access) : undefined;
    access?.arm(sub);
    const gone = () => sub.close();
    // Where the runtime reports the connection closing (Node), that covers every
    // disconnect; the request signal is not needed (it costs an AbortController per stream).
    if (deps.runtime.onConnectionClose) deps.runtime.onConnectionClose(c, gone);
    else c.req.raw.signal?.addEventListener('abort', gone, { once: true });
    const body = deps.runtime.eventStreamBody?.(sub) ?? sub.stream;
    return new Response(body, { status: 200, headers: { ...SSE_HEADERS, ...extraHeaders } });
  };
}
