/**
 * How `eventgate tail` prints: one line per event (time, severity, type,
 * message), severity in colour on a terminal, or the event as delivered
 * with --json; notices (gap, dropped, overflow, shutdown, unavailable, ...)
 * as one line.
 */
import type { Control } from '../core/control.ts';
import type { SystemEvent } from '../core/event.ts';

const COLOURS: Record<string, string> = { error: '\x1b[31m', warning: '\x1b[33m', info: '\x1b[36m' };
const RESET = '\x1b[0m';

export function eventLine(e: SystemEvent, colour: boolean): string {
  const time = typeof e.timestamp === 'number' ? new Date(e.timestamp * 1000).toISOString() : '-';
  const sev = (e.severity ?? 'info').toUpperCase().padEnd(7);
  const shown = colour && COLOURS[e.severity] ? `${COLOURS[e.severity]}${sev}${RESET}` : sev;
  return `${time}  ${shown}  ${e.type}  ${e.message}`;
}

/** A control message as a notice for standard error; undefined for those not worth a line (ready, pong, ack). */
export function noticeLine(c: Control): string | undefined {
  switch (c.control) {
    case 'gap':
      return `gap (${c.reason}): ${c.missed ?? 'an unknown number of'} events missed after ${c.requested || 'the start'}; resuming from ${c.resume_from ?? 'live'}`;
    case 'dropped':
      return `dropped: ${c.count} events (${c.from} .. ${c.to}) because this tail fell behind`;
    case 'overflow':
      return `overflow: fell behind with ${c.queued_events} events queued; reconnecting from ${c.last_event_id ?? 'the start'}`;
    case 'shutdown':
      return `shutdown: the gateway is draining; reconnecting in ${c.retry_ms} ms`;
    case 'unavailable':
      return `unavailable: the gateway could not read its history for this stream; reconnecting in ${c.retry_ms} ms`;
    case 'error':
      return `error from the gateway: ${c.error}${c.field ? ` (${c.field})` : ''}: ${c.message}`;
    default:
      return (c as { control: string }).control === 'token_expired' ? 'token expired: the gateway ended the stream' : undefined;
  }
}
