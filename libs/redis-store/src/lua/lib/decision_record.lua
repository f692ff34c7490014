-- Decision records (twin of DecisionRecord in libs/limiter-core/src/settle/settle.ts): what is
-- remembered of one admitted decision so that its cost can be settled later. The settle composer
-- places this block after lib/common.lua and lib/meter.lua. A record is one string of eight
-- little-endian doubles (exact for these integers):
--   kind, limit, window_us, burst, estimated_cost, decided_at_us, expires_at_us, actual_cost
-- kind is the algorithm's 1-based place in ALGORITHMS (1 token_bucket, 2 gcra, 5 fixed_window,
-- 6 leaky_bucket: the settleable ones); actual_cost is -1 until a settle was applied.
local RECORD_FORMAT = '<dddddddd'
local FIXED_WINDOW_KIND = 5
local NOT_SETTLED = -1

local function pack_record(r)
  return struct.pack(RECORD_FORMAT, r.kind, r.limit, r.window_us, r.burst, r.estimated, r.decided_at, r.expires_at, r.actual)
end

-- The record at `key` as a table, or nil when there is none (never written, expired, reset).
local function read_record(key)
  local raw = redis.call('GET', key)
  if not raw then return nil end
  local f = { struct.unpack(RECORD_FORMAT, raw) }
  return { kind = f[1], limit = f[2], window_us = f[3], burst = f[4], estimated = f[5], decided_at = f[6], expires_at = f[7], actual = f[8] }
end

-- settle.ts decisionExpiryUs: one window after the decision for the meter, the end of the
-- decision's own window for the fixed window.
local function record_expiry(kind, window_us, decided_at)
  if kind == FIXED_WINDOW_KIND then return window_start(decided_at, window_us) + window_us end
  return decided_at + window_us
end
