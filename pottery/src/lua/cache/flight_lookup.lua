-- Single flight: KEYS = the hash, the field's claim key; ARGV = field, TTL ms
-- ('0': none), lease ms, our claim token. Looks the field up (resetting the
-- TTL); on a miss claims the computation for the lease if nobody holds it.
-- Replies {1, value} (a hit), {2} (the claim is ours) or {3} (someone else's).
local v = redis.call('HGET', KEYS[1], ARGV[1])
if ARGV[2] ~= '0' then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if v then return {1, v} end
if redis.call('SET', KEYS[2], ARGV[4], 'NX', 'PX', ARGV[3]) then return {2} end
return {3}
