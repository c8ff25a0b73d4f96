/**
 * The live event page: one client subscription (SSE or WebSocket, `?transport=ws`),
 * a bounded newest-first feed with type and severity toggles and a text
 * search (applied in the page, so toggling back shows what was hidden),
 * pause and resume, connection status and cursor, toasts for error events,
 * details on click, and a history view of what the gateway replayed.
 *
 * The client is the public one, served at /client/eventgate-client.js: the
 * build (scripts/build-web.mjs) keeps this import as that URL.
 */
import { EventgateClient, type ConnectionState, type StateDetail } from '../client/eventgate-client.ts';
import { BUILTIN_TYPES, SEVERITIES, type GatewayEvent } from '../protocol.ts';
import { Feed } from './feed.ts';
import { gapText, historyLog, notice } from './notices.ts';
import { byId as $, el, hideDetails, rowEvents, showDetails } from './render.ts';
import { setupOpsTab } from './ops-tab.ts';
import { toast } from './toasts.ts';
import { askToken, pageToken, takeTokenFromFragment } from './token.ts';

type TransportName = 'sse' | 'ws';

const params = new URLSearchParams(location.search);

/** Types and severities switched off. */
const off = { types: new Set<string>(), severities: new Set<string>() };
let query = '';
let received = 0;
let lastId: string | null = null;

const match = (e: GatewayEvent, lc: string) => !off.types.has(e.type) && !off.severities.has(e.severity) && (query === '' || lc.includes(query));

const feed = new Feed($('feed'), { maxRows: 500, maxStore: 10_000, onFlush: paint });
const history = new Feed($('history'), { maxRows: 1000, maxStore: 1000, onFlush: paint });

// ---- toggles and search ---------------------------------------------------

function chip(box: HTMLElement, value: string, set: Set<string>, kind: string): void {
  const label = el('label', `chip chip-${kind}`);
  label.dataset.value = value;
  const input = el('input', '');
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

const knownTypes = new Set<string>();
function ensureType(t: string): void {
  if (knownTypes.has(t)) return;
  knownTypes.add(t);
  chip($('types'), t, off.types, 'type');
}
BUILTIN_TYPES.forEach(ensureType);
for (const s of SEVERITIES) chip($('severities'), s, off.severities, 'severity');

function refilter(): void {
  feed.setFilter(match);
  history.setFilter(match);
}

let searchTimer = 0;
$<HTMLInputElement>('search').addEventListener('input', (ev) => {
  clearTimeout(searchTimer);
  searchTimer = window.setTimeout(() => {
    query = (ev.target as HTMLInputElement).value.trim().toLowerCase();
    refilter();
  }, 120);
});

// ---- pause, tabs, details ---------------------------------------------------

$('pause').addEventListener('click', () => {
  if (feed.paused) feed.resume();
  else feed.pause();
  paint();
});

for (const tab of document.querySelectorAll<HTMLElement>('[role=tab]')) {
  tab.addEventListener('click', () => {
    const view = tab.dataset.view;
    for (const t of document.querySelectorAll('[role=tab]')) t.setAttribute('aria-selected', String(t === tab));
    $('view-live').hidden = view !== 'live';
    $('view-history').hidden = view !== 'history';
    $('view-ops').hidden = view !== 'ops';
  });
}

for (const list of [$('feed'), $('history')]) {
  const open = (ev: Event) => {
    const row = (ev.target as HTMLElement).closest('.row');
    const e = row && rowEvents.get(row);
    if (e) showDetails(e);
  };
  list.addEventListener('click', open);
  list.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') open(ev);
  });
}
$('details-close').addEventListener('click', hideDetails);
document.addEventListener('keydown', (ev) => {
  if (ev.key === 'Escape') hideDetails();
});

// ---- status line ------------------------------------------------------------

function paint(): void {
  $('cursor').textContent = lastId ?? '—';
  $('counts').textContent = `${received} received · ${feed.shown} shown`;
  $('history-count').textContent = String(history.held);
  $('empty').hidden = feed.shown > 0;
  const pause = $('pause');
  pause.textContent = feed.paused ? `Resume (${feed.unseen} new)` : 'Pause';
  pause.setAttribute('aria-pressed', String(feed.paused));
}

function showState(state: ConnectionState, d: StateDetail): void {
  $('status').dataset.state = state;
  $('status-text').textContent =
    state === 'reconnecting' ? `reconnecting in ${((d.delayMs ?? 0) / 1000).toFixed(1)} s` : state === 'closed' && d.error ? `stopped: ${d.error.message}` : state;
}

// ---- the subscription -------------------------------------------------------

const select = $<HTMLSelectElement>('transport');
select.value = params.get('transport') === 'ws' ? 'ws' : 'sse';

function subscribe(transport: TransportName, from: string | undefined): EventgateClient {
  const replay = params.get('replay');
  const c = new EventgateClient({ transport, lastEventId: from, replay: replay !== null && /^\d+$/.test(replay) ? Number(replay) : undefined, token: pageToken });
  let resumedFrom: string | null = null;
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
    historyLog(
      `${transport === 'ws' ? 'WebSocket' : 'SSE'} ${how}: the gateway replayed ${r.replayed} event${r.replayed === 1 ? '' : 's'}${r.head ? ` (head ${r.head})` : ''}`,
      'ready',
    );
  });
  c.onGap((g) => {
    notice('gap', gapText(g));
    historyLog(`gap: ${gapText(g)}`, 'gap');
  });
  c.onDropped((d) => notice('dropped', `the gateway dropped ${d.count} events (${d.from} … ${d.to}) because this page fell behind.`));
  c.onOverflow(() => notice('overflow', 'this page fell too far behind; the gateway closed the stream, and the page resumes from its cursor.'));
  c.onShutdown((s) => notice('shutdown', `the gateway is shutting down; reconnecting in about ${(s.retry_ms / 1000).toFixed(1)} s.`));
  // The gateway wants a (new) token: ask. The client keeps trying with its backoff (asking pageToken each time);
  // a pasted token is tried at once, from the cursor.
  c.onError((err) => {
    if (err.status !== 401) return notice('error', err.message);
    askToken(err.message, () => {
      client.reconnect();
      ops.recheck();
    });
  });
  return c;
}

takeTokenFromFragment();
const ops = setupOpsTab();
let client = subscribe(select.value as TransportName, undefined);

select.addEventListener('change', () => {
  const from = client.lastEventId ?? undefined;
  client.close();
  const url = new URL(location.href);
  url.searchParams.set('transport', select.value);
  window.history.replaceState(null, '', url);
  client = subscribe(select.value as TransportName, from);
});

paint();
