-- ARGV: field, old value, new value. Sets the field to the new value if it
-- still holds the old one (read earlier by the client): 1; else 0.
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
