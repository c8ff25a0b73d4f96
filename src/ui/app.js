/**
 * The live event page: one client subscription (SSE or WebSocket, `?transport=ws`),
 * a bounded newest-first feed with type and severity toggles and a text
 * search (applied in the page, so toggling back shows what was hidden),
 * pause and resume, connection status and cursor, toasts for error events,
 * details on click, and a history view of what the gateway replayed.
 */
import { EventgateClient } from '/client/eventgate-client.js';
import { Feed } from './feed.js';
import { gapText, historyLog, notice } from './notices.js';
import { el, hideDetails, rowEvents, showDetails } from './render.js';
import { toast } from './toasts.js';

const TYPES = ['query_route', 'model_state', 'cgrag', 'cache', 'error', 'performance'];
const SEVERITIES = ['info', 'warning', 'error'];

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const params = new URLSearchParams(location.search);

/** Types and severities switched off. */
const off = { types: new Set(), severities: new Set() };
let query = '';
let received = 0;
let lastId = /** @type {string | null} */ (null);

const match = (/** @type {any} */ e, /** @type {string} */ lc) =>
  !off.types.has(e.type) && !off.severities.has(e.severity) && (query === '' || lc.includes(query));

const feed = new Feed($('feed'), { maxRows: 500, maxStore: 10_000, onFlush: paint });
const history = new Feed($('history'), { maxRows: 1000, maxStore: 1000, onFlush: paint });

// ---- toggles and search ---------------------------------------------------

/** @param {HTMLElement} box @param {string} value @param {Set<string>} set @param {string} kind */
function chip(box, value, set, kind) {
  const label = el('label', `chip chip-${kind}`);
  label.dataset.value = value;
  const input = /** @type {HTMLInputElement} */ (el('input', ''));
  input.type = 'checkbox';
  input.checked = !set.has(value);
  input.name = `${kind}-${value}`;
  input.addEventListener('change', () => {
    if (input.checked) set.delete(value);
    else set.add(value);
    refilter();
  });
  label.append(input, el('span', '', value));
  box.append(label);
}

const knownTypes = new Set();
function ensureType(/** @type {string} */ t) {
  if (knownTypes.has(t)) return;
  knownTypes.add(t);
  chip($('types'), t, off.types, 'type');
}
TYPES.forEach(ensureType);
for (const s of SEVERITIES) chip($('severities'), s, off.severities, 'severity');

function refilter() {
  feed.setFilter(match);
  history.setFilter(match);
}

let searchTimer = 0;
$('search').addEventListener('input', (ev) => {
  clearTimeout(searchTimer);
  searchTimer = window.setTimeout(() => {
    query = /** @type {HTMLInputElement} */ (ev.target).value.trim().toLowerCase();
    refilter();
  }, 120);
});

// ---- pause, tabs, details ---------------------------------------------------

$('pause').addEventListener('click', () => {
  if (feed.paused) feed.resume();
  else feed.pause();
  paint();
});

for (const tab of document.querySelectorAll('[role=tab]')) {
  tab.addEventListener('click', () => {
    const view = /** @type {HTMLElement} */ (tab).dataset.view;
    for (const t of document.querySelectorAll('[role=tab]')) t.setAttribute('aria-selected', String(t === tab));
    $('view-live').hidden = view !== 'live';
    $('view-history').hidden = view !== 'history';
  });
}

for (const list of [$('feed'), $('history')]) {
  const open = (/** @type {Event} */ ev) => {
    const row = /** @type {HTMLElement} */ (ev.target).closest('.row');
    const e = row && rowEvents.get(row);
    if (e) showDetails(e);
  };
  list.addEventListener('click', open);
  list.addEventListener('keydown', (ev) => {
    if (/** @type {KeyboardEvent} */ (ev).key === 'Enter') open(ev);
  });
}
$('details-close').addEventListener('click', hideDetails);
document.addEventListener('keydown', (ev) => {
  if (ev.key === 'Escape') hideDetails();
});

// ---- status line ------------------------------------------------------------

function paint() {
  $('cursor').textContent = lastId ?? '—';
  $('counts').textContent = `${received} received · ${feed.shown} shown`;
  $('history-count').textContent = String(history.held);
  $('empty').hidden = feed.shown > 0;
  const pause = $('pause');
  pause.textContent = feed.paused ? `Resume (${feed.unseen} new)` : 'Pause';
  pause.setAttribute('aria-pressed', String(feed.paused));
}

/** @param {string} state @param {any} d */
function showState(state, d) {
  const status = $('status');
  status.dataset.state = state;
  $('status-text').textContent =
    state === 'reconnecting' ? `reconnecting in ${(d.delayMs / 1000).toFixed(1)} s` : state === 'closed' && d.error ? `stopped: ${d.error.message}` : state;
}

// ---- the subscription -------------------------------------------------------

const select = /** @type {HTMLSelectElement} */ ($('transport'));
select.value = params.get('transport') === 'ws' ? 'ws' : 'sse';

/** @type {EventgateClient} */
let client;

/** @param {'sse' | 'ws'} transport @param {string | undefined} from */
function subscribe(transport, from) {
  const replay = params.get('replay');
  const c = new EventgateClient({ transport, lastEventId: from, replay: replay !== null && /^\d+$/.test(replay) ? Number(replay) : undefined });
  let resumedFrom = /** @type {string | null} */ (null);
  c.on('*', (e, info) => {
    received++;
    lastId = e.id;
    ensureType(e.type);
    feed.add(e, info.replayed);
    if (info.replayed) history.add(e, true);
    if (e.type === 'error' && !info.replayed && !off.types.has('error')) toast(e, showDetails);
  });
  c.onState((state, d) => {
    if (state === 'connecting') resumedFrom = d.lastEventId ?? null;
    showState(state, d);
  });
  c.onReady((r) => {
    const how = resumedFrom ? `resumed after ${resumedFrom}` : 'new subscription';
    historyLog(`${transport === 'ws' ? 'WebSocket' : 'SSE'} ${how}: the gateway replayed ${r.replayed} event${r.replayed === 1 ? '' : 's'}${r.head ? ` (head ${r.head})` : ''}`, 'ready');
  });
  c.onGap((g) => {
    notice('gap', gapText(g));
    historyLog(`gap: ${gapText(g)}`, 'gap');
  });
  c.onDropped((d) => notice('dropped', `the gateway dropped ${d.count} events (${d.from} … ${d.to}) because this page fell behind.`));
  c.onOverflow(() => notice('overflow', 'this page fell too far behind; the gateway closed the stream, and the page resumes from its cursor.'));
  c.onShutdown((s) => notice('shutdown', `the gateway is shutting down; reconnecting in about ${(s.retry_ms / 1000).toFixed(1)} s.`));
  c.onError((err) => notice('error', err.message));
  return c;
}

client = subscribe(/** @type {'sse' | 'ws'} */ (select.value), undefined);

select.addEventListener('change', () => {
  const from = client.lastEventId ?? undefined;
  client.close();
  const url = new URL(location.href);
  url.searchParams.set('transport', select.value);
  window.history.replaceState(null, '', url);
  client = subscribe(/** @type {'sse' | 'ws'} */ (select.value), from);
});

paint();
