-- Concurrency limit: takes one lease if fewer than `limit` are held; twin of acquireStep in
-- libs/limiter-core/src/concurrency/concurrency.ts. The leases of a key are a sorted set, member
-- the lease id, score its expiry (integer microseconds). Expired leases (score <= now) are
-- trimmed first, so a caller that crashed without releasing frees its slot when its lease ends.
-- Reply: {allowed (0|1), remaining, reset_us (until every held lease has expired),
-- retry_after_us (when denied: until the earliest expiry)}.

local key = KEYS[1]                  -- the leases: sorted set lease id -> expiry_us
local limit = tonumber(ARGV[1])      -- leases held at once at most
local lease_us = tonumber(ARGV[2])   -- lease lifetime unless released, microseconds
local lease_id = ARGV[3]             -- the new lease's id (random, chosen by the caller)
local jitter_ms = tonumber(ARGV[4])  -- TTL jitter of the key, milliseconds

first_read('ZREMRANGEBYSCORE', key, '-inf', fmt(now))
local held = redis.call('ZCARD', key)
local allowed = held < limit
if allowed then
  redis.call('ZADD', key, fmt(now + lease_us), lease_id)
  held = held + 1
end

local reset_us = 0
local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
if last[2] then reset_us = tonumber(last[2]) - now end
local retry_after_us = 0
if not allowed then
  local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  retry_after_us = tonumber(first[2]) - now
end
-- The key lives as long as its last lease: no key outlives what it holds.
if allowed then redis.call('PEXPIRE', key, ttl_ms(reset_us, jitter_ms)) end

return { as_flag(allowed), clamp_remaining(limit - held, limit), reset_us, retry_after_us }
