-- Resets the TTL of KEYS[1] to ARGV[2] ms if it holds our token ARGV[1];
-- replies 1 or 0 (pottery's _extend_script).
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('pexpire', KEYS[1], ARGV[2])
else
    return 0
end
