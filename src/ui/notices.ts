/**
 * Notices about the stream itself (gaps, drops, overflows, shutdowns,
 * errors) under the toolbar, and the history view's log of what each
 * connection replayed. Text only.
 */
import type { GapControl } from '../protocol.ts';
import { byId, el } from './render.ts';

const MAX_NOTICES = 6;
const MAX_LOG = 200;

const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });

export type NoticeKind = 'gap' | 'dropped' | 'overflow' | 'shutdown' | 'error' | 'info';

export function notice(kind: NoticeKind, text: string): void {
  const box = byId('notices');
  const n = el('div', `notice notice-${kind}`);
  n.dataset.kind = kind;
  const close = el('button', 'notice-close', '×');
  close.setAttribute('type', 'button');
  close.setAttribute('aria-label', 'dismiss');
  close.addEventListener('click', () => n.remove());
  n.append(el('time', 'notice-time', clock.format(new Date())), el('strong', 'notice-kind', kind), el('span', 'notice-text', text), close);
  box.prepend(n);
  while (box.childElementCount > MAX_NOTICES) box.lastElementChild?.remove();
}

/** A line in the history view's log. */
export function historyLog(text: string, kind = 'info'): void {
  const log = byId('history-log');
  const li = el('li', `log-${kind}`);
  li.append(el('time', 'notice-time', clock.format(new Date())), el('span', '', text));
  log.prepend(li);
  while (log.childElementCount > MAX_LOG) log.lastElementChild?.remove();
}

const GAP_REASONS: Record<GapControl['reason'], string> = {
  expired: 'the cursor is older than the history the gateway holds',
  unknown_epoch: 'the gateway restarted or lost its store (new epoch)',
  invalid: 'the cursor was not issued by this gateway',
  ahead: 'the cursor is ahead of the gateway\u2019s stream',
};

export function gapText(g: GapControl): string {
  const why = GAP_REASONS[g.reason] ?? String(g.reason);
  const missed = typeof g.missed === 'number' ? `${g.missed} events missed` : 'events may be missing';
  return `${why}; ${missed} after ${g.requested || 'the start'}${g.resume_from ? `, resuming from ${g.resume_from}` : ''}.`;
}
