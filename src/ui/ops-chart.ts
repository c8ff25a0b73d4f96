/**
 * A per-second rate chart in SVG of our own (no library, nothing inline the
 * page's CSP would refuse): one line per severity over the last five
 * minutes, a y axis scaled to the window's peak, and the last second's
 * rates in the legend. Built once; each update rewrites only the lines'
 * `points`, the axis labels and the legend.
 */
const SVG = 'http://www.w3.org/2000/svg';
const W = 600;
const H = 150;
const LEFT = 44;
const RIGHT = 8;
const TOP = 10;
const BOTTOM = 22;

export type Severity = 'info' | 'warning' | 'error';
export const CHART_SEVERITIES: readonly Severity[] = ['info', 'warning', 'error'];

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const n = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
  if (text !== undefined) n.textContent = text;
  return n;
}

/** A round number at or above `v` (1, 2 or 5 times a power of ten), at least 1. */
export function niceCeiling(v: number): number {
  if (!(v > 1)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

const rate = (n: number) => (n >= 10_000 ? `${(n / 1000).toFixed(0)}k` : n >= 1000 ? `${(n / 1000).toFixed(1)}k` : String(Math.round(n)));

export class RateChart {
  readonly element: SVGSVGElement;
  readonly #lines = new Map<Severity, SVGPolylineElement>();
  readonly #legend = new Map<Severity, SVGTextElement>();
  readonly #top: SVGTextElement;
  readonly #mid: SVGTextElement;

  constructor(title: string, id: string) {
    const root = svg('svg', { viewBox: `0 0 ${W} ${H + 18}`, class: 'ops-chart', id, role: 'img', 'aria-label': title });
    root.append(svg('title', {}, title));
    root.append(svg('text', { x: LEFT, y: H + 14, class: 'ops-chart-title' }, title));
    const plotW = W - LEFT - RIGHT;
    const plotH = H - TOP - BOTTOM;
    for (const f of [0, 0.5, 1]) root.append(svg('line', { x1: LEFT, x2: W - RIGHT, y1: TOP + plotH * f, y2: TOP + plotH * f, class: 'ops-grid' }));
    this.#top = svg('text', { x: LEFT - 6, y: TOP + 4, class: 'ops-axis', 'text-anchor': 'end' }, '1');
    this.#mid = svg('text', { x: LEFT - 6, y: TOP + plotH / 2 + 4, class: 'ops-axis', 'text-anchor': 'end' }, '0.5');
    root.append(this.#top, this.#mid, svg('text', { x: LEFT - 6, y: TOP + plotH + 4, class: 'ops-axis', 'text-anchor': 'end' }, '0'));
    for (let m = 5; m >= 0; m--) {
      const x = LEFT + plotW * (1 - m / 5);
      root.append(svg('text', { x, y: H - 6, class: 'ops-axis', 'text-anchor': m === 0 ? 'end' : 'middle' }, m === 0 ? 'now' : `−${m} min`));
    }
    CHART_SEVERITIES.forEach((sev, i) => {
      const line = svg('polyline', { class: `ops-line ops-${sev}`, fill: 'none', points: '', 'data-severity': sev });
      this.#lines.set(sev, line);
      root.append(line);
      const label = svg('text', { x: W - RIGHT - (2 - i) * 120, y: H + 14, class: `ops-legend ops-${sev}`, 'text-anchor': 'end' }, `${sev} 0/s`);
      this.#legend.set(sev, label);
      root.append(label);
    });
    this.element = root;
  }

  /** Redraws from per-second counts, oldest first (all series of the same length). */
  update(series: Record<Severity, readonly number[]>): void {
    let peak = 0;
    for (const s of CHART_SEVERITIES) for (const v of series[s]) if (v > peak) peak = v;
    const max = niceCeiling(peak);
    this.#top.textContent = `${rate(max)}/s`;
    this.#mid.textContent = rate(max / 2);
    const plotW = W - LEFT - RIGHT;
    const plotH = H - TOP - BOTTOM;
    for (const sev of CHART_SEVERITIES) {
      const values = series[sev];
      const n = values.length;
      const pts = new Array<string>(n);
      for (let i = 0; i < n; i++) {
        const x = LEFT + (n > 1 ? (plotW * i) / (n - 1) : 0);
        const y = TOP + plotH * (1 - values[i]! / max);
        pts[i] = `${x.toFixed(1)},${y.toFixed(1)}`;
      }
      this.#lines.get(sev)!.setAttribute('points', pts.join(' '));
      this.#legend.get(sev)!.textContent = `${sev} ${rate(values[n - 1] ?? 0)}/s`;
    }
  }
}
