-- Single-decision script: one fixed_window decision (algorithms/fixed_window.lua), never a dry run.
-- KEYS and ARGV: the keys and args that function takes, in the same order (documented there);
-- a swapped clock prelude may read one more ARGV after them.
return fixed_window(KEYS, ARGV, false)
