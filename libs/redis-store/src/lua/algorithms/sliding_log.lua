-- Sliding window log; twin of libs/limiter-core/src/algorithms/sliding-log.ts.
-- Records every admitted request and counts those in the last `window`. The state is the admitted
-- entries, which do not depend on the limit: limit changes apply at once (remaining = limit -
-- costs in the window). A peek (cost 0) adds no entry, so no phantom entry moves the reset.
-- Trade-offs: O(limit) memory per key (one sorted-set entry per admitted request in the window),
-- so it suits low limits (logins, password resets), not 1e6-per-minute quotas; a full `limit`
-- may arrive at once; boundaries are exact: no interval of one window ever holds more than
-- `limit`. Retry is exact: the moment enough of the oldest entries leave the window.
--
-- Storage: the entries live in a sorted set scored by their time (us) so that the window is one
-- range query. The TypeScript log is ordered by insertion, which differs from time order once
-- the clock steps backwards; each member therefore carries an insertion sequence ("seq:cost",
-- unique for the life of the key) kept in a second key under the same hash tag, and the entries
-- are put back in insertion order before summing and before the oldest-first retry rule.
-- Expired entries are removed only when a request is admitted (TypeScript writes only then); a
-- denial is read-only.

-- One decision. dry_run: decide the same, write nothing.
local function sliding_log(keys, args, dry_run)
  local log_key = keys[1]             -- sorted set: member "seq:cost", score = admitted at (us)
  local sequence_key = keys[2]        -- insertion counter for members of log_key (same hash tag)
  local limit = tonumber(args[1])     -- units per window
  local window_us = tonumber(args[2]) -- window length, microseconds
  -- args[3] (burst) is not read: window algorithms ignore it.
  local cost = tonumber(args[4])      -- units this request takes; 0 is a peek
  local jitter_ms = tonumber(args[5]) -- TTL jitter, milliseconds, chosen by the caller

  local horizon = now - window_us

  -- Entries still inside the window (at > horizon), in insertion order.
  local range = first_read('ZRANGEBYSCORE', log_key, '(' .. fmt(horizon), '+inf', 'WITHSCORES')
  local entries = {}
  local in_order = true
  for i = 1, #range, 2 do
    local sequence, entry_cost = string.match(range[i], '^(%d+):(.+)$')
    local entry = { sequence = tonumber(sequence), at = tonumber(range[i + 1]), cost = tonumber(entry_cost) }
    local count = #entries
    if count > 0 and entries[count].sequence > entry.sequence then in_order = false end
    entries[count + 1] = entry
  end
  if not in_order then
    table.sort(entries, function(a, b) return a.sequence < b.sequence end)
  end

  local total = 0
  for i = 1, #entries do
    total = total + entries[i].cost
  end
  local allowed = cost == 0 or total + cost <= limit
  local admitted = allowed and cost > 0
  if admitted then
    entries[#entries + 1] = { at = now, cost = cost }
    total = total + cost
  end

  local retry_after_us = 0
  if not allowed then
    retry_after_us = window_us
    local freed = 0
    for i = 1, #entries do
      freed = freed + entries[i].cost
      if total - freed + cost <= limit then
        retry_after_us = entries[i].at + window_us - now
        break
      end
    end
  end
  local reset_us = 0
  if #entries > 0 then
    reset_us = entries[#entries].at + window_us - now
  end

  if admitted and not dry_run then
    local expiry_ms = ttl_ms(reset_us, jitter_ms)
    redis.call('ZREMRANGEBYSCORE', log_key, '-inf', fmt(horizon))
    local sequence = redis.call('INCR', sequence_key)
    redis.call('ZADD', log_key, fmt(now), fmt(sequence) .. ':' .. fmt(cost))
    redis.call('PEXPIRE', log_key, expiry_ms)
    redis.call('PEXPIRE', sequence_key, expiry_ms)
  end

  return { as_flag(allowed), clamp_remaining(limit - total, limit), reset_us, retry_after_us }
end
