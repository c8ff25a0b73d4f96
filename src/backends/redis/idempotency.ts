/**
 * Idempotent appends on Redis: the append script (scripts.ts) wrapped in a
 * key check, so the lookup, the append and the key record are one atomic
 * script. Every gateway on the same Redis sees the same keys, and they live
 * in Redis (with the stream, under the same hash tag), so they survive any
 * gateway restarting, and Redis restarting when it persists its data.
 *
 * Key `{prefix}:idem:<key>` = `<fingerprint>|<epoch>|<first>|<last>`, with a
 * PX expiry of the key's window. A key recorded under another epoch (the
 * history it named is gone) does not count: the batch is stored again.
 */
import { formatCursor } from '../../core/cursor.ts';
import type { OnceResult } from '../../core/idempotency.ts';
import { APPEND_LUA } from './scripts.ts';

/** The key of one idempotency key in Redis. */
export function idempotencyKey(prefix: string, key: string): string {
  return `{${prefix}}:idem:${key}`;
}

/**
 * KEYS: meta, stream, idempotency key. ARGV: as APPEND_LUA's (candidate
 * epoch, history size, batch token, bodies...), then fingerprint and window
 * in ms. Returns APPEND_LUA's reply when it stored, `{'repeat', epoch, first,
 * last}` for the same fingerprint, `{'conflict'}` for another.
 */
export const APPEND_ONCE_LUA = `
local idem = KEYS[3]
local ttl = ARGV[#ARGV]
local fp = ARGV[#ARGV - 1]
ARGV[#ARGV] = nil
ARGV[#ARGV] = nil
local prev = redis.call('GET', idem)
if prev then
  local pfp, pepoch, pfirst, plast = string.match(prev, '^([^|]*)|([^|]*)|(%d+)|(%d+)$')
  if pepoch and pepoch == redis.call('HGET', KEYS[1], 'epoch') then
    if pfp == fp then return { 'repeat', pepoch, pfirst, plast } end
    return { 'conflict' }
  end
end
local function append()
${APPEND_LUA}
end
local r = append()
redis.call('SET', idem, fp .. '|' .. r[1] .. '|' .. r[2] .. '|' .. r[3], 'PX', ttl)
return r
`;

/** A repeat or a conflict, from the script's reply; undefined when it stored (then APPEND_LUA's reply). */
export function parseOnceReply(raw: unknown): Exclude<OnceResult<never>, { kind: 'stored' }> | undefined {
  if (!Array.isArray(raw) || (raw[0] !== 'repeat' && raw[0] !== 'conflict')) return undefined;
  if (raw[0] === 'conflict') return { kind: 'conflict' };
  const epoch = String(raw[1]);
  const first = Number(raw[2]),
    last = Number(raw[3]);
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || last < first) throw new Error('eventgate: malformed idempotency record in Redis');
  const ids: string[] = [];
  for (let o = first; o <= last; o++) ids.push(formatCursor(epoch, o));
  return { kind: 'repeat', ids };
}
