-- Adds ARGV[2i] to field ARGV[2i-1] for every pair, atomically: every existing
-- count is checked to be an integer before anything is written, and if an
-- increment still fails (it would overflow 64 bits) the counts already changed
-- are put back before the error is returned: Redis does not roll back a script.
local old = {}
for i = 1, #ARGV, 2 do
  local v = redis.call('HGET', KEYS[1], ARGV[i])
  if v and not string.match(v, '^%-?%d+$') then
    return redis.error_reply('ERR hash value is not an integer')
  end
  old[#old + 1] = v or false
end
for i = 1, #ARGV, 2 do
  local r = redis.pcall('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1])
  if type(r) == 'table' and r.err then
    for j = 1, i - 2, 2 do
      local v = old[(j + 1) / 2]
      if v then redis.call('HSET', KEYS[1], ARGV[j], v) else redis.call('HDEL', KEYS[1], ARGV[j]) end
    end
    return r
  end
end
return 1
