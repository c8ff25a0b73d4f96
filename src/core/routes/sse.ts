/**
 * GET /api/events/stream: one subscriber as a Server-Sent Events response.
 * The response body is the subscriber's own ReadableStream; it opens with a
 * comment and a `retry:` hint, carries events without an `event:` name (so
 * `onmessage` sees them all), and control messages as named events.
 */
import type { Context } from 'hono';
import { sseCodec } from '../codec.ts';
import type { GatewayInternals } from '../gateway.ts';
import { sseOpening } from '../sse.ts';
import type { SubscriptionSpec } from '../subscription.ts';

export const SSE_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache',
  'X-Accel-Buffering': 'no',
} as const;

export function sseHandler(gw: GatewayInternals) {
  return (c: Context, spec: SubscriptionSpec, extraHeaders: Record<string, string>): Response => {
    // EventSource sends Last-Event-ID on its own reconnects; the query covers the first connection.
    const header = c.req.header('last-event-id');
    const cursor = header !== undefined && header !== '' ? header : spec.cursor;
    const sub = gw.bus.subscribe({
      transport: 'sse',
      codec: sseCodec,
      filter: spec.filter,
      policy: spec.policy,
      cursor,
      replay: spec.replay,
      initial: sseOpening(gw.config.sseRetryMs),
    });
    const gone = () => sub.close();
    // Where the runtime reports the connection closing (Node), that covers every
    // disconnect; the request signal is not needed (it costs an AbortController per stream).
    if (gw.runtime.onConnectionClose) gw.runtime.onConnectionClose(c, gone);
    else c.req.raw.signal?.addEventListener('abort', gone, { once: true });
    return new Response(sub.stream, { status: 200, headers: { ...SSE_HEADERS, ...extraHeaders } });
  };
}
