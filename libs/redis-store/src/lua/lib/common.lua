-- Helpers shared by every limiter script; the registry places this block once between the clock
-- prelude and the algorithms. It mirrors libs/limiter-core/src/numeric.ts: Lua 5.1 numbers are C
-- doubles, like JavaScript numbers, so performing the same operations in the same order gives
-- bit-identical results. Keep every expression here and in the algorithms shaped like its twin.

-- The shortest decimal text that reads back as exactly x, for arguments that Redis parses as
-- numbers (sorted-set scores and ranges). %.17g always round-trips a double; trying 15 and 16
-- digits first keeps the text short without losing a bit. (Lua's tostring keeps only 14 digits.)
local function fmt(x)
  local text = string.format('%.15g', x)
  if tonumber(text) == x then return text end
  text = string.format('%.16g', x)
  if tonumber(text) == x then return text end
  return string.format('%.17g', x)
end

-- numeric.ts clampRemaining
local function clamp_remaining(value, limit)
  local floored = math.floor(value)
  if floored < 0 then return 0 end
  if floored > limit then return limit end
  return floored
end

-- numeric.ts settleRetry: the first probed wait at which admits(wait) holds, probing candidate - 1
-- (the estimate is a ceiling that rounding may push a microsecond high), then candidate, +1, +3,
-- +7, ... us, never below 1; so "retry after" is verified by the very expression the next request
-- evaluates rather than estimated.
local function settle_retry(candidate, admits)
  if candidate > 1 and admits(candidate - 1) then return candidate - 1 end
  local wait = candidate
  if wait < 1 then wait = 1 end
  local step = 1
  for _ = 1, 64 do
    if admits(wait) then return wait end
    wait = wait + step
    step = step * 2
  end
  return wait
end

-- fixed-window.ts windowStart: start of the epoch-aligned window holding t, as floor-multiply.
local function window_start(t, window_us)
  return t - (t - math.floor(t / window_us) * window_us)
end

-- Microseconds since a stored time; 0 when the clock reads earlier (it went backwards).
local function elapsed_since(stored_time, t)
  if t > stored_time then return t - stored_time end
  return 0
end

-- The time stored with a state never moves backwards: max(stored time, now), as in TypeScript.
local function stamp(stored_time, t)
  if stored_time ~= nil and stored_time > t then return stored_time end
  return t
end

-- Expiry in milliseconds: the state's meaningful lifetime (ttl_us) rounded up, plus the
-- caller's jitter so that keys written together do not expire together; at least 1 ms.
local function ttl_ms(ttl_us, jitter_ms)
  local ms = math.ceil(ttl_us / 1000) + jitter_ms
  if ms < 1 then return 1 end
  return ms
end

-- State codec. A state is one short binary string: its values as little-endian doubles (exact,
-- no decimal round trip), then its time in integer microseconds, either whole (8 bytes) or as
-- its low 32 bits (4 bytes). The short form is written only when the key expires before any
-- `now` that reads it can be more than COMPACT_AGE_US from that time. A reader within 2^31 us
-- (35.8 minutes) restores the high bits from its own `now` exactly; the margin between the two
-- (about 19 minutes) absorbs clock steps.
-- Trade-off: states are not readable with redis-cli, but a token-bucket state is 12 bytes and
-- fits Redis' 32-byte string allocation instead of the 48-byte one a decimal "tokens time" text
-- needs: about 145 instead of 161 bytes per key at 1M keys.
local TIME_WRAP = 4294967296         -- 2^32
local HALF_TIME_WRAP = 2147483648    -- 2^31
local COMPACT_AGE_US = 1000000000    -- 1000 s

-- `state` is a fresh array {value_1, ..., value_n, time}; its time may be replaced in place.
local function encode_state(state, expiry_ms)
  local count = #state - 1
  local time = state[count + 1]
  local age = now - time
  if age < 0 then age = -age end
  -- Redis expires a key once its millisecond clock passes the expiry, hence the extra 1 ms.
  if time == math.floor(time) and age + (expiry_ms + 1) * 1000 <= COMPACT_AGE_US then
    state[count + 1] = time % TIME_WRAP
    return struct.pack('<' .. string.rep('d', count) .. 'I4', unpack(state))
  end
  return struct.pack('<' .. string.rep('d', count + 1), unpack(state))
end

-- The time whose low 32 bits are `low` and that lies within 2^31 us of now.
local function unwrap_time(low)
  local diff = now % TIME_WRAP - low
  if diff >= HALF_TIME_WRAP then
    diff = diff - TIME_WRAP
  elseif diff < -HALF_TIME_WRAP then
    diff = diff + TIME_WRAP
  end
  return now - diff
end

-- The first access of every decision is a read through first_read, and when Redis refuses it
-- (in a cross-slot batch, a key whose slot moved to another node since the client routed the
-- call; or a key of the wrong type) the decision has written nothing yet. first_read then sets
-- `refused` to Redis' error text and raises that error reply; batch.lua reports the decision as
-- not run (the client may send it again), and a single-decision script replies with the error.
-- (The raised value is Redis' own error table: Redis 7.0 turns it into its message. Never raise
-- any other table: an uncaught one crashes redis-server 7.0.)
local refused = nil

local function first_read(...)
  local reply = redis.pcall(...)
  if type(reply) == 'table' and reply.err then
    refused = reply.err
    error(reply)
  end
  return reply
end

-- Reads a state of `count` values and a time: {value_1, ..., value_count, time}, or nil when
-- the key does not exist (or has expired). The first access of a decision (see first_read).
local function read_state(key, count)
  local raw = first_read('GET', key)
  if not raw then return nil end
  local doubles = '<' .. string.rep('d', count)
  if #raw == 8 * count + 4 then
    local fields = { struct.unpack(doubles .. 'I4', raw) }
    fields[count + 1] = unwrap_time(fields[count + 1])
    fields[count + 2] = nil
    return fields
  end
  local fields = { struct.unpack(doubles .. 'd', raw) }
  fields[count + 2] = nil
  return fields
end

-- While a stacked decision decides its limits (batch.lua's `stacked`), the states they write are
-- held here, {key, value, expiry_ms} each, and SET only once every limit has admitted; nil
-- otherwise: every write goes to Redis at once.
local held_writes = nil

-- Stores a state {value_1, ..., value_n, time} (a fresh array) that expires after expiry_ms.
local function write_state(key, state, expiry_ms)
  local value = encode_state(state, expiry_ms)
  if held_writes ~= nil then
    held_writes[#held_writes + 1] = { key, value, expiry_ms }
    return
  end
  redis.call('SET', key, value, 'PX', expiry_ms)
end

-- Every limiter decision replies {allowed (0|1), remaining, resetUs, retryAfterUs}, as integers.
local function as_flag(allowed)
  if allowed then return 1 end
  return 0
end
