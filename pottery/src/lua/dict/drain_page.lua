-- ARGV: cursor, count. One HSCAN page of hash KEYS[1], its fields deleted in
-- the same step: {next cursor, {field, value, ...}} of what was removed.
local page = redis.call('HSCAN', KEYS[1], ARGV[1], 'COUNT', tonumber(ARGV[2]))
local flat = page[2]
for i = 1, #flat, 2000 do
  local fields = {}
  for j = i, math.min(i + 1998, #flat), 2 do fields[#fields + 1] = flat[j] end
  redis.call('HDEL', KEYS[1], unpack(fields))
end
return page
