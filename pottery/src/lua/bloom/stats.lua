-- {BITCOUNT, STRLEN} of the filter, read together.
return {redis.call('BITCOUNT', KEYS[1]), redis.call('STRLEN', KEYS[1])}
