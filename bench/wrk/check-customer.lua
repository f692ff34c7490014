-- wrk script: POST /v1/check over BENCH_KEYS random keys (default 100k) for one customer,
-- BENCH_CUSTOMER, so one stored policy decides every request (bench/stacked-limits.ts).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local keys = tonumber(os.getenv("BENCH_KEYS") or "100000")
local customer = os.getenv("BENCH_CUSTOMER") or "bench"

function setup(thread)
  thread:set("seed", math.random(1, 1000000))
end

function init(args)
  math.randomseed(seed or os.time())
end

function request()
  return wrk.format(nil, nil, nil, '{"key":"user:' .. math.random(1, keys) .. '","customerId":"' .. customer .. '"}')
end
