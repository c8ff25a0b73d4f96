/**
 * Limits, each counted when reached: concurrent subscriptions per client
 * address, a publish rate per publisher (token bucket: a rate in events per
 * second and a burst), and a per-socket message rate for WebSocket clients.
 */

/** Concurrent holders per key (a client address), at most `max` each; 0 = no limit. */
export class ConcurrencyLimit {
  readonly #max: number;
  readonly #held = new Map<string, number>();
  constructor(max: number) {
    this.#max = max;
  }
  get enabled(): boolean {
    return this.#max > 0;
  }
  get max(): number {
    return this.#max;
  }
  /** Takes a place for `key`; returns the release (call once), or undefined when `key` is at the limit. */
  acquire(key: string): (() => void) | undefined {
    if (!this.enabled) return () => {};
    const n = this.#held.get(key) ?? 0;
    if (n >= this.#max) return undefined;
    this.#held.set(key, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#held.get(key) ?? 1) - 1;
      if (left <= 0) this.#held.delete(key);
      else this.#held.set(key, left);
    };
  }
}

/** One token bucket: `rate` per second, holding at most `burst`. */
export class Bucket {
  #level: number;
  #at: number;
  constructor(
    readonly rate: number,
    readonly burst: number,
    now = Date.now(),
  ) {
    this.#level = burst;
    this.#at = now;
  }
  #refill(now: number): void {
    if (now > this.#at) this.#level = Math.min(this.burst, this.#level + ((now - this.#at) / 1000) * this.rate);
    this.#at = now;
  }
  /** Takes `n`; returns 0 when it could, else the seconds until it could (the bucket is left as it was). */
  take(n: number, now = Date.now()): number {
    this.#refill(now);
    if (this.#level >= n) {
      this.#level -= n;
      return 0;
    }
    if (n > this.burst) return Infinity;
    return (n - this.#level) / this.rate;
  }
  /** Full again by `now`: nothing to remember. */
  idle(now: number): boolean {
    this.#refill(now);
    return this.#level >= this.burst;
  }
}

/** Token buckets per key (publisher); forgets full buckets so memory stays bounded by active publishers. */
export class RateLimit {
  readonly #buckets = new Map<string, Bucket>();
  #sweepAt = 0;
  constructor(
    readonly rate: number,
    readonly burst: number,
  ) {}
  get enabled(): boolean {
    return this.rate > 0;
  }
  /** 0 when `n` may pass now; else seconds to wait (Infinity when `n` exceeds the burst). */
  take(key: string, n: number, now = Date.now()): number {
    if (!this.enabled) return 0;
    if (this.#buckets.size > 10_000 && now >= this.#sweepAt) {
      this.#sweepAt = now + 1000;
      for (const [k, b] of this.#buckets) if (b.idle(now)) this.#buckets.delete(k);
    }
    let b = this.#buckets.get(key);
    if (!b) this.#buckets.set(key, (b = new Bucket(this.rate, this.burst, now)));
    return b.take(n, now);
  }
}

/** What the limits and the auth checks refused, for the stats totals. */
export interface AuthCounters {
  auth_refused: number;
  auth_forbidden: number;
  subscribers_per_ip_refused: number;
  publish_rate_limited: number;
  ws_rate_closed: number;
  tokens_expired: number;
}

export function newAuthCounters(): AuthCounters {
  return { auth_refused: 0, auth_forbidden: 0, subscribers_per_ip_refused: 0, publish_rate_limited: 0, ws_rate_closed: 0, tokens_expired: 0 };
}
