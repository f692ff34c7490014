-- The continuous meter shared by the token bucket, the leaky bucket and GCRA; twin of
-- libs/limiter-core/src/algorithms/meter.ts (same arithmetic, same order).
-- The state is the units *used* at the last write, draining continuously at limit/window of the
-- request's own parameters; a request is admitted while used + cost <= burst. Because the state
-- holds what was used, not what is left, limit changes apply at once: a raise from 3 to 5 after 3
-- were used leaves 2, a lowering below what was used denies until enough has drained.
-- `used` is relative to the last write time (an integer us), so sub-microsecond drain rates
-- (limits up to 1e9 per window) keep full precision. One 12-byte state per key (16 if it
-- outlives ~16 minutes: the codec in lib/common.lua). A denial or a peek (cost 0) writes nothing.

-- The units used at time t (meter.ts usedAt): the stored units less what drained since the write,
-- never below 0; nothing drains while the clock reads earlier than the write.
local function meter_used_at(state, limit, window_us, t)
  if state == nil then return 0 end
  local used = state[1] - (elapsed_since(state[2], t) * limit) / window_us
  if used < 0 then return 0 end
  return used
end

-- One decision (meter.ts meterStep). dry_run: decide the same, write nothing.
local function meter(keys, args, dry_run)
  local state_key = keys[1]           -- state {used, last_write_us}
  local limit = tonumber(args[1])     -- units drained per window
  local window_us = tonumber(args[2]) -- window length, microseconds
  local burst = tonumber(args[3])     -- capacity: the most units in use at once
  local cost = tonumber(args[4])      -- units this request takes; 0 is a peek
  local jitter_ms = tonumber(args[5]) -- TTL jitter, milliseconds, chosen by the caller

  local state = read_state(state_key, 1)
  local used = meter_used_at(state, limit, window_us, now)
  local allowed = cost == 0 or used + cost <= burst
  if allowed and cost > 0 then
    used = used + cost
  end
  local reset_us = math.ceil((used * window_us) / limit)
  local retry_after_us = 0
  if not allowed then
    local candidate = math.ceil(((used + cost - burst) * window_us) / limit)
    retry_after_us = settle_retry(candidate, function(wait)
      return meter_used_at(state, limit, window_us, now + wait) + cost <= burst
    end)
  elseif cost > 0 and not dry_run then
    write_state(state_key, { used, stamp(state and state[2], now) }, ttl_ms(reset_us, jitter_ms))
  end

  return { as_flag(allowed), clamp_remaining(burst - used, limit), reset_us, retry_after_us }
end
