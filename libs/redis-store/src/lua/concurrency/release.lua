-- Releases one lease; twin of releaseStep in libs/limiter-core/src/concurrency/concurrency.ts.
-- Reply: 1 when the lease was held and had not expired; 0 when it is unknown or expired (an
-- expired one is removed all the same).

local key = KEYS[1]       -- the leases: sorted set lease id -> expiry_us
local lease_id = ARGV[1]  -- the lease to release

local expiry = first_read('ZSCORE', key, lease_id)
if not expiry then return 0 end
redis.call('ZREM', key, lease_id)
if tonumber(expiry) <= now then return 0 end
return 1
