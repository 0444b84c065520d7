-- ARGV: field, value, field, value, ... Deletes each field whose value is
-- still the one given (read earlier by the client); a field changed since is
-- left alone. Returns how many were deleted.
local n = 0
for i = 1, #ARGV, 2 do
  if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[i + 1] then
    n = n + redis.call('HDEL', KEYS[1], ARGV[i])
  end
end
return n
