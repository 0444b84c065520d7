-- Deletes KEYS[1] if it holds our token ARGV[1]; replies 1 or 0
-- (pottery's _release_script). A deletion also wakes the lock's waiters: a
-- message on the channel ARGV[2], sharded (SPUBLISH, ARGV[3] = '1') when the
-- master is a cluster node, the channel then in KEYS[1]'s slot. Python
-- pottery's waiters do not listen; ours also poll. Without ARGV[2] (the
-- bench's raw baseline), no message. `pcall`: a publish the ACL refuses (no
-- `&` channel pattern) leaves the release done and successful, its waiters
-- polling.
if redis.call('get', KEYS[1]) == ARGV[1] then
    redis.call('del', KEYS[1])
    if ARGV[3] == '1' then
        redis.pcall('spublish', ARGV[2], '1')
    elseif ARGV[2] then
        redis.pcall('publish', ARGV[2], '1')
    end
    return 1
else
    return 0
end
