-- ARGV[1] = the TTL in ms (0: leave the expiry alone), ARGV[2..] = fields: their
-- values, in order (nil where absent), then the TTL refresh, as pottery refreshes
-- it when a CachedOrderedDict is made. HMGET goes in chunks because Lua's unpack
-- has a stack limit.
local values = {}
for i = 2, #ARGV, 1000 do
  local part = redis.call('HMGET', KEYS[1], unpack(ARGV, i, math.min(i + 999, #ARGV)))
  for j = 1, #part do values[#values + 1] = part[j] end
end
if ARGV[1] ~= '0' then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return values
