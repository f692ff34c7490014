-- Gives the unused units of a stacked lease back to every limit they were taken from (see
-- stacked_acquire.lua), each by its own rule, never lifting a limit above its capacity (a count
-- never drops below zero):
-- - a token bucket: tokens taken = max(0, taken now - units), as token_bucket_return.lua;
-- - a window limit: only to the window the units were taken in (leased_start_us), while it still
--   holds now; after it the units are void. An absent key gets nothing back (it is full already).
-- Reply: the units the tightest limit took back (the fewest over the limits), a whole number.

local n = tonumber(ARGV[1])          -- limits in the stack: KEYS[1..n], one key each
local units = tonumber(ARGV[2])      -- unused leased units to give back, >= 1
local jitter_ms = tonumber(ARGV[3])  -- TTL jitter, milliseconds, chosen by the caller
-- ARGV[4 .. 3 + n * LEASE_LIMIT_WIDTH]: the limits, as stacked_acquire.lua takes them
-- ARGV[4 + n * LEASE_LIMIT_WIDTH + (j - 1)]: limit j's leased_start_us, as stacked_acquire.lua
--   replied (0 for a token bucket)

local fewest = nil
for j = 1, n do
  local limit = read_lease_limit(j, 4)
  local given = 0
  local same_window = limit.bucket or limit.start == tonumber(ARGV[3 + n * LEASE_LIMIT_WIDTH + j])
  if limit.state ~= nil and same_window then
    given = units
    if given > limit.used then given = limit.used end
    if given > 0 then write_lease_limit(limit, limit.used - given, jitter_ms) end
  end
  if given < 0 then given = 0 end
  if fewest == nil or given < fewest then fewest = given end
end
return math.floor((fewest or 0) + 0.5)
