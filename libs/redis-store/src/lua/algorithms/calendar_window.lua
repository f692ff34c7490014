-- Calendar window; twin of libs/limiter-core/src/stacked/calendar-window.ts.
-- A fixed window whose bounds the caller gives (a calendar day, week or month in a time zone,
-- computed on the caller's clock: Lua has no time-zone data). The window is [start, end) while
-- now (Redis TIME) is before end; from end on it is the next one, [end, next_end), so a Redis clock
-- already past the boundary counts in the new window; beyond next_end (a late write-back) windows
-- of the last one's length follow; a now still before start (Redis' clock behind the caller's)
-- counts in the window given. Same state and semantics as fixed_window (lib/window.lua).

-- The calendar window holding now, {start, end}, from the caller's window [start, window_end)
-- and the next one's end (shared with the stacked lease scripts, lua/lease/stacked_*.lua).
local function calendar_bounds_at(start, window_end, next_end)
  if now >= window_end then
    local length = next_end - window_end
    start = window_end + math.floor((now - window_end) / length) * length
    window_end = start + length
  end
  return start, window_end
end

-- One decision. dry_run: decide the same, write nothing.
local function calendar_window(keys, args, dry_run)
  local window_key = keys[1]             -- window state {count, window_start_us}
  local limit = tonumber(args[1])        -- units per window
  local start = tonumber(args[2])        -- the window's start, microseconds
  local window_end = tonumber(args[3])   -- the window's end (the next one's start), microseconds
  local next_end = tonumber(args[4])     -- the next window's end, microseconds
  local cost = tonumber(args[5])         -- units this request takes; 0 is a peek
  local jitter_ms = tonumber(args[6])    -- TTL jitter, milliseconds, chosen by the caller

  start, window_end = calendar_bounds_at(start, window_end, next_end)
  return count_in_window(window_key, limit, start, window_end, cost, jitter_ms, dry_run)
end
