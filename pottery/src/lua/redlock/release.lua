-- Deletes KEYS[1] if it holds our token ARGV[1]; replies 1 or 0
-- (pottery's _release_script).
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
else
    return 0
end
