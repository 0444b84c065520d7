-- Gives back entry ARGV[3] (delivery count ARGV[4]) of consumer ARGV[2] of
-- group ARGV[1] on stream KEYS[1], to be delivered again after ARGV[5] ms: if
-- still ours, it leaves the stream and its item goes to the delayed zset
-- KEYS[2] (member `<first id>:<deliveries so far>:<item>`, due on the server's
-- clock), or straight back into the stream for 0 ms; once it had ARGV[6]
-- deliveries, to the dead letters KEYS[3] instead. Replies 1 (retried), 2
-- (dead-lettered) or 0 (not ours: nothing changed).
local K, DELAYED, DEAD = KEYS[1], KEYS[2], KEYS[3]
local group, me, id, count = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local retry, maxd = tonumber(ARGV[5]), tonumber(ARGV[6])
if not ours(K, group, me, id, count) then return 0 end
local e = redis.call('XRANGE', K, id, id)
if #e == 0 then
  redis.call('XACK', K, group, id)
  return 0
end
local fields = e[1][2]
local total = count + carried(fields)
if total >= maxd then
  bury(K, DEAD, group, id, fields, total, 'max_deliveries', me)
  return 2
end
local item, first = field(fields, 'item') or '', field(fields, 'first') or id
redis.call('XACK', K, group, id)
redis.call('XDEL', K, id)
if retry <= 0 then
  redis.call('XADD', K, '*', 'item', item, 'deliveries', total, 'first', first)
else
  redis.call('ZADD', DELAYED, now_ms_up() + retry, first .. ':' .. total .. ':' .. item)
end
return 1
