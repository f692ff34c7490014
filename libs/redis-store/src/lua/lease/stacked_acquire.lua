-- Stacked lease: takes the same N units from EVERY limit of a stack in one step, all or nothing,
-- for an enforcer to spend from its own memory (hot keys). Each limit keeps the very state its
-- limiter script keeps (token_bucket.lua, fixed_window.lua, calendar_window.lua: same keys and
-- codec), so leased units are counted for every other caller at once, in every limit: a lease can
-- never admit more than the tightest limit holds.
-- Grant: lease_grant (lib/lease.lua) over the units the tightest limit has left: `want`, or the
-- whole units left when fewer but at least `cost`; 0 when some limit cannot cover `cost` (a
-- denial, which writes nothing). Every limit is read before any is written.
-- Reply: {granted, then per limit: remaining, reset_us, retry_after_us, window_start_us,
-- valid_us} (the single-limit lease scripts' values; retry_after_us is 0 for a limit that covers
-- `cost`, window_start_us and valid_us are 0 for a token bucket, whose units never lapse).

local n = tonumber(ARGV[1])          -- limits in the stack: KEYS[1..n], one key each
local cost = tonumber(ARGV[2])       -- units the triggering request takes (granted or denied as a whole)
local jitter_ms = tonumber(ARGV[3])  -- TTL jitter, milliseconds, chosen by the caller
local want = tonumber(ARGV[4])       -- units asked for, >= cost (the caller caps it below every capacity)
-- ARGV[5 ..]: LEASE_LIMIT_WIDTH values per limit (lease/stacked_limits.lua)

local limits = {}
local available = nil
for j = 1, n do
  limits[j] = read_lease_limit(j, 5)
  local left = limits[j].capacity - limits[j].used
  if available == nil or left < available then available = left end
end
local granted = lease_grant(available, want, cost)

local reply = { granted }
for j = 1, n do
  local limit = limits[j]
  local used = limit.used + granted
  if granted > 0 then write_lease_limit(limit, used, jitter_ms) end
  local denies = granted == 0 and limit.used + cost > limit.capacity
  local reset_us, retry_after_us, start, valid_us = 0, 0, 0, 0
  if limit.bucket then
    reset_us = math.ceil((used * limit.window_us) / limit.limit)
    if denies then
      local state = limit.state
      retry_after_us = settle_retry(math.ceil(((used + cost - limit.capacity) * limit.window_us) / limit.limit), function(wait)
        return meter_used_at(state, limit.limit, limit.window_us, now + wait) + cost <= limit.capacity
      end)
    end
  else
    if used > 0 then reset_us = limit.window_end - now end
    if denies then retry_after_us = limit.window_end - now end
    start = limit.start
    valid_us = limit.window_end - now
  end
  reply[#reply + 1] = clamp_remaining(limit.capacity - used, limit.limit)
  reply[#reply + 1] = reset_us
  reply[#reply + 1] = retry_after_us
  reply[#reply + 1] = start
  reply[#reply + 1] = valid_us
end
return reply
