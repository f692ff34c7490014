-- Single-decision script: one sliding_window decision (algorithms/sliding_window.lua), never a dry run.
-- KEYS and ARGV: the keys and args that function takes, in the same order (documented there);
-- a swapped clock prelude may read one more ARGV after them.
return sliding_window(KEYS, ARGV, false)
