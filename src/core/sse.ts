/**
 * SSE encoding, to the letter of the WHATWG spec: UTF-8, one `data:` prefix
 * per line (CR, LF and CRLF all end a line), no CR/LF/NUL in `id` or
 * `event`, a blank line closing every event.
 */
import type { Control } from './control.ts';

const encoder = new TextEncoder();

export class SseFieldError extends Error {}

function field(name: string, value: string): string {
  if (/[\r\n\0]/.test(value)) throw new SseFieldError(`eventgate: SSE ${name} must not contain CR, LF or NUL`);
  return `${name}: ${value}\n`;
}

/** One SSE event block. Every line of `data` gets its own `data:` prefix. */
export function encodeSseEvent(opts: { data: string; event?: string; id?: string; retry?: number }): string {
  let out = '';
  if (opts.event !== undefined) out += field('event', opts.event);
  if (opts.id !== undefined) out += field('id', opts.id);
  if (opts.retry !== undefined) out += `retry: ${Math.max(0, Math.floor(opts.retry))}\n`;
  for (const line of opts.data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return `${out}\n`;
}

/** A comment line block; comments are ignored by clients and keep proxies open. */
export function encodeSseComment(text: string): string {
  return `${text
    .split(/\r\n|\r|\n/)
    .map((l) => `: ${l}\n`)
    .join('')}\n`;
}

/** A control message as a named SSE event, without `id:` so the client's last id is kept. */
export function encodeSseControl(c: Control): Uint8Array {
  const { control, ...rest } = c;
  // A control that ends the stream and names when to come back sets the client's reconnect delay.
  const retry = c.control === 'shutdown' || c.control === 'unavailable' ? c.retry_ms : undefined;
  return encoder.encode(encodeSseEvent({ event: control, data: JSON.stringify(rest), retry }));
}

/** The first bytes of every stream: a comment, so the stream opens at once, and the retry hint. */
export function sseOpening(retryMs: number): Uint8Array {
  return encoder.encode(`: eventgate stream open\n\nretry: ${Math.floor(retryMs)}\n\n`);
}

export const SSE_HEARTBEAT: Uint8Array = encoder.encode(':\n\n');

export function concatBytes(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
