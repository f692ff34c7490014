-- Settle helpers, composed after lib/common.lua and lib/meter.lua into settle/*.lua.
-- Decision records (twin of DecisionRecord in libs/limiter-core/src/settle/settle.ts): what is
-- remembered of one admitted decision so that its cost can be settled later. A record is one string of eight
-- little-endian doubles (exact for these integers):
--   kind, limit, window_us, burst, estimated_cost, decided_at_us, expires_at_us, actual_cost
-- kind is the algorithm's 1-based place in ALGORITHMS (1 token_bucket, 2 gcra, 5 fixed_window,
-- 6 leaky_bucket: the settleable ones); actual_cost is -1 until a settle was applied.
local RECORD_FORMAT = '<dddddddd'
local FIXED_WINDOW_KIND = 5
local NOT_SETTLED = -1

local function pack_record(r)
  return struct.pack(RECORD_FORMAT, r.kind, r.limit, r.window_us, r.burst, r.estimated, r.decided_at, r.expires_at, r.actual)
end

-- The record at `key` as a table, or nil when there is none (never written, expired, reset).
local function read_record(key)
  local raw = redis.call('GET', key)
  if not raw then return nil end
  local f = { struct.unpack(RECORD_FORMAT, raw) }
  return { kind = f[1], limit = f[2], window_us = f[3], burst = f[4], estimated = f[5], decided_at = f[6], expires_at = f[7], actual = f[8] }
end

-- settle.ts decisionExpiryUs: one window after the decision for the meter, the end of the
-- decision's own window for the fixed window.
-- What a settle of `record` does now: 1 settles, 2 repeats an earlier settle (nothing changes),
-- 3 finds the decision's window over (expired: nothing changes).
local function settle_status(record)
  if now >= record.expires_at then return 3 end
  if record.actual ~= NOT_SETTLED then return 2 end
  return 1
end

local function record_expiry(kind, window_us, decided_at)
  if kind == FIXED_WINDOW_KIND then return window_start(decided_at, window_us) + window_us end
  return decided_at + window_us
end

-- The count of counter_key in the window [start, window_end) holding now (count_in_window's
-- state {count, window_start_us}; a count kept for another window is void) after adding delta
-- units: a refund never below zero, a charge never refused (it may exceed the limit). Writes
-- nothing for a delta of 0. Returns remaining, reset_us.
local function adjust_window(counter_key, limit, start, window_end, delta, jitter_ms)
  local state = read_state(counter_key, 1)
  local count = 0
  if state ~= nil and state[2] == start then count = state[1] end
  if delta ~= 0 then
    if count + delta < 0 then count = 0 else count = count + delta end
    write_state(counter_key, { count, start }, ttl_ms(window_end - now, jitter_ms))
  end
  local reset_us = 0
  if count > 0 then reset_us = window_end - now end
  return clamp_remaining(limit - count, limit), reset_us
end

-- The meter of counter_key (state {used, last_write_us}) after adding delta units, as adjust_window.
local function adjust_meter(counter_key, limit, window_us, burst, delta, jitter_ms)
  local state = read_state(counter_key, 1)
  local used = meter_used_at(state, limit, window_us, now)
  if delta ~= 0 then
    if used + delta < 0 then used = 0 else used = used + delta end
  end
  local reset_us = math.ceil((used * window_us) / limit)
  if delta ~= 0 then write_state(counter_key, { used, stamp(state and state[2], now) }, ttl_ms(reset_us, jitter_ms)) end
  return clamp_remaining(burst - used, limit), reset_us
end

-- settle.ts adjustCounter: adds delta units to what counter_key has used. A negative delta (a
-- refund) never takes it below zero used, so the counter never shows more than its limit; a
-- positive one (a charge) is never refused and may take it above the capacity, a debt the next
-- requests pay off by waiting. Writes nothing for a delta of 0. Returns remaining, reset_us.
local function adjust_counter(counter_key, kind, limit, window_us, burst, delta, jitter_ms)
  if kind == FIXED_WINDOW_KIND then
    local start = window_start(now, window_us)
    return adjust_window(counter_key, limit, start, start + window_us, delta, jitter_ms)
  end
  return adjust_meter(counter_key, limit, window_us, burst, delta, jitter_ms)
end

-- Stacked decisions (settle/stack_*.lua). A stacked limit is a table
--   {kind, limit, window_us, burst, start, window_end, next_end}
-- kind: 1 token_bucket, 2 gcra, 6 leaky_bucket (the meter), 5 fixed_window, 9 calendar_window
-- (batch.lua's numbers); start, window_end, next_end: a calendar window's bounds as the caller's
-- clock gave them (see calendar_window.lua), 0 for the other kinds.
local CALENDAR_WINDOW_KIND = 9
local LIMIT_ARGS = 7

-- The n stacked limits in args from index `first` on, LIMIT_ARGS values each, in the order above.
local function read_stack_limits(args, first, n)
  local limits = {}
  for j = 1, n do
    local at = first + (j - 1) * LIMIT_ARGS
    limits[j] = {
      kind = tonumber(args[at]), limit = tonumber(args[at + 1]), window_us = tonumber(args[at + 2]), burst = tonumber(args[at + 3]),
      start = tonumber(args[at + 4]), window_end = tonumber(args[at + 5]), next_end = tonumber(args[at + 6]),
    }
  end
  return limits
end

local function is_window(kind)
  return kind == FIXED_WINDOW_KIND or kind == CALENDAR_WINDOW_KIND
end

-- The window of a window limit holding t: start, end, next window's end. Fixed windows are
-- epoch-aligned; calendar windows roll over from their given bounds (window_holding).
local function limit_window(l, t)
  if l.kind == CALENDAR_WINDOW_KIND then return window_holding(l.start, l.window_end, l.next_end, t) end
  local start = window_start(t, l.window_us)
  return start, start + l.window_us, start + 2 * l.window_us
end

-- Adds delta units to a stacked limit's counter at now (adjust_window or adjust_meter).
-- Returns remaining, reset_us.
local function adjust_limit(counter_key, l, delta, jitter_ms)
  if is_window(l.kind) then
    local start, window_end = limit_window(l, now)
    return adjust_window(counter_key, l.limit, start, window_end, delta, jitter_ms)
  end
  return adjust_meter(counter_key, l.limit, l.window_us, l.burst, delta, jitter_ms)
end

-- A stacked decision record: one string naming every limit's counter. A head of five doubles
--   n (limits), estimated_cost, decided_at_us, expires_at_us (its latest limit's), actual_cost (-1: none)
-- then per limit eight doubles and its counter key (zero-terminated):
--   kind, limit, window_us, burst, start_us, end_us, next_end_us, expires_at_us
-- A window limit keeps the window its decision counted in (start, end; next_end for the roll-over
-- of a calendar window); the meter keeps zeros there.
local STACK_HEAD_FORMAT = '<ddddd'
local STACK_LIMIT_FORMAT = 'dddddddds'

local function pack_stack_record(r)
  local format = STACK_HEAD_FORMAT .. string.rep(STACK_LIMIT_FORMAT, #r.limits)
  local values = { #r.limits, r.estimated, r.decided_at, r.expires_at, r.actual }
  for j = 1, #r.limits do
    local l = r.limits[j]
    for _, v in ipairs({ l.kind, l.limit, l.window_us, l.burst, l.start, l.window_end, l.next_end, l.expires_at }) do values[#values + 1] = v end
    values[#values + 1] = l.key
  end
  return struct.pack(format, unpack(values))
end

-- The stacked record at `key`, or nil when there is none.
local function read_stack_record(key)
  local raw = redis.call('GET', key)
  if not raw then return nil end
  local n = struct.unpack('<d', raw)
  local f = { struct.unpack(STACK_HEAD_FORMAT .. string.rep(STACK_LIMIT_FORMAT, n), raw) }
  local limits = {}
  for j = 1, n do
    local at = 6 + (j - 1) * 9
    limits[j] = {
      kind = f[at], limit = f[at + 1], window_us = f[at + 2], burst = f[at + 3], start = f[at + 4],
      window_end = f[at + 5], next_end = f[at + 6], expires_at = f[at + 7], key = f[at + 8],
    }
  end
  return { estimated = f[2], decided_at = f[3], expires_at = f[4], actual = f[5], limits = limits }
end
