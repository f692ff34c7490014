-- wrk script: POST /v1/check over 100k random keys (seeded per thread), JSON body; with
-- BENCH_CUSTOMER set, every request names that customer, so its stored policy decides
-- (bench/stacked-limits.ts).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local keys = tonumber(os.getenv("BENCH_KEYS") or "100000")
local customer = os.getenv("BENCH_CUSTOMER")
local suffix = customer and ('","customerId":"' .. customer .. '"}') or '"}'

function setup(thread)
  thread:set("seed", math.random(1, 1000000))
end

function init(args)
  math.randomseed(seed or os.time())
end

function request()
  return wrk.format(nil, nil, nil, '{"key":"user:' .. math.random(1, keys) .. suffix)
end
