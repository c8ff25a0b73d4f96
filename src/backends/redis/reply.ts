/**
 * Replies of the Lua scripts (scripts.ts), checked and typed. A reply that
 * does not have the expected shape means the keys are not ours (or the
 * scripts and this code disagree): it fails loudly as a store error.
 */
import { offsetOf, type RawEntry } from './decode.ts';

export interface ReadReply {
  epoch: string;
  head: number;
  oldest: number | null;
  entries: RawEntry[];
  /** The epoch was made by this call (the store was new or had lost its history). */
  created: boolean;
}

export interface AppendReply {
  epoch: string;
  first: number;
  last: number;
  oldest: number | null;
  created: boolean;
}

const EPOCH_RE = /^[a-z0-9]{1,32}$/;

export class ReplyError extends Error {
  constructor(what: string) {
    super(`unexpected reply from Redis: ${what}`);
    this.name = 'ReplyError';
  }
}

function epochOf(v: unknown): string {
  if (typeof v !== 'string' || !EPOCH_RE.test(v)) throw new ReplyError(`epoch ${String(v).slice(0, 40)}`);
  return v;
}

function intOf(v: unknown, what: string): number {
  const n = typeof v === 'string' && /^\d{1,15}$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw new ReplyError(`${what} ${String(v).slice(0, 40)}`);
  return n;
}

function oldestOf(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const o = offsetOf(v);
  if (o === null) throw new ReplyError(`oldest stream ID ${String(v).slice(0, 40)}`);
  return o;
}

export function parseReadReply(r: unknown): ReadReply {
  if (!Array.isArray(r) || r.length !== 5 || !Array.isArray(r[3])) throw new ReplyError('read reply shape');
  return { epoch: epochOf(r[0]), head: intOf(r[1], 'head'), oldest: oldestOf(r[2]), entries: r[3] as RawEntry[], created: r[4] === 1 };
}

export function parseAppendReply(r: unknown): AppendReply {
  if (!Array.isArray(r) || r.length !== 5) throw new ReplyError('append reply shape');
  return { epoch: epochOf(r[0]), first: intOf(r[1], 'first offset'), last: intOf(r[2], 'last offset'), oldest: oldestOf(r[3]), created: r[4] === 1 };
}
