/**
 * Clients of the gateway under test, over real sockets: publishing through
 * fetch, SSE through the raw reader, WebSocket through `ws`, and sample
 * events of the six built-in types, each tagged with a run marker so that a
 * check can filter out everyone else's events.
 */
import { publish as publishTo } from '../../helpers/http.ts';
import { SseReader } from '../../helpers/sse.ts';
import { WsClient } from '../../helpers/ws.ts';
import type { Target } from './target.ts';

export interface Published {
  status: number;
  body: any;
  headers: Headers;
}

/** POSTs to /api/events with the publish token; the body is JSON unless given as a string. */
export function publish(t: Target, body: unknown, headers: Record<string, string> = {}): Promise<Published> {
  return publishTo(t.url, body, { authorization: `Bearer ${t.publishToken}`, ...headers });
}

/** Publishes and insists on 202; returns the ids. */
export async function publishOk(t: Target, body: unknown): Promise<string[]> {
  const res = await publish(t, body);
  if (res.status !== 202) throw new Error(`publish answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.ids;
}

export async function stats(t: Target): Promise<any> {
  const res = await fetch(`${t.url}/api/events/stats`);
  if (res.status !== 200) throw new Error(`stats answered ${res.status}`);
  return res.json();
}

export const sse = (t: Target, query = '', headers: Record<string, string> = {}) => SseReader.open(`${t.url}/api/events/stream${query ? `?${query}` : ''}`, headers);
export const ws = (t: Target, query = '', headers: Record<string, string> = {}) => WsClient.open(`${t.url.replace(/^http/, 'ws')}/ws/events${query ? `?${query}` : ''}`, headers);

/** Waits until an SSE reader has its `ready` control (replay done, live from here). */
export const sseReady = (r: SseReader) => r.until((x) => x.named('ready').length > 0, 10_000, 'ready');

let seq = 0;
/** A marker unique to this run of the suite and this call: tag events with it and filter on meta.run. */
export function runMarker(): string {
  return `r${process.pid.toString(36)}${Date.now().toString(36)}${(++seq).toString(36)}`;
}

const METADATA: Record<string, (i: number) => Record<string, unknown>> = {
  query_route: (i) => ({ query_id: `q${i}`, complexity_score: 8.5, selected_tier: 'Q4', estimated_latency_ms: 12000, routing_reason: 'Complex multi-part analysis' }),
  model_state: () => ({ model_id: 'm1', previous_state: 'idle', current_state: 'active', reason: 'load', port: 8080 }),
  cgrag: (i) => ({ query_id: `q${i}`, chunks_retrieved: 5, relevance_threshold: 0.7, retrieval_time_ms: 40, total_tokens: 1200, cache_hit: false }),
  cache: (i) => ({ operation: 'get', key: `k${i}`, hit: true, latency_ms: 1.5, size_bytes: 512 }),
  error: () => ({ error_type: 'TimeoutError', error_message: 'too slow', component: 'router', stack_trace: null, recovery_action: 'retry' }),
  performance: () => ({ metric_name: 'p95_latency_ms', current_value: 100, threshold_value: 200, component: 'router', action_required: false }),
};

export const TYPES = Object.keys(METADATA);

let n = 0;
/** A valid event of `type`, tagged with `run`; `extra` is merged into its metadata. */
export function sample(type: string, run: string, extra: Record<string, unknown> = {}, severity?: string): Record<string, unknown> {
  const i = ++n;
  return { type, message: `${type} event ${i}`, metadata: { ...METADATA[type]!(i), run, ...extra }, ...(severity ? { severity } : {}) };
}

/** Publishes `count` events of `type` tagged `run`, in batches of `batch`; returns the ids in order. */
export async function publishMany(t: Target, run: string, count: number, type = 'cache', batch = 5, extra: Record<string, unknown> = {}): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += batch) {
    ids.push(
      ...(await publishOk(
        t,
        Array.from({ length: Math.min(batch, count - i) }, () => sample(type, run, extra)),
      )),
    );
  }
  return ids;
}

export const offset = (id: string) => Number(id.split('-')[1]);
export const epoch = (id: string) => id.split('-')[0]!;

export type Transport = 'sse' | 'ws';

/**
 * One subscriber on either transport, seen the same way: `messages` holds
 * events and controls in arrival order, controls as `{control: name, ...}`
 * (how WebSocket sends them; SSE sends them as named events).
 */
export class Sub {
  private constructor(
    readonly transport: Transport,
    private readonly s: SseReader | undefined,
    private readonly w: WsClient | undefined,
  ) {}

  /** SSE takes the cursor as Last-Event-ID (as EventSource does), WebSocket as last_event_id. */
  static async open(t: Target, transport: Transport, query: string, lastEventId?: string): Promise<Sub> {
    if (transport === 'sse') return new Sub('sse', await sse(t, query, lastEventId ? { 'last-event-id': lastEventId } : {}), undefined);
    const q = lastEventId ? `${query}${query ? '&' : ''}last_event_id=${encodeURIComponent(lastEventId)}` : query;
    return new Sub('ws', undefined, await ws(t, q));
  }

  get messages(): any[] {
    if (this.w) return this.w.messages;
    return this.s!.messages.map((m) => (m.event === 'message' ? JSON.parse(m.data) : { control: m.event, ...JSON.parse(m.data) }));
  }
  get events(): any[] {
    return this.messages.filter((m) => m.control === undefined);
  }
  controls(name: string): any[] {
    return this.messages.filter((m) => m.control === name);
  }
  async until(pred: (s: Sub) => boolean, ms = 10_000, what = 'condition'): Promise<void> {
    if (this.w) return this.w.until(() => pred(this), ms, what);
    return this.s!.until(() => pred(this), ms, what);
  }
  ready(): Promise<void> {
    return this.until((s) => s.controls('ready').length > 0, 10_000, 'ready');
  }
  close(): void {
    this.s?.close();
    this.w?.close();
  }
}
