-- Fixed window counter; twin of libs/limiter-core/src/algorithms/fixed-window.ts.
-- Time is cut into epoch-aligned windows; each admits `limit` units.
-- Trade-offs: the cheapest state of the set, 12 bytes per key (16 for windows over ~16 minutes);
-- a full `limit` may arrive at the start of each window, so a sliding interval spanning a
-- boundary may see up to 2 x limit (aligned windows never exceed it). Retry is exact: the next
-- window's start. A denial writes nothing.

local window_key = KEYS[1]          -- window state {count, window_start_us}
local limit = tonumber(ARGV[1])     -- units per window
local window_us = tonumber(ARGV[2]) -- window length, microseconds
-- ARGV[3] (burst) is not read: window algorithms ignore it.
local cost = tonumber(ARGV[4])      -- units this request takes
local jitter_ms = tonumber(ARGV[5]) -- TTL jitter, milliseconds, chosen by the caller

local state = read_state(window_key, 1)
local start = window_start(now, window_us)
local window_end = start + window_us
local count = 0
if state ~= nil and state[2] == start then
  count = state[1]
end
local allowed = count + cost <= limit
if allowed then
  count = count + cost
  write_state(window_key, { count, start }, ttl_ms(window_end - now, jitter_ms))
end

local reset_us = 0
if count > 0 then reset_us = window_end - now end
local retry_after_us = 0
if not allowed then retry_after_us = window_end - now end

return { as_flag(allowed), clamp_remaining(limit - count, limit), reset_us, retry_after_us }
