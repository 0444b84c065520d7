-- Replies the remaining TTL in ms if KEYS[1] holds our token ARGV[1], else 0
-- (pottery's _acquired_script).
if redis.call('get', KEYS[1]) == ARGV[1] then
    local pttl = redis.call('pttl', KEYS[1])
    return (pttl > 0) and pttl or 0
else
    return 0
end
