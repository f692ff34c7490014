-- Leaky bucket as a meter; twin of libs/limiter-core/src/algorithms/leaky-bucket.ts.
-- Each request pours `cost` into a bucket of capacity `burst` that drains at limit/window; a
-- request that would overflow it is denied. It is not a queue: nothing is delayed. The state is
-- the level (units used): the meter of lib/meter.lua, whose keys and args it takes. Limit changes
-- apply at once (remaining = burst - level).
-- Trade-offs: the token bucket seen from the other side (level = tokens taken), so it admits the
-- same traffic; draining is continuous, no boundaries. A denial writes nothing.
local leaky_bucket = meter
