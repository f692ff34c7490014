-- GCRA (generic cell rate algorithm); twin of libs/limiter-core/src/algorithms/gcra.ts.
-- Each unit of cost advances a theoretical arrival time (TAT) by the emission interval
-- T = window/limit; a request is admitted while the TAT stays within burst*T of now.
-- The TAT is stored as a debt relative to the last time the key was seen, not as an absolute
-- time: at epoch magnitudes a double cannot resolve sub-microsecond intervals (limits up to 1e9).
-- Trade-offs: one 12-byte state per key (16 if it outlives ~16 minutes); up to `burst` at once,
-- then one unit per T, the smoothest spacing; same admissions as a token bucket, with exact and
-- cheap retries. A denial writes nothing.

local gcra_key = KEYS[1]            -- state {debt_us, last_seen_us}
local limit = tonumber(ARGV[1])     -- units per window
local window_us = tonumber(ARGV[2]) -- window length, microseconds
local burst = tonumber(ARGV[3])     -- units admitted at once (capacity in intervals)
local cost = tonumber(ARGV[4])      -- units this request takes
local jitter_ms = tonumber(ARGV[5]) -- TTL jitter, milliseconds, chosen by the caller

local state = read_state(gcra_key, 1)
local interval = window_us / limit
local capacity = burst * interval

local function fits(debt)
  return debt <= capacity + capacity * CAPACITY_EPSILON
end

local function debt_at(t)
  if state == nil then return 0 end
  local debt = state[1] - elapsed_since(state[2], t)
  if debt < 0 then return 0 end
  return debt
end

local debt = debt_at(now)
local allowed = fits(debt + cost * interval)
if allowed then
  debt = debt + cost * interval
end
local reset_us = math.ceil(debt)
local retry_after_us = 0
if allowed then
  write_state(gcra_key, { debt, stamp(state and state[2], now) }, ttl_ms(reset_us, jitter_ms))
else
  local candidate = math.ceil(debt + cost * interval - capacity)
  retry_after_us = settle_retry(candidate, function(wait)
    return fits(debt_at(now + wait) + cost * interval)
  end)
end

return { as_flag(allowed), clamp_remaining((capacity - debt) / interval, limit), reset_us, retry_after_us }
