-- Single-decision script: one leaky_bucket decision (algorithms/leaky_bucket.lua), never a dry run.
-- KEYS and ARGV: the keys and args that function takes, in the same order (documented there);
-- a swapped clock prelude may read one more ARGV after them.
return leaky_bucket(KEYS, ARGV, false)
