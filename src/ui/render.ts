/**
 * DOM for one event: its row in a list and its details panel. Event data is
 * untrusted: it only ever goes into the page as text (textContent), never as
 * markup.
 */
import type { GatewayEvent } from '../protocol.ts';

const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });

/** The element with this id; the page's HTML has every one the scripts use. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`the page has no #${id}`);
  return e as T;
}

/** `seconds` (Unix seconds) as a wall-clock time with milliseconds. */
export function formatTime(seconds: number): string {
  const d = new Date(seconds * 1000);
  if (Number.isNaN(d.getTime())) return '—';
  return `${clock.format(d)}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Rows know their event, for clicks. */
export const rowEvents = new WeakMap<Element, GatewayEvent>();

export function eventRow(e: GatewayEvent, replayed: boolean): HTMLLIElement {
  const li = el('li', `row sev-${safeToken(e.severity)}`);
  li.dataset.id = String(e.id);
  li.dataset.type = String(e.type);
  li.dataset.severity = String(e.severity);
  li.tabIndex = 0;
  const time = el('time', 'time', formatTime(e.timestamp));
  li.append(time, el('span', 'sev', String(e.severity)), el('span', 'type', String(e.type)), el('span', 'msg', String(e.message)));
  if (replayed) {
    li.classList.add('replayed');
    li.append(el('span', 'tag', 'replayed'));
  }
  rowEvents.set(li, e);
  return li;
}

/** Class names from event fields: only letters, digits, - and _. */
function safeToken(v: unknown): string {
  return String(v).replace(/[^A-Za-z0-9_-]/g, '_');
}

function fill(dl: HTMLElement, pairs: [string, unknown][]): void {
  dl.replaceChildren();
  for (const [k, v] of pairs) {
    const value = typeof v === 'string' ? v : JSON.stringify(v, null, 2);
    dl.append(el('dt', '', k), el('dd', typeof v === 'string' ? '' : 'json', value ?? 'undefined'));
  }
}

/** Shows `e` in the details panel. */
export function showDetails(e: GatewayEvent): void {
  const panel = byId('details');
  byId('details-title').textContent = `${e.type} · ${e.severity}`;
  byId('details-message').textContent = String(e.message);
  fill(byId('details-fields'), [
    ['id', e.id],
    ['time', `${formatTime(e.timestamp)} (${e.timestamp})`],
  ]);
  const meta = e.metadata && typeof e.metadata === 'object' ? Object.entries(e.metadata) : [];
  fill(byId('details-meta'), meta);
  panel.dataset.id = String(e.id);
  panel.hidden = false;
}

export function hideDetails(): void {
  byId('details').hidden = true;
}
