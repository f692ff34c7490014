-- wrk script: POST /v1/check for ONE key (BENCH_HOT_KEY) with an inline limit of BENCH_HOT_LIMIT
-- per day: every enforcer instance under test hammers the same counter.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local key = os.getenv("BENCH_HOT_KEY") or "hot:1"
local limit = os.getenv("BENCH_HOT_LIMIT") or "10000"
local body = '{"key":"' .. key .. '","limit":' .. limit .. ',"windowSeconds":86400}'

function request()
  return wrk.format(nil, nil, nil, body)
end
