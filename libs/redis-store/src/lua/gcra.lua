-- Single-decision script: one gcra decision (algorithms/gcra.lua), never a dry run.
-- KEYS and ARGV: the keys and args that function takes, in the same order (documented there);
-- a swapped clock prelude may read one more ARGV after them.
return gcra(KEYS, ARGV, false)
