/**
 * Cursors: `<epoch>-<offset>`. The offset increases through the gateway's
 * whole stream (not per filter); the epoch names the store that issued it, so
 * that a cursor from another run (a restarted in-memory gateway, a flushed
 * Redis) is recognised instead of being "resumed" into the wrong history.
 */

export interface Cursor {
  epoch: string;
  offset: number;
}

/** Exactly what formatCursor writes: no surrounding space, no leading zero (so no two texts name one cursor). */
const CURSOR_RE = /^([a-z0-9]{1,32})-(0|[1-9]\d{0,14})$/;

export function formatCursor(epoch: string, offset: number): string {
  return `${epoch}-${offset}`;
}

/** Parses a cursor; undefined when the text is not one formatCursor could have made. */
export function parseCursor(text: string): Cursor | undefined {
  const m = CURSOR_RE.exec(text);
  if (!m) return undefined;
  const offset = Number(m[2]);
  if (!Number.isSafeInteger(offset)) return undefined;
  return { epoch: m[1]!, offset };
}

/** A new random epoch: time-ordered base36 plus randomness. */
export function newEpoch(): string {
  const rand = new Uint32Array(1);
  crypto.getRandomValues(rand);
  return Date.now().toString(36) + rand[0]!.toString(36).padStart(7, '0');
}
