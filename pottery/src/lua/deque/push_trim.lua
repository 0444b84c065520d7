-- ARGV: side (L or R), maxlen, values... Pushes the values on that side, then
-- trims the other side down to maxlen, in one step: no writer that uses it can
-- make the list longer than maxlen. Returns the new length.
local key = KEYS[1]
local cmd = ARGV[1] == 'L' and 'LPUSH' or 'RPUSH'
local max = tonumber(ARGV[2])
for i = 3, #ARGV, 1000 do
  redis.call(cmd, key, unpack(ARGV, i, math.min(i + 999, #ARGV)))
end
local n = redis.call('LLEN', key)
if n <= max then return n end
if max == 0 then redis.call('DEL', key)
elseif ARGV[1] == 'L' then redis.call('LTRIM', key, 0, max - 1)
else redis.call('LTRIM', key, n - max, -1) end
return max
