-- Reads the leases of one key without changing them (the caller inspector); twin of peekLeases
-- in libs/limiter-core/src/concurrency/concurrency.ts. Leases expiring at or before now no longer
-- count, as in acquire.lua, but nothing is trimmed here.
-- Reply: {in_flight, next_expiry_us (until the earliest held lease expires), reset_us (until
-- every held lease has expired)}; zeros when none is held.

local key = KEYS[1]  -- the leases: sorted set lease id -> expiry_us

local live = '(' .. fmt(now)
local in_flight = first_read('ZCOUNT', key, live, '+inf')
local next_expiry_us = 0
local reset_us = 0
if in_flight > 0 then
  local first = redis.call('ZRANGEBYSCORE', key, live, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
  local last = redis.call('ZREVRANGEBYSCORE', key, '+inf', live, 'WITHSCORES', 'LIMIT', 0, 1)
  next_expiry_us = tonumber(first[2]) - now
  reset_us = tonumber(last[2]) - now
end

return { in_flight, next_expiry_us, reset_us }
