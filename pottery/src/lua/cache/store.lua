-- A store: field ARGV[1] of hash KEYS[1] set to ARGV[2], and a TTL reset of
-- ARGV[3] ms unless it is '0'. On a key of another type HSET raises WRONGTYPE
-- and the TTL is left alone.
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if ARGV[3] ~= '0' then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return 1
