-- Takes the oldest entry of stream KEYS[1]: reads it and deletes it in one
-- step, so no entry goes to two consumers, ours or Python pottery's (whose
-- WATCHed transaction aborts when we delete first). Deleted before the consumer
-- uses it: delivery is at most once. Replies [id, [field, value, ...]] or nil.
local e = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)
if #e == 0 then return false end
redis.call('XDEL', KEYS[1], e[1][1])
return e[1]
