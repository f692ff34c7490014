-- Token bucket; twin of libs/limiter-core/src/algorithms/token-bucket.ts.
-- A bucket of `burst` tokens refills continuously at limit/window; a request takes `cost` tokens
-- or is denied. The state is the tokens *taken* (missing from a full bucket), refilled at the
-- request's own rate: the meter of lib/meter.lua, whose keys and args it takes. Limit changes apply
-- at once (remaining = burst - taken). Keys written by earlier versions held tokens left; their
-- suffix changed (`tu`, was `tb`), so every bucket restarted full once.
-- Trade-offs: admits up to `burst` at once after a quiet period, then the steady rate; no window
-- boundaries. A denial writes nothing: the refill is derivable, so denials are read-only.
local token_bucket = meter
