-- Leaky bucket as a meter; twin of libs/limiter-core/src/algorithms/leaky-bucket.ts.
-- Each request pours `cost` into a bucket of capacity `burst` that drains at limit/window; a
-- request that would overflow it is denied. It is not a queue: nothing is delayed.
-- Trade-offs: one 12-byte state per key (16 if it outlives ~16 minutes); the token bucket seen from the
-- other side (level = burst - tokens), so it admits the same traffic but starts empty; draining
-- is continuous, no boundaries. A denial writes nothing.

local bucket_key = KEYS[1]          -- meter state {level, last_drain_us}
local limit = tonumber(ARGV[1])     -- units drained per window
local window_us = tonumber(ARGV[2]) -- window length, microseconds
local burst = tonumber(ARGV[3])     -- bucket capacity
local cost = tonumber(ARGV[4])      -- units this request pours in
local jitter_ms = tonumber(ARGV[5]) -- TTL jitter, milliseconds, chosen by the caller

local state = read_state(bucket_key, 1)

local function level_at(t)
  if state == nil then return 0 end
  local level = state[1] - (elapsed_since(state[2], t) * limit) / window_us
  if level < 0 then return 0 end
  return level
end

local level = level_at(now)
local allowed = level + cost <= burst
if allowed then
  level = level + cost
end
local reset_us = math.ceil((level * window_us) / limit)
local retry_after_us = 0
if allowed then
  write_state(bucket_key, { level, stamp(state and state[2], now) }, ttl_ms(reset_us, jitter_ms))
else
  local candidate = math.ceil(((level + cost - burst) * window_us) / limit)
  retry_after_us = settle_retry(candidate, function(wait)
    return level_at(now + wait) + cost <= burst
  end)
end

return { as_flag(allowed), clamp_remaining(burst - level, limit), reset_us, retry_after_us }
