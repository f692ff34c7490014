-- A region's share of a global limit in one epoch-aligned window; twin of
-- libs/limiter-core/src/global-window.ts (globalWindowStep).
-- Global policies count in windows aligned to the Unix epoch, the same window in every region
-- (start = floor(now / window) * window, `now` from Redis TIME). The region admits `cost` only if
-- count + cost <= cap, where cap is the region's current allocation for that key and window: the
-- most it may admit in the whole window. The cap is an argument, chosen by the enforcer for the
-- window it believes current (expected_start_ms); when this script's window is another one (a
-- request at a boundary, clock skew), nothing is counted and the reply says so (matched = 0), so
-- a cap is never applied to a window it was not allocated for. The state is the count, so a cap
-- change applies at once. A denial or a peek (cost 0) writes nothing.
-- State: {count, window_start_us}, like fixed_window; it expires when its window ends (+ jitter).
-- Reply: {allowed (0|1), remaining, resetUs, retryAfterUs, windowStartMs, count, matched (0|1)}.

-- One decision. dry_run: decide the same, write nothing.
local function global_window(keys, args, dry_run)
  local window_key = keys[1]                  -- the region's count {count, window_start_us} for one policy and identity
  local cap = tonumber(args[1])               -- the region's allocation for the window: units it may admit in all of it
  local window_ms = tonumber(args[2])         -- window length, milliseconds
  local cost = tonumber(args[3])              -- units this request takes; 0 is a peek
  local jitter_ms = tonumber(args[4])         -- TTL jitter, milliseconds, chosen by the caller
  local expected_start_ms = tonumber(args[5]) -- the window start (ms since the epoch) the cap was chosen for

  local window_us = window_ms * 1000
  local state = read_state(window_key, 1)
  local start = window_start(now, window_us)
  local window_end = start + window_us
  local start_ms = start / 1000
  local count = 0
  if state ~= nil and state[2] == start then
    count = state[1]
  end
  if start_ms ~= expected_start_ms then
    return { 0, 0, 0, 0, start_ms, count, 0 }
  end
  local allowed = cost == 0 or count + cost <= cap
  if allowed and cost > 0 then
    count = count + cost
    if not dry_run then write_state(window_key, { count, start }, ttl_ms(window_end - now, jitter_ms)) end
  end

  local reset_us = 0
  if count > 0 then reset_us = window_end - now end
  local retry_after_us = 0
  if not allowed then retry_after_us = window_end - now end

  return { as_flag(allowed), clamp_remaining(cap - count, cap), reset_us, retry_after_us, start_ms, count, 1 }
end
