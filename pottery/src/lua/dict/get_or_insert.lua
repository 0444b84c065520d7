-- Python's dict.setdefault: ARGV = field, default; the value stored after it.
redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
return redis.call('HGET', KEYS[1], ARGV[1])
