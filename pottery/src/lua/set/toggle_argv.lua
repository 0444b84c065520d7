-- Removes each (distinct) member of ARGV that is in KEYS[1], adds the others.
for _, m in ipairs(ARGV) do
  if redis.call('SREM', KEYS[1], m) == 0 then redis.call('SADD', KEYS[1], m) end
end
return 1
