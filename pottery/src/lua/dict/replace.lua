-- ARGV = field, value: sets it and returns the old value (nil if new).
local old = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return old
