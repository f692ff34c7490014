-- Sliding window counter; twin of libs/limiter-core/src/algorithms/sliding-window.ts.
-- Keeps the counts of the current and the previous aligned window and estimates the last
-- `window` as previous x (unelapsed fraction) + current. The state is those counts, which do not
-- depend on the limit: limit changes apply at once (remaining = limit - estimate).
-- Trade-offs: one 20-byte state per key (24 for windows over ~8 minutes), independent of the
-- limit; bursts are smoothed across the boundary. The estimate assumes the previous window's
-- traffic was even, so a sliding interval can see up to (almost) 2 x limit when it was packed at
-- the end; in practice the error is small. A denial or a peek (cost 0) writes nothing.

-- The previous window's count weighted by the unelapsed part of the current window (weighted in TypeScript).
local function sliding_weighted(previous, unelapsed_us, window_us)
  return (previous * unelapsed_us) / window_us
end

-- One decision. dry_run: decide the same, write nothing.
local function sliding_window(keys, args, dry_run)
  local window_key = keys[1]          -- window state {previous_count, current_count, window_start_us}
  local limit = tonumber(args[1])     -- units per window
  local window_us = tonumber(args[2]) -- window length, microseconds
  -- args[3] (burst) is not read: window algorithms ignore it.
  local cost = tonumber(args[4])      -- units this request takes; 0 is a peek
  local jitter_ms = tonumber(args[5]) -- TTL jitter, milliseconds, chosen by the caller

  local state = read_state(window_key, 2)

  -- The counts as seen at time t: start, previous, current, estimate (viewAt in TypeScript).
  local function view_at(t)
    local start = window_start(t, window_us)
    local previous = 0
    local current = 0
    if state ~= nil then
      if state[3] == start then
        previous = state[1]
        current = state[2]
      elseif state[3] == start - window_us then
        previous = state[2]
      end
    end
    return start, previous, current, sliding_weighted(previous, start + window_us - t, window_us) + current
  end

  -- Where the estimate first admits `cost`, solved for the elapsed time; settle_retry verifies it.
  local function retry_candidate(start, previous, current)
    if current + cost <= limit and previous > 0 then
      local elapsed_needed = window_us - ((limit - current - cost) * window_us) / previous
      local candidate = math.ceil(start + elapsed_needed - now)
      if candidate < start + window_us - now then return candidate end
    end
    local next_start = start + window_us
    if current == 0 then return next_start - now end
    local elapsed_needed = window_us - ((limit - cost) * window_us) / current
    if elapsed_needed > 0 then return next_start - now + math.ceil(elapsed_needed) end
    return next_start - now
  end

  local start, previous, current, estimate = view_at(now)
  local allowed = cost == 0 or estimate + cost <= limit
  if allowed and cost > 0 then
    current = current + cost
    estimate = sliding_weighted(previous, start + window_us - now, window_us) + current
    if not dry_run then
      write_state(window_key, { previous, current, start }, ttl_ms(start + 2 * window_us - now, jitter_ms))
    end
  end

  local reset_us = 0
  if current > 0 then
    reset_us = start + 2 * window_us - now
  elseif previous > 0 then
    reset_us = start + window_us - now
  end
  local retry_after_us = 0
  if not allowed then
    retry_after_us = settle_retry(retry_candidate(start, previous, current), function(wait)
      local _, _, _, later_estimate = view_at(now + wait)
      return later_estimate + cost <= limit
    end)
  end

  return { as_flag(allowed), clamp_remaining(limit - estimate, limit), reset_us, retry_after_us }
end
