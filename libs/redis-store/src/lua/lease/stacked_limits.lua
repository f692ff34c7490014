-- The limits of a stacked lease (a policy's "limits": [...] served from a hot-key lease), shared
-- by stacked_acquire.lua and stacked_return.lua; the lease composer places this block after
-- lib/common.lua, lib/meter.lua, lib/window.lua and algorithms/calendar_window.lua.
-- Only limits whose units keep their worth while leased take part (see `leasable` in
-- limiter-core): token buckets, fixed windows and calendar windows (a fixed window whose bounds
-- the caller gives). Each limit is one key, KEYS[j], in the stack's hash tag, and LIMIT_WIDTH
-- values of ARGV from `first`, laid out as in batch.lua's stacked records:
--   kind   1 token_bucket, 5 fixed_window, 9 calendar_window (batch.lua's kinds)
--   p1..p4 kinds 1 and 5: limit, window_us, burst, 0; kind 9: limit, start_us, end_us, next_end_us

local LEASE_TOKEN_BUCKET = 1
local LEASE_CALENDAR_WINDOW = 9
local LEASE_LIMIT_WIDTH = 5

-- Limit j as it stands at now: {key, bucket (token bucket?), limit, window_us, burst, state,
-- used (tokens taken, or the count of the window holding now), capacity (burst or limit),
-- start and window_end (window limits: the window holding now)}.
local function read_lease_limit(j, first)
  local at = first + (j - 1) * LEASE_LIMIT_WIDTH
  local kind = tonumber(ARGV[at])
  local limit = { key = KEYS[j], bucket = kind == LEASE_TOKEN_BUCKET, limit = tonumber(ARGV[at + 1]) }
  limit.state = read_state(limit.key, 1)
  if limit.bucket then
    limit.window_us = tonumber(ARGV[at + 2])
    limit.capacity = tonumber(ARGV[at + 3])
    limit.used = meter_used_at(limit.state, limit.limit, limit.window_us, now)
    return limit
  end
  if kind == LEASE_CALENDAR_WINDOW then
    limit.start, limit.window_end = window_holding(tonumber(ARGV[at + 2]), tonumber(ARGV[at + 3]), tonumber(ARGV[at + 4]), now)
  else
    limit.start = window_start(now, tonumber(ARGV[at + 2]))
    limit.window_end = limit.start + tonumber(ARGV[at + 2])
  end
  limit.capacity = limit.limit
  limit.used = 0
  if limit.state ~= nil and limit.state[2] == limit.start then limit.used = limit.state[1] end
  return limit
end

-- Stores `used` as limit's new state: a token bucket's tokens taken (stamped now), or the count
-- of the window holding now.
local function write_lease_limit(limit, used, jitter_ms)
  if limit.bucket then
    local reset_us = math.ceil((used * limit.window_us) / limit.limit)
    write_state(limit.key, { used, stamp(limit.state and limit.state[2], now) }, ttl_ms(reset_us, jitter_ms))
  else
    write_state(limit.key, { used, limit.start }, ttl_ms(limit.window_end - now, jitter_ms))
  end
end
