-- One window count in a given window; twin of countInWindow in
-- libs/limiter-core/src/algorithms/fixed-window.ts, shared by fixed_window (epoch-aligned windows)
-- and calendar_window (calendar days, weeks, months). The state is the count of the window that
-- holds now, {count, window_start_us}; a count kept for another window start is void. A denial or
-- a peek (cost 0) writes nothing.
local function count_in_window(window_key, limit, start, window_end, cost, jitter_ms, dry_run)
  local state = read_state(window_key, 1)
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

-- The window holding t among [start, window_end), then [window_end, next_end), then windows of the
-- last one's length (a calendar window's roll-over, computed by the caller's clock: see
-- calendar_window.lua); a t still before start keeps the window given. Returns its start, its end
-- and the end of the window after it.
local function window_holding(start, window_end, next_end, t)
  if t < window_end then return start, window_end, next_end end
  local length = next_end - window_end
  local rolled = window_end + math.floor((t - window_end) / length) * length
  return rolled, rolled + length, rolled + 2 * length
end
