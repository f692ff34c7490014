-- A region's share of a global limit counted in a calendar window (a day, week or month in a time
-- zone); twin of libs/limiter-core/src/stacked/global-calendar-window.ts (globalCalendarWindowStep).
-- global_window's contract with calendar_window's bounds. Stacked limits only (batch.lua kind 11).
-- The caller gives the bounds of the window its clock says is current (computed with time-zone
-- data Lua does not have) and the region's cap for that window. While now (Redis TIME)
-- is before the end, the request counts in that window against the cap (a now still before the
-- start, Redis' clock behind the caller's, counts there too); from the end on the cap is not this
-- window's: nothing is counted, and the reply names the window now is in (matched = 0), so the
-- caller asks again with that window's bounds and cap. Same state as calendar_window.
-- Reply: {allowed (0|1), remaining, resetUs, retryAfterUs, windowStartMs, 0, matched (0|1)}
-- (global_window's shape; the count is not reported).

-- One decision. dry_run: decide the same, write nothing.
local function global_calendar_window(keys, args, dry_run)
  local window_key = keys[1]             -- the region's count {count, window_start_us} for one limit and identity
  local cap = tonumber(args[1])          -- the region's allocation for the window: units it may admit in all of it
  local start = tonumber(args[2])        -- the window's start, microseconds
  local window_end = tonumber(args[3])   -- the window's end (the next one's start), microseconds
  local next_end = tonumber(args[4])     -- the next window's end, microseconds
  local cost = tonumber(args[5])         -- units this request takes; 0 is a peek
  local jitter_ms = tonumber(args[6])    -- TTL jitter, milliseconds, chosen by the caller

  if now >= window_end then
    local store_start = window_holding(start, window_end, next_end, now)
    return { 0, 0, 0, 0, math.floor(store_start / 1000), 0, 0 }
  end
  local decision = count_in_window(window_key, cap, start, window_end, cost, jitter_ms, dry_run)
  return { decision[1], decision[2], decision[3], decision[4], math.floor(start / 1000), 0, 1 }
end
