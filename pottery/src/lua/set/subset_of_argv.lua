-- KEYS[1] is a subset of the distinct members in ARGV.
local n = redis.call('SCARD', KEYS[1])
if n > #ARGV then return 0 end
if n == 0 then return 1 end
local hits = 0
for i = 1, #ARGV, 1000 do
  local chunk = redis.call('SMISMEMBER', KEYS[1], unpack(ARGV, i, math.min(i + 999, #ARGV)))
  for _, hit in ipairs(chunk) do hits = hits + hit end
end
if hits == n then return 1 end
return 0
