-- Single-decision script: one token_bucket decision (algorithms/token_bucket.lua), never a dry run.
-- KEYS and ARGV: the keys and args that function takes, in the same order (documented there);
-- a swapped clock prelude may read one more ARGV after them.
return token_bucket(KEYS, ARGV, false)
