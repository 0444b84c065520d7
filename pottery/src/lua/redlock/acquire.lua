-- Takes the lock KEYS[1] for our token ARGV[1] for ARGV[2] ms if it is free
-- (pottery's SET NX PX, same value and expiry), and on success increments the
-- lock's fence counter KEYS[2] (no expiry: tokens outlive the lock key).
-- Replies the counter's new value, or 0 when the lock is held.
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
    return redis.call('incr', KEYS[2])
else
    return 0
end
