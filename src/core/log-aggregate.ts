/**
 * Warnings that can come in floods (slow consumers cut off, events dropped,
 * publishes refused) are logged once per key and interval: the first one at
 * once, the rest counted and summed up in one line when the interval ends.
 * A flood of a thousand slow clients is two lines, not a thousand.
 */
import type { Logger, LogLevel } from './logger.ts';

interface Pending {
  count: number;
  fields: Record<string, number>;
}

export class LogAggregator {
  readonly #log: Logger;
  readonly #intervalMs: number;
  readonly #windows = new Map<string, Pending>();
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(log: Logger, intervalMs = 10_000) {
    this.#log = log;
    this.#intervalMs = intervalMs;
  }

  /**
   * One occurrence of `key`, with numbers to add up (`{lost: 12}`). The first
   * in an interval is logged at once as `first`; later ones are summed and
   * logged as `summary(count, sums)` when the interval ends.
   */
  record(level: LogLevel, key: string, numbers: Record<string, number>, first: () => [string, Record<string, unknown>], summary: (count: number, sums: Record<string, number>) => string): void {
    const w = this.#windows.get(key);
    if (!w) {
      const [msg, fields] = first();
      this.#log(level, msg, fields);
      this.#windows.set(key, { count: 0, fields: {} });
      this.#arm(level, key, summary);
      return;
    }
    w.count++;
    for (const k in numbers) w.fields[k] = (w.fields[k] ?? 0) + numbers[k]!;
  }

  readonly #summaries = new Map<string, [LogLevel, (count: number, sums: Record<string, number>) => string]>();
  #arm(level: LogLevel, key: string, summary: (count: number, sums: Record<string, number>) => string): void {
    this.#summaries.set(key, [level, summary]);
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => this.flush(), this.#intervalMs);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /** Ends the interval: logs every summary with a count, and forgets the keys. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const [key, w] of this.#windows) {
      const s = this.#summaries.get(key);
      if (w.count > 0 && s) this.#log(s[0], s[1](w.count, w.fields), { key, count: w.count, ...w.fields, interval_s: this.#intervalMs / 1000 });
    }
    this.#windows.clear();
    this.#summaries.clear();
  }
}
