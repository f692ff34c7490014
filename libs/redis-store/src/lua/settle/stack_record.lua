-- Records one admitted decision of a stacked policy (lib/settle.lua's stacked record) beside the
-- stack's key, under the stack's hash tag, so that settle/stack_settle.lua can later charge or
-- refund the difference between the cost it consumed and the actual cost on every limit. Run right
-- after the decision, only for requests that asked to be settleable, and only for stacks whose
-- every limit is settleable (token_bucket, gcra, leaky_bucket, fixed_window, calendar windows);
-- `now` is Redis TIME, like the decision's.
-- Each limit can be settled until its own expiry: one window after the decision for the meter,
-- the end of the decision's window for a window limit (a window limit whose counter names an
-- earlier window counted the decision there: its window is over already, as in record.lua). The
-- record can be settled until the latest of them, and lives a grace period longer, so that a late
-- settle is told "expired" by the script itself rather than "unknown".
-- Reply: expires_at_us, the integer microsecond time from which a settle changes nothing.

local record_key = KEYS[1]          -- the decision record: <stack key>:d:<nonce>
-- KEYS[2 .. n + 1]: each limit's counter, in the stack's order (read for window limits only)
local estimated = tonumber(ARGV[1]) -- the cost the decision consumed (from every limit)
local grace_ms = tonumber(ARGV[2])  -- how long the record outlives its expiry, milliseconds
-- ARGV[3 ..]: per limit, LIMIT_ARGS values: kind, limit, window_us, burst, start_us, end_us, next_end_us

local limits = read_stack_limits(ARGV, 3, #KEYS - 1)
local expires_at = 0
for j = 1, #limits do
  local l = limits[j]
  l.key = KEYS[j + 1]
  if is_window(l.kind) then
    l.start, l.window_end, l.next_end = limit_window(l, now)
    l.expires_at = l.window_end
    local state = read_state(l.key, 1) -- {count, window_start_us}
    if state ~= nil and state[2] < l.start then l.expires_at = l.start end
  else
    l.start, l.window_end, l.next_end = 0, 0, 0
    l.expires_at = now + l.window_us
  end
  if l.expires_at > expires_at then expires_at = l.expires_at end
end
local record = { estimated = estimated, decided_at = now, expires_at = expires_at, actual = NOT_SETTLED, limits = limits }
redis.call('SET', record_key, pack_stack_record(record), 'PX', ttl_ms(expires_at - now, grace_ms))
return expires_at
