-- Removes some entry, picked by Redis at random: {field, value}, or nil if empty.
local picked = redis.call('HRANDFIELD', KEYS[1], 1, 'WITHVALUES')
if #picked == 0 then return false end
redis.call('HDEL', KEYS[1], picked[1])
return picked
