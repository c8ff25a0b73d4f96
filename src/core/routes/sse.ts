/**
 * GET /api/events/stream: one subscriber as a Server-Sent Events response.
 * The response body is the subscriber's own ReadableStream; it opens with a
 * comment and a `retry:` hint, carries events without an `event:` name (so
 * `onmessage` sees them all), and control messages as named events.
 */
import type { Context } from 'hono';
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
  runtime: Pick<RuntimeAdapter, 'onConnectionClose'>;
  /** The `retry:` sent at the start of every stream. */
  sseRetryMs: number;
}

export function sseHandler(deps: SseDeps) {
  return (c: Context, spec: SubscriptionSpec, extraHeaders: Record<string, string>): Response => {
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
    });
    const gone = () => sub.close();
    // Where the runtime reports the connection closing (Node), that covers every
    // disconnect; the request signal is not needed (it costs an AbortController per stream).
    if (deps.runtime.onConnectionClose) deps.runtime.onConnectionClose(c, gone);
    else c.req.raw.signal?.addEventListener('abort', gone, { once: true });
    return new Response(sub.stream, { status: 200, headers: { ...SSE_HEADERS, ...extraHeaders } });
  };
}
