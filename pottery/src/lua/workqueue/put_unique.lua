-- Adds item ARGV[2] to stream KEYS[1] unless the dedup key KEYS[2] exists
-- (an earlier put with the same id, within the window); it then holds the
-- entry's id for ARGV[1] ms. Replies the id, or false for a duplicate.
if redis.call('EXISTS', KEYS[2]) == 1 then return false end
local id = redis.call('XADD', KEYS[1], '*', 'item', ARGV[2])
redis.call('SET', KEYS[2], id, 'PX', ARGV[1])
return id
