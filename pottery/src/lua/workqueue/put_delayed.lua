-- Adds item ARGV[3] under token ARGV[2], due ARGV[1] ms from now on the
-- server's clock: member `<token>:0:<item>` of the delayed zset KEYS[2]
-- (score: the due time in ms); with 0 ms, straight into the stream KEYS[1] as
-- `item <item> first <token>`. Replies nothing.
local delay = tonumber(ARGV[1])
if delay <= 0 then
  redis.call('XADD', KEYS[1], '*', 'item', ARGV[3], 'first', ARGV[2])
else
  redis.call('ZADD', KEYS[2], now_ms_up() + delay, ARGV[2] .. ':0:' .. ARGV[3])
end
return 1
