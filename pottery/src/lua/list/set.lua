-- ARGV: index, value. LSET at a Python index; 0 if out of range.
local n = redis.call('LLEN', key)
local i = tonumber(ARGV[1])
if i < 0 then i = i + n end
if i < 0 or i >= n then return 0 end
redis.call('LSET', key, i, ARGV[2])
return 1
