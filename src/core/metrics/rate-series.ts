/**
 * Counts per second over a sliding window (the operations view's chart):
 * one slot per second, reused when its second comes round again, so adding
 * is one array write and nothing runs on a timer.
 */
export class RateSeries<K extends string> {
  readonly keys: readonly K[];
  readonly seconds: number;
  readonly #stamp: Float64Array;
  readonly #counts: Float64Array[];

  constructor(keys: readonly K[], seconds = 300) {
    this.keys = keys;
    this.seconds = seconds;
    this.#stamp = new Float64Array(seconds).fill(-1);
    this.#counts = keys.map(() => new Float64Array(seconds));
  }

  add(key: K, n: number, nowMs: number): void {
    const sec = Math.floor(nowMs / 1000);
    const i = sec % this.seconds;
    if (this.#stamp[i] !== sec) {
      this.#stamp[i] = sec;
      for (const c of this.#counts) c[i] = 0;
    }
    this.#counts[this.keys.indexOf(key)]![i]! += n;
  }

  /**
   * The last `seconds` whole seconds before the current one, oldest first:
   * `end` is the second (Unix) just after the last slot; the current second
   * is left out because it is still filling.
   */
  read(nowMs: number): { end: number; series: Record<K, number[]> } {
    const end = Math.floor(nowMs / 1000);
    const series = {} as Record<K, number[]>;
    this.keys.forEach((k, ki) => {
      const c = this.#counts[ki]!;
      const out = new Array<number>(this.seconds);
      for (let j = 0; j < this.seconds; j++) {
        const sec = end - this.seconds + j;
        const i = sec % this.seconds;
        out[j] = this.#stamp[i] === sec ? c[i]! : 0;
      }
      series[k] = out;
    });
    return { end, series };
  }
}
