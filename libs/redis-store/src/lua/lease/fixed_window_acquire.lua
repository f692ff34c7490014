-- Fixed-window lease: counts up to `want` units against the current window in one step, for an
-- enforcer to spend from its own memory (hot keys). Same key, codec and window as
-- fixed_window.lua, so leased units are counted for every other caller at once: leasing can never
-- admit more than `limit` in a window. The lease is valid only until the window ends (valid_us);
-- unused units are then void, and before that fixed_window_return.lua gives them back to the same
-- window only (window_start_us identifies it).
-- Grant: lease_grant (lib/lease.lua): `want`, or the whole units left when fewer but at least
-- `cost`; 0 when the window cannot cover `cost` (a denial, which writes nothing).
-- Reply: {granted, remaining, reset_us, retry_after_us, window_start_us, valid_us}.

local window_key = KEYS[1]          -- window state {count, window_start_us}
local limit = tonumber(ARGV[1])     -- units per window
local window_us = tonumber(ARGV[2]) -- window length, microseconds
-- ARGV[3] (burst) is not read: window algorithms ignore it.
local cost = tonumber(ARGV[4])      -- units the triggering request takes (granted or denied as a whole)
local jitter_ms = tonumber(ARGV[5]) -- TTL jitter, milliseconds, chosen by the caller
local want = tonumber(ARGV[6])      -- units asked for, >= cost (the caller caps it below limit)

local state = read_state(window_key, 1)
local start = window_start(now, window_us)
local window_end = start + window_us
local count = 0
if state ~= nil and state[2] == start then
  count = state[1]
end
local granted = lease_grant(limit - count, want, cost)
if granted > 0 then
  count = count + granted
  write_state(window_key, { count, start }, ttl_ms(window_end - now, jitter_ms))
end

local reset_us = 0
if count > 0 then reset_us = window_end - now end
local retry_after_us = 0
if granted == 0 then retry_after_us = window_end - now end

return { granted, clamp_remaining(limit - count, limit), reset_us, retry_after_us, start, window_end - now }
