-- Batch script: N decisions in one call, each by the very function its single-decision script
-- runs (algorithms/*.lua), applied in order at one `now` (one TIME per call): two decisions for
-- the same key behave as if sent one after the other at that instant. One reply array, entry i
-- answering decision i. Built by RedisCounterStore.decideMany (encodeBatch in batch-codec.ts).
--
-- Keys: decision i takes the next 1 key (2 for sliding_log: log, sequence) from the list
-- KEYS[1..#KEYS] followed by the keys carried in ARGV. A call normally declares every key; a
-- cross-slot call on Redis Cluster (the allow-cross-slot-keys variant) declares only the keys of
-- one slot (Redis 7.0 refuses declared keys of several slots) and carries the rest, which must be
-- served by the same node.
--
-- Each decision's record: RECORD_WIDTH values (a stacked one: STACKED_HEAD + LIMIT_WIDTH per limit)
--   kind     1 token_bucket, 2 gcra, 3 sliding_window, 4 sliding_log, 5 fixed_window, 6 leaky_bucket
--            (the order of ALGORITHMS in limiter-core), 7 global_window, 8 stacked
--   dry_run  1: decide the same, write nothing; 0: a real decision
--   a1..a4   kinds 1-6: limit, window_us, burst, cost; kind 7: cap, window_ms, cost, expected_start_ms
--   kind 8:  n (limits), cost, then per limit: limit_kind (1-6 as above, 9 calendar_window, 10
--            global limit, 11 global calendar limit) and p1..p4: kinds 1-6 limit, window_us, burst,
--            0; kind 9 limit, start_us, end_us, next_end_us; kind 10 cap, window_ms,
--            expected_start_ms, 0 (global_window: this region's share of a limit shared by all
--            regions, in the stack's all-or-nothing); kind 11 cap, start_us, end_us, next_end_us
--            (global_calendar_window: the same share, in the calendar window the caller gives).
--            Its keys: each limit's in order (two for sliding_log).
-- The TTL jitter is not sent per decision: decision i (from 0) gets
-- (jitter_base + i * JITTER_STRIDE_MS) % jitter_span ms, so keys written together spread over the
-- span instead of expiring together (batchJitterMs in batch-codec.ts is its twin).
--
-- Reply entry: the function's own reply ({allowed, remaining, resetUs, retryAfterUs}, or the
-- seven integers of global_window; a stacked decision {allowed, then the four per limit, then
-- windowStartMs and matched per global limit, in order}), or {'not_run', error} when Redis refused the decision's first
-- read (nothing of it was written: see first_read), or {'failed', error} when it failed later.
-- A failure never stops the other decisions.

local count = tonumber(ARGV[1])       -- n: decisions in this call
local carried = tonumber(ARGV[2])     -- keys carried in ARGV after the declared KEYS (0 unless cross-slot)
local jitter_base = tonumber(ARGV[3]) -- TTL jitter of decision 0, milliseconds, in [0, jitter_span)
local jitter_span = tonumber(ARGV[4]) -- jitters stay in [0, jitter_span) milliseconds; >= 1
-- ARGV[5 .. 4 + carried]: the carried keys, in decision order
-- ARGV[5 + carried ..]: the n records, RECORD_WIDTH values each (see above)

local RECORD_WIDTH = 6
local STACKED_HEAD = 4
local LIMIT_WIDTH = 5
local JITTER_STRIDE_MS = 379
local GLOBAL_WINDOW = 7
local STACKED = 8
local CALENDAR_WINDOW = 9
local GLOBAL_LIMIT = 10
local GLOBAL_CALENDAR_LIMIT = 11
local DECIDERS = { token_bucket, gcra, sliding_window, sliding_log, fixed_window, leaky_bucket, global_window }
local KEY_COUNTS = { 1, 1, 1, 2, 1, 1, 1 }

-- One limit of a stack, {kind, keys, p1..p4}, at `cost`.
local function decide_limit(limit, cost, dry_run, jitter_ms)
  if limit.kind == CALENDAR_WINDOW then
    return calendar_window(limit.keys, { limit.p1, limit.p2, limit.p3, limit.p4, cost, jitter_ms }, dry_run)
  end
  if limit.kind == GLOBAL_LIMIT then
    -- A window other than expected_start_ms denies (matched 0): the stack then takes nothing.
    return global_window(limit.keys, { limit.p1, limit.p2, cost, jitter_ms, limit.p3 }, dry_run)
  end
  if limit.kind == GLOBAL_CALENDAR_LIMIT then
    return global_calendar_window(limit.keys, { limit.p1, limit.p2, limit.p3, limit.p4, cost, jitter_ms }, dry_run)
  end
  return DECIDERS[limit.kind](limit.keys, { limit.p1, limit.p2, limit.p3, cost, jitter_ms }, dry_run)
end

-- Stacked limits, all or nothing; twin of decideStacked in libs/limiter-core/src/stacked/stacked.ts
-- (same decisions for the same states, all at this call's `now`):
-- 1. every limit decides `cost`. When every limit keeps its state in one string (no sliding_log)
--    and the request is real, each decides for real with its writes held (write_state); otherwise
--    as a dry run (sliding_log writes with commands that read back, INCR, so it is not held);
-- 2. if all admit: the held writes are SET, or, after a dry first pass, every limit decides again
--    for real (a dry-run request keeps the first pass: it is what a real one would get);
-- 3. otherwise nothing is written (held writes are dropped), and every limit that admitted is
--    peeked (cost 0, dry run), so it reports what it holds, untouched.
local function stacked(limits, cost, dry_run, jitter_ms)
  local holding = not dry_run
  for j = 1, #limits do
    if KEY_COUNTS[limits[j].kind] == 2 then holding = false end
  end
  if holding then held_writes = {} end
  local decisions = {}
  local all = true
  for j = 1, #limits do
    decisions[j] = decide_limit(limits[j], cost, not holding, jitter_ms)
    if decisions[j][1] == 0 then all = false end
  end
  local held = held_writes
  held_writes = nil
  if all and holding then
    for w = 1, #held do
      redis.call('SET', held[w][1], held[w][2], 'PX', held[w][3])
    end
  elseif all and not dry_run then
    for j = 1, #limits do
      decisions[j] = decide_limit(limits[j], cost, false, jitter_ms)
    end
  elseif not all then
    for j = 1, #limits do
      if decisions[j][1] == 1 then decisions[j] = decide_limit(limits[j], 0, true, jitter_ms) end
    end
  end
  local reply = { as_flag(all) }
  for j = 1, #decisions do
    for v = 1, 4 do reply[#reply + 1] = decisions[j][v] end
  end
  for j = 1, #decisions do
    if limits[j].kind == GLOBAL_LIMIT or limits[j].kind == GLOBAL_CALENDAR_LIMIT then
      reply[#reply + 1] = decisions[j][5] -- windowStartMs the store counted in
      reply[#reply + 1] = decisions[j][7] -- matched: 1 when that is expected_start_ms
    end
  end
  return reply
end

local declared = #KEYS
local function key_at(index)
  if index <= declared then return KEYS[index] end
  return ARGV[4 + index - declared]
end

local replies = {}
local next_key = 1
local record = 5 + carried
for i = 1, count do
  local kind = tonumber(ARGV[record])
  local dry_run = ARGV[record + 1] == '1'
  local jitter_ms = (jitter_base + (i - 1) * JITTER_STRIDE_MS) % jitter_span
  local ok, reply
  refused = nil
  held_writes = nil
  if kind == STACKED then
    local n = tonumber(ARGV[record + 2])
    local cost = tonumber(ARGV[record + 3])
    local limits = {}
    local at = record + STACKED_HEAD
    for j = 1, n do
      local limit_kind = tonumber(ARGV[at])
      local keys = { key_at(next_key) }
      if KEY_COUNTS[limit_kind] == 2 then keys[2] = key_at(next_key + 1) end
      next_key = next_key + (KEY_COUNTS[limit_kind] or 1)
      limits[j] = { kind = limit_kind, keys = keys, p1 = ARGV[at + 1], p2 = ARGV[at + 2], p3 = ARGV[at + 3], p4 = ARGV[at + 4] }
      at = at + LIMIT_WIDTH
    end
    record = at
    ok, reply = pcall(stacked, limits, cost, dry_run, jitter_ms)
  else
    local keys = { key_at(next_key) }
    if KEY_COUNTS[kind] == 2 then keys[2] = key_at(next_key + 1) end
    next_key = next_key + (KEY_COUNTS[kind] or 1)
    local args
    if kind == GLOBAL_WINDOW then
      args = { ARGV[record + 2], ARGV[record + 3], ARGV[record + 4], jitter_ms, ARGV[record + 5] }
    else
      args = { ARGV[record + 2], ARGV[record + 3], ARGV[record + 4], ARGV[record + 5], jitter_ms }
    end
    record = record + RECORD_WIDTH
    ok, reply = pcall(DECIDERS[kind], keys, args, dry_run)
  end

  if ok then
    replies[i] = reply
  elseif refused ~= nil then
    replies[i] = { 'not_run', refused }
  else
    replies[i] = { 'failed', tostring(reply) }
  end
end

return replies
