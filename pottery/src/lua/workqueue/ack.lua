-- Acknowledges entry ARGV[3] (delivery count ARGV[4]) of consumer ARGV[2] of
-- group ARGV[1] on stream KEYS[1]: if still ours, XACK and XDEL (an acked item
-- leaves no trace), reply 1. If not (the lease ran out and someone else took
-- it, or it was dead-lettered), nothing changes but the count of late acks in
-- hash KEYS[2] (each is a duplicate processing): reply 0.
local K, COUNTS, group, me, id = KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3]
if ours(K, group, me, id, tonumber(ARGV[4])) then
  redis.call('XACK', K, group, id)
  redis.call('XDEL', K, id)
  return 1
end
redis.call('HINCRBY', COUNTS, 'late_acks', 1)
return 0
