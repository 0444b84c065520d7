-- Single flight: KEYS = the hash, the field's claim key; ARGV = field, TTL ms,
-- lease ms, our claim token. Lifts the claim if it is still ours (the
-- computation failed), so that a waiting caller computes at once.
if redis.call('GET', KEYS[2]) == ARGV[4] then redis.call('DEL', KEYS[2]) end
return 1
