/**
 * Toasts for error events: a few at a time, newest on top, each gone after
 * a while or when closed; clicking one opens the event. Text only.
 */
import type { GatewayEvent } from '../protocol.ts';
import { byId, el, formatTime } from './render.ts';

const MAX_TOASTS = 4;
const TOAST_MS = 8000;

export function toast(e: GatewayEvent, open: (e: GatewayEvent) => void): void {
  const box = byId('toasts');
  const m: Record<string, unknown> = e.metadata && typeof e.metadata === 'object' ? e.metadata : {};
  const t = el('div', 'toast');
  t.setAttribute('role', 'alert');
  t.dataset.id = String(e.id);
  const title = el('strong', 'toast-title', `${m.error_type ?? 'Error'}${m.component ? ` in ${m.component}` : ''}`);
  const close = el('button', 'toast-close', '×');
  close.setAttribute('type', 'button');
  close.setAttribute('aria-label', 'dismiss');
  const text = typeof m.error_message === 'string' && m.error_type ? m.error_message : String(e.message);
  const body = el('p', 'toast-msg', typeof m.recovery_action === 'string' ? `${text} — ${m.recovery_action}` : text);
  const when = el('time', 'toast-time', formatTime(e.timestamp));
  t.append(title, close, body, when);
  const remove = () => t.remove();
  close.addEventListener('click', (ev) => {
    ev.stopPropagation();
    remove();
  });
  t.addEventListener('click', () => {
    open(e);
    remove();
  });
  box.prepend(t);
  while (box.childElementCount > MAX_TOASTS) box.lastElementChild?.remove();
  setTimeout(remove, TOAST_MS);
}
