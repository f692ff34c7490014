-- Fixed window counter; twin of libs/limiter-core/src/algorithms/fixed-window.ts.
-- Time is cut into epoch-aligned windows; each admits `limit` units. The state is the count of
-- the current window, which does not depend on the limit: limit changes apply at once
-- (remaining = limit - count).
-- Trade-offs: the cheapest state of the set, 12 bytes per key (16 for windows over ~16 minutes);
-- a full `limit` may arrive at the start of each window, so a sliding interval spanning a
-- boundary may see up to 2 x limit (aligned windows never exceed it). Retry is exact: the next
-- window's start. A denial or a peek (cost 0) writes nothing.

-- One decision. dry_run: decide the same, write nothing.
local function fixed_window(keys, args, dry_run)
  local window_key = keys[1]          -- window state {count, window_start_us}
  local limit = tonumber(args[1])     -- units per window
  local window_us = tonumber(args[2]) -- window length, microseconds
  -- args[3] (burst) is not read: window algorithms ignore it.
  local cost = tonumber(args[4])      -- units this request takes; 0 is a peek
  local jitter_ms = tonumber(args[5]) -- TTL jitter, milliseconds, chosen by the caller

  local state = read_state(window_key, 1)
  local start = window_start(now, window_us)
  local window_end = start + window_us
  local count = 0
  if state ~= nil and state[2] == start then
    count = state[1]
  end
  local allowed = cost == 0 or count + cost <= limit
  if allowed and cost > 0 then
    count = count + cost
    if not dry_run then write_state(window_key, { count, start }, ttl_ms(window_end - now, jitter_ms)) end
  end

  local reset_us = 0
  if count > 0 then reset_us = window_end - now end
  local retry_after_us = 0
  if not allowed then retry_after_us = window_end - now end

  return { as_flag(allowed), clamp_remaining(limit - count, limit), reset_us, retry_after_us }
end
