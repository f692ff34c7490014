-- Token-bucket lease: takes up to `want` tokens from the bucket in one step, for an enforcer to
-- spend from its own memory (hot keys). The bucket is the very state token_bucket.lua keeps (same
-- key, codec and meter: the tokens *taken*, refilled at the request's own rate, lib/meter.lua), so
-- leased tokens are gone for every other caller the moment the lease is granted: leasing can never
-- admit more than the bucket holds, and a limit change applies to leases at once too.
-- Grant: lease_grant (lib/lease.lua): `want`, or the whole tokens left when fewer but at least
-- `cost`; 0 when the bucket cannot cover `cost` (a denial, which writes nothing).
-- Tokens do not age, so a lease has no expiry of its own (valid_us = 0); unused tokens go back
-- with token_bucket_return.lua.
-- Reply: {granted, remaining, reset_us, retry_after_us, window_start_us (0), valid_us (0)};
-- remaining, reset_us and retry_after_us as token_bucket.lua computes them after the grant.

local bucket_key = KEYS[1]          -- bucket state {taken, last_write_us}
local limit = tonumber(ARGV[1])     -- tokens added per window
local window_us = tonumber(ARGV[2]) -- window length, microseconds
local burst = tonumber(ARGV[3])     -- bucket capacity
local cost = tonumber(ARGV[4])      -- tokens the triggering request takes (granted or denied as a whole)
local jitter_ms = tonumber(ARGV[5]) -- TTL jitter, milliseconds, chosen by the caller
local want = tonumber(ARGV[6])      -- tokens asked for, >= cost (the caller caps it below burst)

local state = read_state(bucket_key, 1)
local taken = meter_used_at(state, limit, window_us, now)
local granted = lease_grant(burst - taken, want, cost)
if granted > 0 then
  taken = taken + granted
end
local reset_us = math.ceil((taken * window_us) / limit)
local retry_after_us = 0
if granted > 0 then
  write_state(bucket_key, { taken, stamp(state and state[2], now) }, ttl_ms(reset_us, jitter_ms))
else
  local candidate = math.ceil(((taken + cost - burst) * window_us) / limit)
  retry_after_us = settle_retry(candidate, function(wait)
    return meter_used_at(state, limit, window_us, now + wait) + cost <= burst
  end)
end

return { granted, clamp_remaining(burst - taken, limit), reset_us, retry_after_us, 0, 0 }
