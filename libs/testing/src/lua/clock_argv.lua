-- Test-only clock prelude: `now` comes from the caller instead of Redis TIME, so a test can drive
-- a script through exact, repeatable times (including a clock that steps backwards) and compare
-- each decision with the TypeScript algorithm at the same instant. Never used in production.
local now = tonumber(ARGV[#ARGV]) -- the last ARGV: the decision time, integer microseconds since the epoch
