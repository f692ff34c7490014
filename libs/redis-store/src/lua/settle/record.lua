-- Records one admitted decision (lib/settle.lua) beside its counter, under the counter's
-- hash tag, so that settle/settle.lua can later charge or refund the difference between the cost
-- it consumed and the actual cost. Run right after the decision, only for requests that asked to
-- be settleable; `now` is Redis TIME, like the decision's.
-- The record lives until its expiry plus a grace period: a settle in the grace period is told
-- "expired" by the script itself rather than "unknown".
-- A fixed-window decision belongs to the window its counter was written in, which the counter
-- still names unless a request of a later window came in between: a record landing just after
-- the window's end then expires at that end (a settle gets "expired"), not a window later.
-- Reply: expires_at_us, the integer microsecond time from which a settle changes nothing.

local record_key = KEYS[1]           -- the decision record: <counter key>:d:<nonce>
local counter_key = KEYS[2]          -- the decision's counter (read for a fixed window only)
local kind = tonumber(ARGV[1])       -- 1 token_bucket, 2 gcra, 5 fixed_window, 6 leaky_bucket
local limit = tonumber(ARGV[2])      -- the decision's limit
local window_us = tonumber(ARGV[3])  -- the decision's window, microseconds
local burst = tonumber(ARGV[4])      -- the decision's capacity (burst)
local estimated = tonumber(ARGV[5])  -- the cost the decision consumed
local grace_ms = tonumber(ARGV[6])   -- how long the record outlives its expiry, milliseconds

local expires_at = record_expiry(kind, window_us, now)
if kind == FIXED_WINDOW_KIND then
  local state = read_state(counter_key, 1) -- {count, window_start_us}
  if state ~= nil and state[2] + window_us < expires_at then expires_at = state[2] + window_us end
end
local record = { kind = kind, limit = limit, window_us = window_us, burst = burst, estimated = estimated, decided_at = now, expires_at = expires_at, actual = NOT_SETTLED }
redis.call('SET', record_key, pack_record(record), 'PX', ttl_ms(expires_at - now, grace_ms))
return expires_at
