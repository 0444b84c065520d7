-- ARGV[1] = the TTL in ms (0: none), ARGV[2..] = field, value pairs: one HSET
-- (in chunks of 500 pairs), then the TTL refresh.
for i = 2, #ARGV, 1000 do
  redis.call('HSET', KEYS[1], unpack(ARGV, i, math.min(i + 999, #ARGV)))
end
if ARGV[1] ~= '0' then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return 1
