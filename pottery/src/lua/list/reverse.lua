-- Reverses the list in place.
local vals = redis.call('LRANGE', key, 0, -1)
if #vals < 2 then return #vals end
redis.call('DEL', key)
push('LPUSH', vals)
return #vals
