-- Settles one recorded decision of a stacked policy (settle/stack_record.lua): settle.lua's rules
-- applied to every limit at once. Atomic: the record and every counter share the stack's hash tag.
-- - status 1 (settled): every limit whose own expiry is still ahead is charged actual - estimated
--   when the actual cost is higher (never refused: a limit may run into debt), or refunded the
--   difference when it is lower, never below zero used (a refund never lifts a counter above its
--   limit); a limit whose window is over is left as it is. The record keeps the applied actual cost.
-- - status 2 (repeated): a settle was applied before; nothing changes, whatever the actual cost.
-- - status 3 (expired): at or after the record's expiry (every limit's); nothing changes.
-- - status 0 (unknown): no record, or one naming other counters than KEYS; nothing changes.
-- Reply: {status, estimated_cost, applied_actual_cost (-1: none), now_us, then per limit:
-- remaining, reset_us, limit, open (1 while the limit's own expiry is ahead)}; an unknown
-- decision replies the first four only.

local record_key = KEYS[1]          -- the decision record: <stack key>:d:<nonce>
-- KEYS[2 .. n + 1]: the counters the record names, in its order
local actual = tonumber(ARGV[1])    -- the actual cost, integer >= 0
local jitter_ms = tonumber(ARGV[2]) -- TTL jitter of a written counter, milliseconds

local record = read_stack_record(record_key)
local known = record ~= nil and #record.limits == #KEYS - 1
if known then
  for j = 1, #record.limits do
    if record.limits[j].key ~= KEYS[j + 1] then known = false end
  end
end
if not known then return { 0, 0, NOT_SETTLED, now } end

local status = settle_status(record)
if status == 1 then record.actual = actual end

local reply = { status, record.estimated, record.actual, now }
for j = 1, #record.limits do
  local l = record.limits[j]
  local open = now < l.expires_at
  local delta = 0
  if status == 1 and open then delta = actual - record.estimated end
  local remaining, reset_us = adjust_limit(l.key, l, delta, jitter_ms)
  for _, v in ipairs({ remaining, reset_us, l.limit, as_flag(open) }) do reply[#reply + 1] = v end
end

if status == 1 then redis.call('SET', record_key, pack_stack_record(record), 'KEEPTTL') end
return reply
