-- KEYS[1] is a subset of KEYS[2], short-circuiting on the sizes.
if redis.call('SCARD', KEYS[1]) > redis.call('SCARD', KEYS[2]) then return {'ok', 0} end
for _, m in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('SISMEMBER', KEYS[2], m) == 0 then return {'ok', 0} end
end
return {'ok', 1}
