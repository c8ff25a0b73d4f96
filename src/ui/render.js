/**
 * DOM for one event: its row in a list and its details panel. Event data is
 * untrusted: it only ever goes into the page as text (textContent), never as
 * markup.
 */

const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });

/** @param {number} seconds Unix seconds */
export function formatTime(seconds) {
  const d = new Date(seconds * 1000);
  if (Number.isNaN(d.getTime())) return '—';
  return `${clock.format(d)}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/**
 * @param {string} tag
 * @param {string} className
 * @param {string} [text]
 */
export function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Rows know their event, for clicks. @type {WeakMap<Element, any>} */
export const rowEvents = new WeakMap();

/**
 * @param {any} e the event
 * @param {boolean} replayed
 */
export function eventRow(e, replayed) {
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

/** Class names from event fields: only letters, digits, - and _. @param {unknown} v */
function safeToken(v) {
  return String(v).replace(/[^A-Za-z0-9_-]/g, '_');
}

/** @param {HTMLElement} dl @param {[string, unknown][]} pairs */
function fill(dl, pairs) {
  dl.replaceChildren();
  for (const [k, v] of pairs) {
    const value = typeof v === 'string' ? v : JSON.stringify(v, null, 2);
    dl.append(el('dt', '', k), el('dd', typeof v === 'string' ? '' : 'json', value ?? 'undefined'));
  }
}

/** Shows `e` in the details panel. @param {any} e */
export function showDetails(e) {
  const panel = /** @type {HTMLElement} */ (document.getElementById('details'));
  /** @type {HTMLElement} */ (document.getElementById('details-title')).textContent = `${e.type} · ${e.severity}`;
  /** @type {HTMLElement} */ (document.getElementById('details-message')).textContent = String(e.message);
  fill(/** @type {HTMLElement} */ (document.getElementById('details-fields')), [
    ['id', e.id],
    ['time', `${formatTime(e.timestamp)} (${e.timestamp})`],
  ]);
  const meta = e.metadata && typeof e.metadata === 'object' ? Object.entries(e.metadata) : [];
  fill(/** @type {HTMLElement} */ (document.getElementById('details-meta')), meta);
  panel.dataset.id = String(e.id);
  panel.hidden = false;
}

export function hideDetails() {
  /** @type {HTMLElement} */ (document.getElementById('details')).hidden = true;
}
