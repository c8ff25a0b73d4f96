/**
 * A small metrics registry for the web-standard core (no runtime APIs, so it
 * runs on Workers too). Families are declared once, with a fixed set of
 * label names; a family's samples are either kept here (Counter, Histogram)
 * or read at scrape (`collect`). Labels must stay bounded: the caller passes
 * values from a fixed set (transport, reason), never per subscriber or cursor.
 *
 * Contract: a family name is unique in a registry, a counter's name ends in
 * `_total`, histogram bounds are strictly increasing, and the exposition of
 * everything registered passes `promtool check metrics`.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram';
export type Labels = Readonly<Record<string, string>>;

export interface ScalarSample {
  labels: Labels;
  value: number;
}

export interface HistogramSample {
  labels: Labels;
  /** Upper bounds, increasing; +Inf is implied. */
  bounds: readonly number[];
  /** Observations per bucket (not cumulative); one more than `bounds` (the +Inf bucket). */
  counts: readonly number[];
  sum: number;
  count: number;
}

export interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  samples(): ScalarSample[] | HistogramSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A histogram kept in memory: fixed bounds, one add per observation. */
export class Histogram {
  readonly bounds: readonly number[];
  readonly #counts: number[];
  #sum = 0;
  #count = 0;

  constructor(bounds: readonly number[]) {
    for (let i = 1; i < bounds.length; i++) if (!(bounds[i]! > bounds[i - 1]!)) throw new Error('histogram bounds must increase');
    this.bounds = bounds;
    this.#counts = new Array<number>(bounds.length + 1).fill(0);
  }

  observe(v: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && v > b[i]!) i++;
    this.#counts[i]!++;
    this.#sum += v;
    this.#count++;
  }

  sample(labels: Labels = {}): HistogramSample {
    return { labels, bounds: this.bounds, counts: this.#counts.slice(), sum: this.#sum, count: this.#count };
  }
}

export class Registry {
  readonly #families = new Map<string, Family>();

  #add(f: Family, labelNames: readonly string[]): void {
    if (!NAME.test(f.name)) throw new Error(`bad metric name ${f.name}`);
    if (this.#families.has(f.name)) throw new Error(`metric ${f.name} is registered twice`);
    if (f.type === 'counter' && !f.name.endsWith('_total')) throw new Error(`counter ${f.name} must end in _total`);
    for (const l of labelNames) if (!LABEL.test(l) || l === 'le') throw new Error(`bad label name ${l} on ${f.name}`);
    this.#families.set(f.name, f);
  }

  /** A counter or gauge read at scrape: `collect` returns its current samples. */
  scalar(type: 'counter' | 'gauge', name: string, help: string, labelNames: readonly string[], collect: () => ScalarSample[]): void {
    this.#add({ name, help, type, samples: collect }, labelNames);
  }

  /** A histogram: `collect` returns its samples (usually `[h.sample()]`). */
  histogram(name: string, help: string, labelNames: readonly string[], collect: () => HistogramSample[]): void {
    this.#add({ name, help, type: 'histogram', samples: collect }, labelNames);
  }

  families(): IterableIterator<Family> {
    return this.#families.values();
  }
}
