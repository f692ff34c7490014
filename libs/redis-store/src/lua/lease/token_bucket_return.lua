-- Gives unused leased tokens back to a token bucket: taken = max(0, taken now - units).
-- Exact: a token taken and never spent is worth what it was, and the floor is what the refill
-- would have reached without the lease (a full bucket). An expired (absent) bucket is full
-- already: nothing is written.
-- Reply: the tokens actually given back, rounded to a whole number (0 when the bucket was full).

local bucket_key = KEYS[1]          -- bucket state {taken, last_write_us}
local limit = tonumber(ARGV[1])     -- tokens added per window
local window_us = tonumber(ARGV[2]) -- window length, microseconds
-- ARGV[3] (burst) is not read: giving back never depends on the capacity.
local units = tonumber(ARGV[4])     -- unused leased tokens to give back, >= 1
local jitter_ms = tonumber(ARGV[5]) -- TTL jitter, milliseconds, chosen by the caller

local state = read_state(bucket_key, 1)
if state == nil then return 0 end

local taken = meter_used_at(state, limit, window_us, now)
local restored = taken - units
if restored < 0 then restored = 0 end
local given = taken - restored
if given <= 0 then return 0 end
local reset_us = math.ceil((restored * window_us) / limit)
write_state(bucket_key, { restored, stamp(state[2], now) }, ttl_ms(reset_us, jitter_ms))
return math.floor(given + 0.5)
