/**
 * POST /api/events: one event or an array, all validated before any is
 * stored. 202 with the ids in order; 400 bad UTF-8 or JSON, 401 auth, 413 too large,
 * 415 content type, 422 schema problems (each with its path), 503 when the
 * store cannot take it. Nothing of a rejected request is published.
 */
import type { Context } from 'hono';
import type { GatewayAuth } from '../auth/gateway-auth.ts';
import { admitPublish, identifyPublisher } from '../auth/publisher.ts';
import type { GatewayConfig } from '../config.ts';
import type { Envelope, NewEvent } from '../event.ts';
import { jsonError } from '../http-error.ts';
import { bodyFingerprint, readIdempotencyKey, type IdempotencyClaim, type OnceResult } from '../idempotency.ts';
import type { Logger } from '../logger.ts';
import type { EventRegistry } from '../registry.ts';
import type { RuntimeAdapter } from '../runtime.ts';
import { BackendUnavailableError } from '../store.ts';
import type { PeerTrust } from '../peer.ts';
import { validateBody } from '../validate.ts';

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Reads at most `limit` bytes of the body; undefined when it is larger. */
async function readLimited(req: Request, limit: number): Promise<Uint8Array | undefined> {
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    parts.push(value);
  }
  if (parts.length === 1) return parts[0]!;
  const all = new Uint8Array(total);
  let at = 0;
  for (const p of parts) all.set(p, at), (at += p.byteLength);
  return all;
}

/** What the publish route needs. */
export interface PublishDeps {
  config: Pick<GatewayConfig, 'publishToken' | 'maxBodyBytes' | 'maxBatch' | 'idempotencyTtlMs'>;
  registry: EventRegistry;
  runtime: Pick<RuntimeAdapter, 'readBody'>;
  /** How the client is judged for the loopback-only rule (no PUBLISH_TOKEN). */
  peers: PeerTrust;
  /** Publish grants and the publish rate. */
  auth: GatewayAuth;
  /** Stores a validated batch atomically and fans it out. */
  publish(events: NewEvent[]): Promise<Envelope[]>;
  /** The same, unless the claim's key was used within its window (core/idempotency.ts). */
  publishOnce(events: NewEvent[], claim: IdempotencyClaim): Promise<OnceResult<Envelope[]>>;
  /** Counts `count` events refused for `reason` (the error code answered). */
  rejected(reason: string, count: number): void;
  log: Logger;
}

export function publishHandler(deps: PublishDeps) {
  const { config } = deps;
  return async (c: Context): Promise<Response> => {
    const who = await identifyPublisher({ auth: deps.auth, publishToken: config.publishToken, peers: deps.peers }, c);
    if (who instanceof Response) return who;
    const idem = readIdempotencyKey(c.req.header('idempotency-key'));
    if (idem.error) return jsonError(c, 400, { error: 'invalid_idempotency_key', field: 'Idempotency-Key', message: idem.error });
    const ct = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (ct !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(ct)) {
      return jsonError(c, 415, { error: 'unsupported_media_type', field: 'Content-Type', message: `expected application/json, got ${ct || 'none'}` });
    }
    const declared = Number(c.req.header('content-length') ?? '0');
    const tooLarge = () => jsonError(c, 413, { error: 'payload_too_large', field: 'body', message: `body is larger than MAX_BODY_BYTES (${config.maxBodyBytes} bytes)` });
    if (declared > config.maxBodyBytes) return tooLarge();
    // The runtime's own body reader when it has one (Node: straight from the socket, no web Request built).
    const bytes = await (deps.runtime.readBody?.(c, config.maxBodyBytes) ?? readLimited(c.req.raw, config.maxBodyBytes));
    if (bytes === undefined) return tooLarge();
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      return jsonError(c, 400, {
        error: 'invalid_utf8',
        field: 'body',
        message: 'body is not valid UTF-8 (an overlong form, an encoded surrogate, a code point past U+10FFFF or a cut-off sequence); nothing was published',
      });
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      return jsonError(c, 400, { error: 'invalid_json', field: 'body', message: `body is not valid JSON: ${(err as Error).message}` });
    }
    if (Array.isArray(body) && body.length > config.maxBatch) {
      return jsonError(c, 413, { error: 'batch_too_large', field: 'body', message: `batch of ${body.length} events is larger than MAX_BATCH (${config.maxBatch})` });
    }
    const result = validateBody(body, deps.registry);
    if (!result.ok) {
      deps.rejected('validation_failed', Array.isArray(body) ? body.length : 1);
      return jsonError(c, 422, {
        error: 'validation_failed',
        message: `${result.problems.length} problem(s) in the published events; nothing was published`,
        problems: result.problems,
      });
    }
    const refused = admitPublish(
      deps.auth,
      who,
      c,
      result.events.map((e) => e.type),
      Array.isArray(body),
    );
    if (refused) {
      deps.rejected(refused.status === 429 ? 'rate_limited' : 'forbidden', result.events.length);
      return refused;
    }
    try {
      if (!idem.key) return c.json({ ids: (await deps.publish(result.events)).map((e) => e.event.id) }, 202);
      const r = await deps.publishOnce(result.events, { key: idem.key, fingerprint: await bodyFingerprint(bytes), ttlMs: config.idempotencyTtlMs });
      if (r.kind === 'conflict') {
        return jsonError(c, 422, {
          error: 'idempotency_key_reused',
          field: 'Idempotency-Key',
          message: 'this Idempotency-Key came with another body within IDEMPOTENCY_TTL_MS; nothing was published (use a new key for a new batch)',
        });
      }
      // A repeat stores nothing and answers what the first request was answered.
      if (r.kind === 'repeat') return c.json({ ids: r.ids }, 202, { 'Idempotent-Replayed': 'true' });
      return c.json({ ids: r.value.map((e) => e.event.id) }, 202);
    } catch (err) {
      if (err instanceof BackendUnavailableError) {
        return jsonError(c, 503, { error: 'store_unavailable', message: `events were not published: ${err.message}` }, { 'Retry-After': '1' });
      }
      deps.log('error', 'publish failed', err);
      return jsonError(c, 500, { error: 'publish_failed', message: 'events were not published: internal error' });
    }
  };
}
