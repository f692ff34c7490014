-- Lease helpers shared by the lease scripts; the lease composer places this block after
-- lib/common.lua. Mirrors leaseGrant in libs/limiter-core/src/hot-keys/lease-sizing.ts.

-- The units one acquisition takes from `available`: `want` (the caller caps it, see leaseSize),
-- or whatever whole units are left when that is less but still covers `cost`; 0 (deny) when
-- available cannot cover `cost`.
local function lease_grant(available, want, cost)
  local whole = math.floor(available)
  if whole < cost then return 0 end
  if want > whole then return whole end
  return want
end
