-- wrk script: POST /v1/check over BENCH_KEYS keys (default 10M, so nearly every request creates a
-- counter whatever the policy count), each request for one of 20,000 customers on a
-- route, so policy resolution (customer id, tier + route/method) is exercised on every request.
wrk.method = "POST"
local keys = tonumber(os.getenv("BENCH_KEYS") or "10000000")
wrk.headers["Content-Type"] = "application/json"

function setup(thread)
  thread:set("seed", math.random(1, 1000000))
end

function init(args)
  math.randomseed(seed or os.time())
end

function request()
  local customer = math.random(0, 19999)
  return wrk.format(nil, nil, nil,
    '{"key":"user:' .. math.random(1, keys) .. '","customerId":"cust-' .. customer ..
    '","route":"/v1/search","method":"GET"}')
end
