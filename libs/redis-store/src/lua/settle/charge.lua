-- Charges a counter without deciding (twin of LocalLimiter.charge / adjustCounter in
-- libs/limiter-core/src/settle/settle.ts): the cost is added to what the counter has used, never
-- refused, and may run the caller into debt that the next requests pay off. For a cost known only
-- after the response and reported without a decision of its own: Envoy's second ShouldRateLimit
-- from `apply_on_stream_done`, whose answer Envoy ignores.
-- Reply: {remaining, reset_us} after the charge.

local counter_key = KEYS[1]          -- the counter: meter state {used, last_write_us} or fixed window {count, window_start_us}
local kind = tonumber(ARGV[1])       -- 1 token_bucket, 2 gcra, 5 fixed_window, 6 leaky_bucket
local limit = tonumber(ARGV[2])      -- the policy's limit
local window_us = tonumber(ARGV[3])  -- the policy's window, microseconds
local burst = tonumber(ARGV[4])      -- the policy's capacity (burst)
local cost = tonumber(ARGV[5])       -- units to charge, integer >= 1
local jitter_ms = tonumber(ARGV[6])  -- TTL jitter of the written counter, milliseconds

local remaining, reset_us = adjust_counter(counter_key, kind, limit, window_us, burst, cost, jitter_ms)
return { remaining, reset_us }
