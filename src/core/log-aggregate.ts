/**
 * Warnings that can come in floods (slow consumers cut off, events dropped,
 * publishes refused) are logged once per key and interval: the first one at
 * once, the rest counted and summed up in one line when the interval ends.
 * A flood of a thousand slow clients is two lines, not a thousand.
 */
import type { Logger, LogLevel } from './logger.ts';

interface Pending {
  level: LogLevel;
  count: number;
  sums: Record<string, number>;
  common: Record<string, unknown>;
  summary: (count: number, sums: Record<string, number>) => string;
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
   * One occurrence of `key`, with numbers to add up (`{lost: 12}`) and the
   * fields every occurrence of the key shares (`{reason}`), which go on both
   * lines. The first in an interval is logged at once, as `first` says, with
   * its own fields; later ones are summed and logged as `summary(count, sums)`
   * when the interval ends.
   */
  record(
    level: LogLevel,
    key: string,
    common: Record<string, unknown>,
    numbers: Record<string, number>,
    first: () => [string, Record<string, unknown>],
    summary: (count: number, sums: Record<string, number>) => string,
  ): void {
    const w = this.#windows.get(key);
    if (!w) {
      const [msg, fields] = first();
      this.#log(level, msg, { ...common, ...fields });
      this.#windows.set(key, { level, count: 0, sums: {}, common, summary });
      if (this.#timer === undefined) {
        this.#timer = setTimeout(() => this.flush(), this.#intervalMs);
        (this.#timer as { unref?: () => void }).unref?.();
      }
      return;
    }
    w.count++;
    for (const k in numbers) w.sums[k] = (w.sums[k] ?? 0) + numbers[k]!;
  }

  /** Ends the interval: logs every summary with a count, and forgets the keys. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const w of this.#windows.values()) {
      if (w.count > 0) this.#log(w.level, w.summary(w.count, w.sums), { ...w.common, count: w.count, ...w.sums, interval_s: this.#intervalMs / 1000 });
    }
    this.#windows.clear();
  }
}
