-- A lookup: the value at field ARGV[1] of hash KEYS[1], and a TTL reset of
-- ARGV[2] ms unless it is '0'. Replies {value} ({} for a miss). On a key of
-- another type HGET raises WRONGTYPE and the TTL is left alone.
local v = redis.call('HGET', KEYS[1], ARGV[1])
if ARGV[2] ~= '0' then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return {v}
