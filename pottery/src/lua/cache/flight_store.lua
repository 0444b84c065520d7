-- Single flight: KEYS = the hash, the field's claim key; ARGV = field, TTL ms
-- ('0': none), lease ms, the value, our claim token. Stores the value
-- (resetting the TTL) and lifts the claim if it is still ours.
redis.call('HSET', KEYS[1], ARGV[1], ARGV[4])
if ARGV[2] ~= '0' then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if redis.call('GET', KEYS[2]) == ARGV[5] then redis.call('DEL', KEYS[2]) end
return 1
