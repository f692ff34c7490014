-- Settles one recorded decision; twin of settleStep in libs/limiter-core/src/settle/settle.ts
-- (same arithmetic, same order; the counting is adjust_counter in lib/settle.lua). Atomic: the
-- record and the counter share one hash tag.
-- - status 1 (settled): the counter is charged actual - estimated when the actual cost is higher
--   (never refused: the units used may exceed the capacity, a debt the next requests pay off by
--   waiting), or refunded the difference when it is lower, never below zero used (a refund never
--   lifts the counter above its limit). The record keeps the applied actual cost.
-- - status 2 (repeated): a settle was applied before; nothing changes, whatever the actual cost.
-- - status 3 (expired): at or after the record's expiry; nothing changes.
-- - status 0 (unknown): no record; nothing changes.
-- Reply: {status, remaining, reset_us, estimated_cost, applied_actual_cost (-1: none), limit, now_us}:
-- now_us lets the caller tell an unknown decision from one whose record is gone after its expiry.

local record_key = KEYS[1]          -- the decision record: <counter key>:d:<nonce>
local counter_key = KEYS[2]         -- the counter: meter state {used, last_write_us} or fixed window {count, window_start_us}
local actual = tonumber(ARGV[1])    -- the actual cost, integer >= 0
local jitter_ms = tonumber(ARGV[2]) -- TTL jitter of a written counter, milliseconds

local record = read_record(record_key)
if record == nil then return { 0, 0, 0, 0, NOT_SETTLED, 0, now } end

local status = settle_status(record)
local delta = 0
if status == 1 then delta = actual - record.estimated end

local remaining, reset_us = adjust_counter(counter_key, record.kind, record.limit, record.window_us, record.burst, delta, jitter_ms)

if status == 1 then
  record.actual = actual
  redis.call('SET', record_key, pack_record(record), 'KEEPTTL')
end
return { status, remaining, reset_us, record.estimated, record.actual, record.limit, now }
