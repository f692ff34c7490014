-- Clock prelude: the time of this decision, taken from the Redis server, never from the caller,
-- so every enforcer in a region shares one clock per key. Integer microseconds since the epoch:
-- TIME replies {seconds, microseconds}. Redis 7 replicates script effects, so reading TIME
-- before a write is allowed. Tests swap this prelude for one that reads ARGV (see libs/testing).
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
