-- KEYS[1] and KEYS[2] share no member; loops over the smaller.
local a, b = KEYS[1], KEYS[2]
if redis.call('SCARD', a) > redis.call('SCARD', b) then a, b = b, a end
for _, m in ipairs(redis.call('SMEMBERS', a)) do
  if redis.call('SISMEMBER', b, m) == 1 then return {'ok', 0} end
end
return {'ok', 1}
