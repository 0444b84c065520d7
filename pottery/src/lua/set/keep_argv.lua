-- Keeps only the members of KEYS[1] that are in ARGV; returns how many went.
local keep = {}
for _, m in ipairs(ARGV) do keep[m] = true end
local drop = {}
for _, m in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if not keep[m] then drop[#drop + 1] = m end
end
for i = 1, #drop, 1000 do
  redis.call('SREM', KEYS[1], unpack(drop, i, math.min(i + 999, #drop)))
end
return #drop
