-- Takes up to ARGV[1] of the oldest entries of stream KEYS[1]: reads them and
-- deletes them in one step, as claim.lua does for one. Replies
-- [[id, [field, value, ...]], ...], oldest first (empty if the stream is).
local e = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', tonumber(ARGV[1]))
if #e == 0 then return e end
local ids = {}
for i = 1, #e do ids[i] = e[i][1] end
for i = 1, #ids, 1000 do
  redis.call('XDEL', KEYS[1], unpack(ids, i, math.min(i + 999, #ids)))
end
return e
