-- The members in exactly one of KEYS[1] and KEYS[2].
local out = redis.call('SDIFF', KEYS[1], KEYS[2])
for _, m in ipairs(redis.call('SDIFF', KEYS[2], KEYS[1])) do out[#out + 1] = m end
return {'ok', out}
