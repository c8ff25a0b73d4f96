/**
 * The Lua scripts the Redis backend runs. Each runs atomically in Redis, so
 * a batch is appended whole or not at all, and every read sees one epoch.
 *
 * Keys (one hash tag, so both live in one slot):
 *   KEYS[1] `{prefix}:meta`   hash: `epoch` (names this history), `seq` (last offset given)
 *   KEYS[2] `{prefix}:stream` the events: stream ID `<offset>-0`, field `e` = the event's JSON
 *
 * The epoch is made (from the caller's candidate) when the meta hash is
 * missing (a new or flushed Redis), or when offsets were given but the
 * stream is gone (history deleted or evicted). Whatever is left is then not
 * history of the new epoch, so the stream is deleted with it.
 */

const ENSURE_EPOCH = `
local function ensure(meta, stream, candidate)
  local epoch = redis.call('HGET', meta, 'epoch')
  if epoch then
    local seq = tonumber(redis.call('HGET', meta, 'seq') or '0')
    if seq == 0 or redis.call('EXISTS', stream) == 1 then return epoch, seq, false end
  end
  redis.call('DEL', stream)
  redis.call('HSET', meta, 'epoch', candidate, 'seq', '0')
  return candidate, 0, true
end

local function oldest(stream)
  local first = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)[1]
  if first then return first[1] end
  return false
end
`;

/**
 * Appends a batch. ARGV: candidate epoch, history size, batch token, then one
 * body per event: its JSON without the opening brace. The stored JSON is
 * `{"id":"<epoch>-<offset>",` + body, the very text subscribers receive.
 * The batch's first entry also carries the token (field `b`), so a batch
 * whose answer was lost can be found again.
 * Returns { epoch, first offset, last offset, oldest stream ID, created (1/0) }.
 * A stream ID at or below the next offset (someone else wrote the key)
 * fails the first XADD, before anything of the batch is written.
 */
export const APPEND_LUA = `${ENSURE_EPOCH}
local meta, stream = KEYS[1], KEYS[2]
local epoch, seq, created = ensure(meta, stream, ARGV[1])
local maxlen = ARGV[2]
local first = seq + 1
for i = 4, #ARGV do
  seq = seq + 1
  local s = string.format('%d', seq)
  local json = '{"id":"' .. epoch .. '-' .. s .. '",' .. ARGV[i]
  if i == 4 then
    redis.call('XADD', stream, 'MAXLEN', maxlen, s .. '-0', 'e', json, 'b', ARGV[3])
  else
    redis.call('XADD', stream, 'MAXLEN', maxlen, s .. '-0', 'e', json)
  end
end
redis.call('HSET', meta, 'seq', string.format('%d', seq))
return { epoch, string.format('%d', first), string.format('%d', seq), oldest(stream), created and 1 or 0 }
`;

/**
 * Reads history and the window in one go. ARGV: candidate epoch, mode, bound, count.
 *   mode `after`:  up to count entries with offset > bound, oldest first
 *   mode `before`: up to count entries with offset < bound (0: from the newest), newest first
 *   mode `window`: no entries
 * Returns { epoch, head offset, oldest stream ID, entries, created (1/0) }.
 */
export const READ_LUA = `${ENSURE_EPOCH}
local meta, stream = KEYS[1], KEYS[2]
local epoch, seq, created = ensure(meta, stream, ARGV[1])
local mode, bound, count = ARGV[2], ARGV[3], tonumber(ARGV[4])
local entries = {}
if count > 0 then
  if mode == 'after' then
    entries = redis.call('XRANGE', stream, '(' .. bound .. '-0', '+', 'COUNT', count)
  elseif mode == 'before' then
    local top = '+'
    if bound ~= '0' then top = '(' .. bound .. '-0' end
    entries = redis.call('XREVRANGE', stream, top, '-', 'COUNT', count)
  end
end
return { epoch, string.format('%d', seq), oldest(stream), entries, created and 1 or 0 }
`;
