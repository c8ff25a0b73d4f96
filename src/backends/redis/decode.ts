/**
 * The boundary where entries come back from Redis: each is checked before it
 * becomes an Envelope, so a malformed entry (written by hand, or by another
 * program on the same keys) is counted and skipped instead of crashing the
 * gateway or reaching subscribers. The stored JSON text is kept as is, so it
 * is never serialised again.
 */
import { formatCursor } from '../../core/cursor.ts';
import { Envelope, type SystemEvent } from '../../core/event.ts';
import { SEVERITIES } from '../../core/schemas.ts';

/** One entry as ioredis returns it: [stream ID, [field, value, ...]]. */
export type RawEntry = [string, string[]];

export type Decoded =
  | { kind: 'ok'; env: Envelope }
  /** A well-formed entry of another epoch: the stream was replaced under us. */
  | { kind: 'other_epoch'; offset: number }
  | { kind: 'malformed'; offset: number | null; why: string };

const ID_RE = /^(\d{1,15})-0$/;

/** Offset of a stream ID `<offset>-0`, or null when it is not one of ours. */
export function offsetOf(streamId: unknown): number | null {
  if (typeof streamId !== 'string') return null;
  const m = ID_RE.exec(streamId);
  return m ? Number(m[1]) : null;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function decodeEntry(raw: unknown, epoch: string): Decoded {
  if (!Array.isArray(raw) || raw.length !== 2 || !Array.isArray(raw[1])) return { kind: 'malformed', offset: null, why: 'not a stream entry' };
  const offset = offsetOf(raw[0]);
  if (offset === null) return { kind: 'malformed', offset: null, why: `stream ID ${String(raw[0]).slice(0, 40)} is not <offset>-0` };
  const fields = raw[1] as unknown[];
  let json: unknown;
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === 'e') json = fields[i + 1];
  if (typeof json !== 'string') return { kind: 'malformed', offset, why: 'no field e' };
  let event: unknown;
  try {
    event = JSON.parse(json);
  } catch {
    return { kind: 'malformed', offset, why: 'field e is not JSON' };
  }
  if (!isRecord(event)) return { kind: 'malformed', offset, why: 'the event is not an object' };
  const want = formatCursor(epoch, offset);
  if (event.id !== want) {
    if (typeof event.id === 'string' && event.id.endsWith(`-${offset}`) && event.id !== want) return { kind: 'other_epoch', offset };
    return { kind: 'malformed', offset, why: `id ${String(event.id).slice(0, 60)} does not match its position ${want}` };
  }
  const problem = shapeProblem(event);
  if (problem) return { kind: 'malformed', offset, why: problem };
  return { kind: 'ok', env: new Envelope(event as unknown as SystemEvent, offset, json) };
}

function shapeProblem(e: Record<string, unknown>): string | undefined {
  if (typeof e.timestamp !== 'number' || !Number.isFinite(e.timestamp)) return 'timestamp is not a number';
  if (typeof e.type !== 'string' || e.type === '') return 'type is not a string';
  if (!(SEVERITIES as readonly unknown[]).includes(e.severity)) return `severity is not one of ${SEVERITIES.join(', ')}`;
  if (typeof e.message !== 'string') return 'message is not a string';
  if (!isRecord(e.metadata)) return 'metadata is not an object';
  return undefined;
}
