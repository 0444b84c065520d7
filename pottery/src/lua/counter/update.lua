-- Adds ARGV[2i] to field ARGV[2i-1] for every pair, atomically: every existing
-- count is checked to be an integer before anything is written.
for i = 1, #ARGV, 2 do
  local v = redis.call('HGET', KEYS[1], ARGV[i])
  if v and not string.match(v, '^%-?%d+$') then
    return redis.error_reply('ERR hash value is not an integer')
  end
end
for i = 1, #ARGV, 2 do
  redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1])
end
return 1
