-- Counts of the work queue on stream KEYS[1] (group ARGV[1]), delayed zset
-- KEYS[2], dead letters KEYS[3], counters KEYS[4], in one step. Acked entries
-- are deleted, so the stream holds exactly the items ready or in flight.
-- Replies {ready, in flight, delayed, dead, age of the oldest entry in ms or
-- -1, redeliveries, late acks}.
local K = KEYS[1]
local len = redis.call('XLEN', K)
local pending = 0
local p = redis.pcall('XPENDING', K, ARGV[1])
if not p.err then pending = tonumber(p[1]) end
local oldest = -1
local first = redis.call('XRANGE', K, '-', '+', 'COUNT', 1)
if #first > 0 then
  local ms = tonumber(string.match(first[1][1], '^(%d+)'))
  oldest = math.max(0, now_ms() - ms)
end
local c = redis.call('HMGET', KEYS[4], 'redeliveries', 'late_acks')
return {math.max(0, len - pending), pending, redis.call('ZCARD', KEYS[2]),
  redis.call('XLEN', KEYS[3]), oldest, tonumber(c[1]) or 0, tonumber(c[2]) or 0}
