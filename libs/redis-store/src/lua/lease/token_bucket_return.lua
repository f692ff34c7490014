-- Gives unused leased tokens back to a token bucket: tokens = min(burst, tokens now + units).
-- Exact: a token taken and never spent is worth what it was, and the cap is what the refill would
-- have reached without the lease. An expired (absent) bucket is full already: nothing is written.
-- Reply: the tokens actually added, rounded to a whole number (0 when the bucket was full).

local bucket_key = KEYS[1]          -- bucket state {tokens, last_refill_us}
local limit = tonumber(ARGV[1])     -- tokens added per window
local window_us = tonumber(ARGV[2]) -- window length, microseconds
local burst = tonumber(ARGV[3])     -- bucket capacity
local units = tonumber(ARGV[4])     -- unused leased tokens to give back, >= 1
local jitter_ms = tonumber(ARGV[5]) -- TTL jitter, milliseconds, chosen by the caller

local state = read_state(bucket_key, 1)
if state == nil then return 0 end

local tokens = state[1] + (elapsed_since(state[2], now) * limit) / window_us
if tokens > burst then tokens = burst end
local restored = tokens + units
if restored > burst then restored = burst end
local added = restored - tokens
if added <= 0 then return 0 end
local reset_us = math.ceil(((burst - restored) * window_us) / limit)
write_state(bucket_key, { restored, stamp(state[2], now) }, ttl_ms(reset_us, jitter_ms))
return math.floor(added + 0.5)
