/**
 * Why a connection ended or was refused, and what the client does about it.
 * A WebSocket close is reported unless it is part of normal operation.
 * Neither EventSource nor a browser WebSocket shows a refusal's status or
 * body, so the client asks the SSE endpoint with the same request (a fetch).
 * A refusal that another attempt with the same request cannot fix (400, 401,
 * 403, 404) ends the client, except a 401 when the token comes from a
 * function, which is asked again for the next attempt (after the backoff).
 * A refused cursor is dropped, with a gap.
 */
import { WS_CLOSE, type GapControl } from '../protocol.ts';
import type { CloseInfo } from './transports.ts';
import type { ClientError } from './types.ts';

/** Closes that are part of normal operation (4401 follows `token_expired`, and the client resumes with a new token). */
const QUIET_CLOSE = new Set<number>([WS_CLOSE.normal, WS_CLOSE.goingAway, 1006, WS_CLOSE.tryAgainLater, WS_CLOSE.tokenExpired]);

/** What to report of a WebSocket close; undefined for a quiet one (and for SSE, which has no close code). */
export function closeError(info: CloseInfo): ClientError | undefined {
  if (info.code === undefined || QUIET_CLOSE.has(info.code)) return undefined;
  return { error: 'closed', code: info.code, message: `the gateway closed the WebSocket: ${info.code} ${info.reason ?? ''}`.trim() };
}

/** Refusals that another attempt with the same request cannot fix. */
const FATAL_STATUS = new Set([400, 401, 403, 404]);

/** What the client does after a refusal: drop its cursor, stop, or try again after the backoff. */
export function afterRefusal(err: ClientError, o: { cursor: string | null; tokenFunction: boolean }): 'drop-cursor' | 'stop' | 'retry' {
  if (err.field === 'last_event_id' && o.cursor !== null) return 'drop-cursor';
  if (err.status === 401 && o.tokenFunction) return 'retry';
  return err.status !== undefined && FATAL_STATUS.has(err.status) ? 'stop' : 'retry';
}

/** The gap a client reports when the gateway refused its cursor (junk in a storage, or one from another gateway). */
export function refusedCursorGap(requested: string, err: ClientError): GapControl {
  return {
    control: 'gap',
    requested,
    reason: 'invalid',
    resume_from: null,
    missed: null,
    message: `the gateway refused the cursor (${err.message}); subscribing afresh, so events since it may be missing`,
  };
}

export interface Refusal {
  status: number;
  body: unknown;
}

/**
 * Asks the SSE endpoint why a connection that never opened was refused. The
 * WebSocket endpoint validates its query and token the same way. Undefined
 * when the stream would open, or on a network error.
 */
export async function probe(url: string, headers?: Record<string, string>): Promise<Refusal | undefined> {
  const ctl = new AbortController();
  try {
    const res = await fetch(url, { headers: { ...headers, accept: 'text/event-stream' }, signal: ctl.signal });
    if (res.status === 200) return undefined;
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, body };
  } catch {
    return undefined;
  } finally {
    ctl.abort();
  }
}

/** What the client reports for a refusal: the gateway's own `error`, `field` and `message` when it sent JSON. */
export function refusalError(refusal: Refusal): ClientError {
  const body = (refusal.body && typeof refusal.body === 'object' ? refusal.body : { message: String(refusal.body) }) as Partial<ClientError>;
  return {
    error: body.error ?? `http_${refusal.status}`,
    status: refusal.status,
    field: body.field,
    message: body.message ?? `the gateway answered ${refusal.status}`,
  };
}
