-- Single-decision script: one global_window decision (algorithms/global_window.lua), never a dry run.
-- KEYS and ARGV: the keys and args that function takes, in the same order (documented there);
-- a swapped clock prelude may read one more ARGV after them.
return global_window(KEYS, ARGV, false)
