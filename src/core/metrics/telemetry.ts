/**
 * The gateway's telemetry: what the bus reports (BusObserver), kept as the
 * counters and histograms /metrics exposes, the per-second series the
 * operations view draws, and the debug and aggregated warning lines the log
 * gets. Every label value comes from a fixed set.
 */
import type { GapControl } from '../control.ts';
import type { Envelope } from '../event.ts';
import { LogAggregator } from '../log-aggregate.ts';
import type { Logger } from '../logger.ts';
import type { Refusal } from '../routes/refusals.ts';
import { SEVERITIES, type Severity } from '../schemas.ts';
import type { EndReason, Subscriber, Transport } from '../subscriber.ts';
import type { BusObserver } from './observer.ts';
import { RateSeries } from './rate-series.ts';
import { Histogram } from './registry.ts';

export const TRANSPORTS: readonly Transport[] = ['sse', 'ws'];
export const GAP_REASONS: readonly GapControl['reason'][] = ['expired', 'unknown_epoch', 'invalid', 'ahead'];
/** Why a publish request was refused; anything else is counted as `other`. */
export const REJECT_REASONS = [
  'invalid_json',
  'unsupported_media_type',
  'payload_too_large',
  'validation_failed',
  'unauthorized',
  'forbidden',
  'rate_limited',
  'store_unavailable',
  'other',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** Error codes of publish refusals, as the metric's reason. */
const REJECT_CODE: Record<string, RejectReason> = {
  invalid_json: 'invalid_json',
  unsupported_media_type: 'unsupported_media_type',
  payload_too_large: 'payload_too_large',
  batch_too_large: 'payload_too_large',
  validation_failed: 'validation_failed',
  unauthorized: 'unauthorized',
  forbidden: 'forbidden',
  rate_limited: 'rate_limited',
  too_many_requests: 'rate_limited',
  store_unavailable: 'store_unavailable',
  shutting_down: 'store_unavailable',
};

/** Paths named in refusal log lines (anything else is `other`, so the log keys stay bounded). */
const KNOWN_PATHS = ['/api/events/stream', '/ws/events', '/api/events/stats', '/api/ops', '/metrics', '/api/events'];

/** Who was refused, for the first line of a refusal: status, the judged client address, and the proxy it came through. */
function whoFields(r: Refusal): Record<string, unknown> {
  return { status: r.status, client: r.client ?? 'unknown', ...(r.proxy === undefined ? {} : { proxy: r.proxy }) };
}

const byTransport = () => ({ sse: 0, ws: 0 }) as Record<Transport, number>;
const zeroes = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

export interface TelemetryOptions {
  log: Logger;
  /** Interval of the aggregated warning lines. Default 10 s. */
  logIntervalMs?: number;
}

export class Telemetry implements BusObserver {
  readonly deliveredBy = byTransport();
  readonly slowDisconnectsBy = byTransport();
  readonly replays = { full: 0, gap: 0 };
  readonly gaps = zeroes(GAP_REASONS);
  readonly rejected = zeroes(REJECT_REASONS);
  readonly batchEvents = new Histogram([1, 2, 5, 10, 25, 50, 100, 250, 500, 1000]);
  /** Sampled once per flush run: from an event reaching the bus to its handover to the transport's stream. */
  readonly deliveryLatency = new Histogram([0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
  /** Every subscriber's oldest queued age, observed once per /metrics scrape. */
  readonly subscriberLag = new Histogram([0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]);
  /** Events per second by severity: arrived at the bus, and queued to subscribers. */
  readonly arrivedPerSecond = new RateSeries<Severity>(SEVERITIES);
  readonly deliveredPerSecond = new RateSeries<Severity>(SEVERITIES);
  readonly #log: Logger;
  readonly #warnings: LogAggregator;
  #now = 0;

  constructor(o: TelemetryOptions) {
    this.#log = o.log;
    this.#warnings = new LogAggregator(o.log, o.logIntervalMs);
  }

  published(envs: readonly Envelope[]): void {
    this.batchEvents.observe(envs.length);
  }

  arrived(envs: readonly Envelope[], now: number): void {
    this.#now = now;
    for (let i = 0; i < envs.length; i++) this.arrivedPerSecond.add(envs[i]!.event.severity, 1, now);
  }

  fannedOut(severity: Severity, n: number): void {
    this.deliveredPerSecond.add(severity, n, this.#now);
  }

  delivered(transport: Transport, n: number): void {
    this.deliveredBy[transport] += n;
  }

  flushed(ageMs: number): void {
    this.deliveryLatency.observe(ageMs / 1000);
  }

  slowDisconnect(transport: Transport, lost: number): void {
    this.slowDisconnectsBy[transport]++;
    this.#warnings.record(
      'warn',
      `slow:${transport}`,
      { transport },
      { lost },
      () => [`slow ${transport} subscriber disconnected (overflow); it resumes by replay`, { discarded: lost }],
      (n, s) => `${n} more slow ${transport} subscribers disconnected (overflow), ${s.lost ?? 0} queued events discarded`,
    );
  }

  /** Something the bus could not hand to a caller (a failed replay read): aggregated, as an outage fails every replay at once. */
  busFailed(where: string, err: unknown): void {
    this.#warnings.record(
      'warn',
      `bus:${where}`,
      {},
      {},
      () => [`bus: ${where} failed`, { error: err instanceof Error ? err.message : String(err) }],
      (n) => `bus: ${n} more ${where} failures`,
    );
  }

  dropped(transport: Transport, lost: number): void {
    this.#warnings.record(
      'warn',
      `drop:${transport}`,
      { transport },
      { lost },
      () => [`${transport} subscriber fell behind and lost its oldest events (on_overflow=drop)`, { dropped: lost }],
      (n, s) => `${n} more drops on ${transport} subscribers (on_overflow=drop), ${s.lost ?? 0} events dropped`,
    );
  }

  replayed(gap: GapControl | undefined): void {
    if (gap) {
      this.replays.gap++;
      this.gaps[gap.reason]++;
    } else this.replays.full++;
  }

  streamBreak(reason: GapControl['reason']): void {
    this.gaps[reason]++;
  }

  subscribed(sub: Subscriber<any>): void {
    this.#log('debug', 'subscriber opened', { subscriber: sub.id, transport: sub.transport, filter: sub.filter, on_overflow: sub.policy });
  }

  ended(sub: Subscriber<any>, reason: EndReason): void {
    this.#log('debug', 'subscriber ended', {
      subscriber: sub.id,
      transport: sub.transport,
      reason,
      duration_ms: Date.now() - sub.createdAt,
      delivered: sub.delivered,
      dropped: sub.dropped,
    });
  }

  /**
   * A refused publish request: counted by reason, logged once per reason (and,
   * for an auth refusal, per why) and interval, with the judged client address.
   */
  publishRejected(r: Refusal): void {
    const reason = REJECT_CODE[r.code] ?? 'other';
    this.rejected[reason]++;
    const auth = reason === 'unauthorized' || reason === 'forbidden';
    const why = r.why === undefined ? '' : ` (${r.why})`;
    this.#warnings.record(
      auth ? 'warn' : 'info',
      `reject:${reason}:${r.why ?? ''}`,
      { reason, ...(r.why === undefined ? {} : { why: r.why }) },
      {},
      () => [`publish refused: ${r.code}${why}`, whoFields(r)],
      (n) => `${n} more publishes refused (${reason}${r.why === undefined ? '' : `: ${r.why}`})`,
    );
  }

  /** A 401 or 403 outside publishing (a subscription, an operator endpoint): logged once per path, code and why per interval. */
  accessRefused(path: string, r: Refusal): void {
    const where = KNOWN_PATHS.includes(path) ? path : 'other';
    const why = r.why === undefined ? '' : ` (${r.why})`;
    this.#warnings.record(
      'warn',
      `refused:${where}:${r.code}:${r.why ?? ''}`,
      { path: where, reason: r.code, ...(r.why === undefined ? {} : { why: r.why }) },
      {},
      () => [`access refused on ${where}: ${r.code}${why}`, whoFields(r)],
      (n) => `${n} more refusals on ${where} (${r.code}${r.why === undefined ? '' : `: ${r.why}`})`,
    );
  }

  /** Logs the pending summaries now (drain, close). */
  flushLogs(): void {
    this.#warnings.flush();
  }
}
