-- Charges every limit of a stacked policy without deciding (settle/charge.lua for each, in one
-- atomic call: the counters share the stack's hash tag): the cost is added to what each limit has
-- used, never refused, and may run the caller into debt on any of them. For Envoy's second
-- ShouldRateLimit from `apply_on_stream_done` under a stack whose every limit is settleable.
-- Reply: per limit, in order, remaining and reset_us after the charge.

-- KEYS[1 .. n]: each limit's counter, in the stack's order
local cost = tonumber(ARGV[1])      -- units to charge to every limit, integer >= 1
local jitter_ms = tonumber(ARGV[2]) -- TTL jitter of the written counters, milliseconds
-- ARGV[3 ..]: per limit, LIMIT_ARGS values: kind, limit, window_us, burst, start_us, end_us, next_end_us

local limits = read_stack_limits(ARGV, 3, #KEYS)
local reply = {}
for j = 1, #limits do
  local remaining, reset_us = adjust_limit(KEYS[j], limits[j], cost, jitter_ms)
  reply[#reply + 1] = remaining
  reply[#reply + 1] = reset_us
end
return reply
