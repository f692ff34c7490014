-- @nestjs/throttler storage semantics (ThrottlerStorage.increment, v6), atomically in Redis, for
-- apps that switch the throttler's storage to Redis. Twin of the package's in-memory
-- ThrottlerStorageService, per (key, throttler name):
-- - every admitted hit expires on its own, `ttl` after it was made (a sliding log); totalHits is
--   the number of live hits;
-- - timeToExpire: seconds until the record's window ends; the window starts at the first hit and
--   restarts at the first hit after it ended;
-- - block_ms > 0: the hit that takes totalHits over `limit` is recorded and blocks the key for
--   block_ms; blocked hits are not recorded; the first hit after the block ends clears the log and
--   counts as the first of a new one;
-- - block_ms <= 0: no block; a hit is rejected (and not recorded) while `limit` hits are live,
--   and timeToBlockExpire says when the oldest live one expires.
-- Trade-offs: one sorted-set entry per live hit, so memory is O(limit) per key (as in the
-- package's own storage); exact where a counter would be approximate.
-- Times are integer microseconds from Redis TIME (`now`, from the clock prelude). Replies are
-- whole seconds, rounded up like the package's.

local hits_key = KEYS[1]               -- sorted set: one member per live hit, scored by its expiry (us)
local meta_key = KEYS[2]               -- hash: exp = window end (us), blk = block end (us, absent when unblocked), seq = hit counter
local ttl_us = tonumber(ARGV[1])       -- how long a hit lives, microseconds (> 0)
local limit = tonumber(ARGV[2])        -- live hits allowed (>= 0)
local block_us = tonumber(ARGV[3])     -- block length once over the limit, microseconds (0: never block)
local jitter_ms = tonumber(ARGV[4])    -- TTL jitter, milliseconds, chosen by the caller

local function seconds_until(t)
  return math.ceil((t - now) / 1000000)
end

local function add_hit()
  local seq = redis.call('HINCRBY', meta_key, 'seq', 1)
  redis.call('ZADD', hits_key, fmt(now + ttl_us), seq)
end

redis.call('ZREMRANGEBYSCORE', hits_key, '-inf', fmt(now))
local total = redis.call('ZCARD', hits_key)

local window_end = tonumber(redis.call('HGET', meta_key, 'exp'))
if window_end == nil or window_end <= now then
  window_end = now + ttl_us
  redis.call('HSET', meta_key, 'exp', fmt(window_end))
end
local time_to_expire = seconds_until(window_end)

local blocked
local time_to_block = 0
local reported = total
local block_end = 0

if block_us <= 0 then
  blocked = total >= limit
  if blocked then
    reported = total + 1
    local oldest = redis.call('ZRANGE', hits_key, 0, 0, 'WITHSCORES')
    if oldest[2] ~= nil then
      time_to_block = seconds_until(tonumber(oldest[2]))
    else
      time_to_block = time_to_expire
    end
  else
    add_hit()
    reported = total + 1
  end
  redis.call('HDEL', meta_key, 'blk')
else
  block_end = tonumber(redis.call('HGET', meta_key, 'blk')) or 0
  blocked = block_end > 0
  if not blocked then
    add_hit()
    reported = total + 1
    if reported > limit then
      blocked = true
      block_end = now + block_us
      redis.call('HSET', meta_key, 'blk', fmt(block_end))
    end
  end
  if blocked then
    time_to_block = seconds_until(block_end)
    if time_to_block <= 0 then
      redis.call('DEL', hits_key)
      redis.call('HDEL', meta_key, 'blk')
      block_end = 0
      blocked = false
      time_to_block = 0
      add_hit()
      reported = 1
    end
  end
end

-- Both keys live as long as anything in them matters: the window, the block, the newest hit.
local keep_until = window_end
if block_end > keep_until then keep_until = block_end end
local newest = redis.call('ZRANGE', hits_key, -1, -1, 'WITHSCORES')
if newest[2] ~= nil and tonumber(newest[2]) > keep_until then keep_until = tonumber(newest[2]) end
local expiry_ms = ttl_ms(keep_until - now, jitter_ms)
redis.call('PEXPIRE', meta_key, expiry_ms)
if redis.call('EXISTS', hits_key) == 1 then redis.call('PEXPIRE', hits_key, expiry_ms) end

return { reported, time_to_expire, as_flag(blocked), time_to_block }
