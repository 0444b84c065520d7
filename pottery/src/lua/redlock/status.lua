-- Who holds the lock KEYS[1] and for how long, and the last fencing token of
-- its counter KEYS[2], read together: { value or false, PTTL, counter or false }.
return { redis.call('get', KEYS[1]), redis.call('pttl', KEYS[1]), redis.call('get', KEYS[2]) }
