-- Gives unused leased units back to the fixed window they were taken from. Nothing happens once
-- that window has ended (the units are void: the next window starts from zero anyway) or when the
-- key has expired. The count never drops below zero.
-- Reply: the units actually given back.

local window_key = KEYS[1]               -- window state {count, window_start_us}
-- ARGV[1] (limit) is not read.
local window_us = tonumber(ARGV[2])      -- window length, microseconds
-- ARGV[3] (burst) is not read: window algorithms ignore it.
local units = tonumber(ARGV[4])          -- unused leased units to give back, >= 1
local jitter_ms = tonumber(ARGV[5])      -- TTL jitter, milliseconds, chosen by the caller
local leased_start = tonumber(ARGV[6])   -- window_start_us of the lease, as fixed_window_acquire.lua replied

local state = read_state(window_key, 1)
if state == nil or state[2] ~= leased_start or window_start(now, window_us) ~= leased_start then return 0 end

local given = units
if given > state[1] then given = state[1] end
if given <= 0 then return 0 end
write_state(window_key, { state[1] - given, leased_start }, ttl_ms(leased_start + window_us - now, jitter_ms))
return given
