-- Creates the set unless KEYS[1] exists: 1 if created, 0 if it existed.
-- ARGV: the members (SADD in chunks: Lua's unpack has a stack limit).
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
for i = 1, #ARGV, 1000 do
  redis.call('SADD', KEYS[1], unpack(ARGV, i, math.min(i + 999, #ARGV)))
end
return 1
