/**
 * The Operations tab, for someone with an admin grant: it reads GET /api/ops
 * once a second while the tab is open (the gateway picks the ten most
 * behind, so the answer stays small with 10,000 subscribers) and draws
 * published and delivered events per second by severity over the last five
 * minutes, subscribers by transport, the ten subscribers most behind, and
 * the drops, slow disconnects and gaps. Text goes in with textContent only.
 */
import { RateChart, type Severity } from './ops-chart.ts';

/** The part of GET /api/ops the tab draws. */
export interface OpsSnapshot {
  series_end: number;
  published_per_s: Record<Severity, number[]>;
  delivered_per_s: Record<Severity, number[]>;
  subscribers: { total: number; sse: number; ws: number };
  queue_events: number;
  queue_bytes: number;
  totals: { published: number; delivered: number; dropped: number; overflow_discarded: number; slow_disconnects: number; gaps: number };
  laggards: { id: number; transport: string; filter: unknown; queued_events: number; queued_bytes: number; lag_ms: number; dropped: number }[];
}

function node<K extends keyof HTMLElementTagNameMap>(tag: K, className = '', text?: string): HTMLElementTagNameMap[K] {
  const n = document.createElement(tag);
  if (className) n.className = className;
  if (text !== undefined) n.textContent = text;
  return n;
}

const bytes = (n: number) => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`);
const ms = (n: number) => (n >= 60_000 ? `${(n / 60_000).toFixed(1)} min` : n >= 1000 ? `${(n / 1000).toFixed(1)} s` : `${n} ms`);

/** A filter as the query a user would write (`types=error&min_severity=warning`), or "everything". */
export function filterText(f: unknown): string {
  if (!f || typeof f !== 'object') return 'everything';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(f as Record<string, unknown>)) {
    if (k === 'meta' && v && typeof v === 'object') for (const [mk, mv] of Object.entries(v)) parts.push(`meta.${mk}=${String(mv)}`);
    else if (Array.isArray(v)) parts.push(`${k}=${v.join(',')}`);
    else if (v !== undefined && v !== null) parts.push(`${k}=${String(v)}`);
  }
  return parts.length ? parts.join('&') : 'everything';
}

export interface OpsViewOptions {
  /** Fetches /api/ops (with the page's token when it has one). */
  load(): Promise<Response>;
  /** Told when the gateway refuses (401, 403): the tab is not for this visitor. */
  onRefused(status: number): void;
}

export class OpsView {
  readonly element: HTMLElement;
  readonly #published = new RateChart('published events per second', 'ops-published');
  readonly #delivered = new RateChart('delivered events per second', 'ops-delivered');
  readonly #tiles = new Map<string, HTMLElement>();
  readonly #laggards: HTMLTableSectionElement;
  readonly #none: HTMLElement;
  readonly #status: HTMLElement;
  readonly #o: OpsViewOptions;
  #timer = 0;
  #busy = false;

  constructor(o: OpsViewOptions) {
    this.#o = o;
    const root = node('div', 'ops');
    const tiles = node('div', 'ops-tiles');
    for (const [key, label] of [
      ['subscribers', 'subscribers'],
      ['sse', 'SSE'],
      ['ws', 'WebSocket'],
      ['queued', 'queued'],
      ['dropped', 'dropped'],
      ['slow', 'slow disconnects'],
      ['gaps', 'gaps'],
    ] as const) {
      const tile = node('div', 'ops-tile');
      const value = node('strong', '', '–');
      value.id = `ops-${key}`;
      tile.append(value, node('span', '', label));
      this.#tiles.set(key, value);
      tiles.append(tile);
    }
    const charts = node('div', 'ops-charts');
    charts.append(this.#published.element, this.#delivered.element);
    const table = node('table', 'ops-laggards');
    table.id = 'ops-laggards';
    const head = node('thead');
    const hr = node('tr');
    for (const h of ['#', 'transport', 'filter', 'queued events', 'queued bytes', 'lag']) hr.append(node('th', '', h));
    head.append(hr);
    this.#laggards = node('tbody');
    table.append(head, this.#laggards);
    this.#none = node('p', 'ops-none', 'No subscriber is behind.');
    this.#status = node('p', 'ops-status', '');
    this.#status.setAttribute('role', 'status');
    root.append(tiles, charts, node('h2', 'ops-heading', 'Most behind'), table, this.#none, this.#status);
    this.element = root;
  }

  /** Starts reading once a second (at once first). */
  start(): void {
    if (this.#timer) return;
    void this.refresh();
    this.#timer = window.setInterval(() => void this.refresh(), 1000);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = 0;
  }

  async refresh(): Promise<void> {
    if (this.#busy) return; // a slow answer is not stacked behind another
    this.#busy = true;
    try {
      const res = await this.#o.load();
      if (res.status === 401 || res.status === 403) {
        this.stop();
        this.#o.onRefused(res.status);
        return;
      }
      if (!res.ok) throw new Error(`the gateway answered ${res.status}`);
      this.draw((await res.json()) as OpsSnapshot);
      this.#status.textContent = '';
    } catch (err) {
      this.#status.textContent = `operations data unavailable: ${(err as Error).message}`;
    } finally {
      this.#busy = false;
    }
  }

  draw(s: OpsSnapshot): void {
    this.#published.update(s.published_per_s);
    this.#delivered.update(s.delivered_per_s);
    const t = this.#tiles;
    t.get('subscribers')!.textContent = String(s.subscribers.total);
    t.get('sse')!.textContent = String(s.subscribers.sse);
    t.get('ws')!.textContent = String(s.subscribers.ws);
    t.get('queued')!.textContent = `${s.queue_events} · ${bytes(s.queue_bytes)}`;
    t.get('dropped')!.textContent = String(s.totals.dropped + s.totals.overflow_discarded);
    t.get('slow')!.textContent = String(s.totals.slow_disconnects);
    t.get('gaps')!.textContent = String(s.totals.gaps);
    const rows = s.laggards.map((l) => {
      const tr = node('tr');
      tr.dataset.subscriber = String(l.id);
      tr.append(
        node('td', '', String(l.id)),
        node('td', '', l.transport),
        node('td', 'ops-filter', filterText(l.filter)),
        node('td', 'num', String(l.queued_events)),
        node('td', 'num', bytes(l.queued_bytes)),
        node('td', 'num', ms(l.lag_ms)),
      );
      return tr;
    });
    this.#laggards.replaceChildren(...rows);
    this.#none.hidden = rows.length > 0;
  }
}
