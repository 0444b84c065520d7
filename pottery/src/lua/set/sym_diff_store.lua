-- KEYS[1] becomes the symmetric difference of itself and KEYS[2]
-- (in chunks: Lua's unpack has a stack limit).
local common = redis.call('SINTER', KEYS[1], KEYS[2])
local add = redis.call('SDIFF', KEYS[2], KEYS[1])
for i = 1, #common, 1000 do
  redis.call('SREM', KEYS[1], unpack(common, i, math.min(i + 999, #common)))
end
for i = 1, #add, 1000 do
  redis.call('SADD', KEYS[1], unpack(add, i, math.min(i + 999, #add)))
end
return {'ok', 1}
