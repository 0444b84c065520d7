-- ARGV: index. Removes and returns the element at a Python index; nil if out of range.
local n = redis.call('LLEN', key)
local i = tonumber(ARGV[1])
if i < 0 then i = i + n end
if i < 0 or i >= n then return false end
if i == 0 then return redis.call('LPOP', key) end
if i == n - 1 then return redis.call('RPOP', key) end
return splice(n, i, i + 1, {}, 1, true)[1]
