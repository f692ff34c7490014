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

  local start = window_start(now, window_us)
  return count_in_window(window_key, limit, start, start + window_us, cost, jitter_ms, dry_run)
end
