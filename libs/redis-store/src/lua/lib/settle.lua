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
local function record_expiry(kind, window_us, decided_at)
  if kind == FIXED_WINDOW_KIND then return window_start(decided_at, window_us) + window_us end
  return decided_at + window_us
end

-- settle.ts adjustCounter: adds delta units to what counter_key has used. A negative delta (a
-- refund) never takes it below zero used, so the counter never shows more than its limit; a
-- positive one (a charge) is never refused and may take it above the capacity, a debt the next
-- requests pay off by waiting. Writes nothing for a delta of 0. Returns remaining, reset_us.
local function adjust_counter(counter_key, kind, limit, window_us, burst, delta, jitter_ms)
  local state = read_state(counter_key, 1)
  if kind == FIXED_WINDOW_KIND then
    -- state {count, window_start_us}
    local start = window_start(now, window_us)
    local count = 0
    if state ~= nil and state[2] == start then count = state[1] end
    if delta ~= 0 then
      if count + delta < 0 then count = 0 else count = count + delta end
      write_state(counter_key, { count, start }, ttl_ms(start + window_us - now, jitter_ms))
    end
    local reset_us = 0
    if count > 0 then reset_us = start + window_us - now end
    return clamp_remaining(limit - count, limit), reset_us
  end
  -- the meter: state {used, last_write_us}
  local used = meter_used_at(state, limit, window_us, now)
  if delta ~= 0 then
    if used + delta < 0 then used = 0 else used = used + delta end
  end
  local reset_us = math.ceil((used * window_us) / limit)
  if delta ~= 0 then write_state(counter_key, { used, stamp(state and state[2], now) }, ttl_ms(reset_us, jitter_ms)) end
  return clamp_remaining(burst - used, limit), reset_us
end
