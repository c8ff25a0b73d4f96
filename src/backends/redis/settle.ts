/**
 * A batch whose answer was lost (the connection broke while it was in
 * flight) was either stored whole or not at all; this finds out which, once
 * Redis answers again. The first entry of every batch carries the batch's
 * token (field `b`), so the newest entries are searched for it.
 *
 * Not finding it is conclusive when the search reached back past the head
 * seen before the append (or covered the whole stream): a broken connection
 * never runs its command later. Otherwise the answer stays unknown.
 */
import type { Redis } from 'ioredis';
import { offsetOf, type RawEntry } from './decode.ts';

export type Settled = { stored: true; epoch: string; first: number } | { stored: false } | { stored: 'unknown' };

const ID_PREFIX = /^\{"id":"([a-z0-9]{1,32})-(\d{1,15})"/;

export async function findBatch(cmd: Redis, stream: string, token: string, headBefore: number, scan: number): Promise<Settled> {
  const entries = (await cmd.xrevrange(stream, '+', '-', 'COUNT', scan)) as unknown as RawEntry[];
  let lowest = Infinity;
  for (const [id, fields] of entries) {
    const offset = offsetOf(id);
    if (offset === null) continue;
    lowest = Math.min(lowest, offset);
    let b: string | undefined;
    let e: string | undefined;
    for (let i = 0; i + 1 < fields.length; i += 2) {
      if (fields[i] === 'b') b = fields[i + 1];
      else if (fields[i] === 'e') e = fields[i + 1];
    }
    if (b !== token) continue;
    const m = e === undefined ? null : ID_PREFIX.exec(e);
    if (!m || Number(m[2]) !== offset) return { stored: 'unknown' };
    return { stored: true, epoch: m[1]!, first: offset };
  }
  if (entries.length < scan || lowest <= headBefore + 1) return { stored: false };
  return { stored: 'unknown' };
}
