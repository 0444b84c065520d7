-- ARGV = TTL in ms (0: none), field, default: sets the field only if it is
-- absent and replies the value stored, whoever stored it.
redis.call('HSETNX', KEYS[1], ARGV[2], ARGV[3])
local value = redis.call('HGET', KEYS[1], ARGV[2])
if ARGV[1] ~= '0' then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return value
