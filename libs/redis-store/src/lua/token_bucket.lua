-- Token bucket; twin of libs/limiter-core/src/algorithms/token-bucket.ts (same arithmetic, same order).
-- A bucket of `burst` tokens refills continuously at limit/window; a request takes `cost` tokens
-- or is denied.
-- Trade-offs: one 12-byte state per key (16 if it outlives ~16 minutes: the codec in
-- lib/common.lua); admits up to `burst` at once after a quiet period, then the steady rate;
-- no window boundaries. A denial writes nothing:
-- the refill is derivable from the stored state, so denials are read-only.

local bucket_key = KEYS[1]          -- bucket state {tokens, last_refill_us}
local limit = tonumber(ARGV[1])     -- tokens added per window
local window_us = tonumber(ARGV[2]) -- window length, microseconds
local burst = tonumber(ARGV[3])     -- bucket capacity
local cost = tonumber(ARGV[4])      -- tokens this request takes
local jitter_ms = tonumber(ARGV[5]) -- TTL jitter, milliseconds, chosen by the caller

local state = read_state(bucket_key, 1)

local function tokens_at(t)
  if state == nil then return burst end
  local tokens = state[1] + (elapsed_since(state[2], t) * limit) / window_us
  if tokens > burst then return burst end
  return tokens
end

local tokens = tokens_at(now)
local allowed = cost <= tokens
if allowed then
  tokens = tokens - cost
end
local reset_us = math.ceil(((burst - tokens) * window_us) / limit)
local retry_after_us = 0
if allowed then
  write_state(bucket_key, { tokens, stamp(state and state[2], now) }, ttl_ms(reset_us, jitter_ms))
else
  local candidate = math.ceil(((cost - tokens) * window_us) / limit)
  retry_after_us = settle_retry(candidate, function(wait)
    return cost <= tokens_at(now + wait)
  end)
end

return { as_flag(allowed), clamp_remaining(tokens, limit), reset_us, retry_after_us }
