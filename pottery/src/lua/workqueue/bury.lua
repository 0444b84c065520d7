-- Dead-letters entries of consumer ARGV[2] of group ARGV[1] on stream KEYS[1]
-- into KEYS[2] with reason ARGV[3]: ARGV[4..] are pairs (entry id, delivery
-- count), each moved only if still ours. For items that do not decode: the
-- queue keeps flowing, the item is kept whole. Replies how many moved.
local K, DEAD, group, me, reason = KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3]
local moved = 0
for i = 4, #ARGV - 1, 2 do
  local id, count = ARGV[i], tonumber(ARGV[i + 1])
  if ours(K, group, me, id, count) then
    local e = redis.call('XRANGE', K, id, id)
    if #e == 1 then
      bury(K, DEAD, group, id, e[1][2], count + carried(e[1][2]), reason, me)
      moved = moved + 1
    else
      redis.call('XACK', K, group, id)
    end
  end
end
return moved
