-- ARGV: start, stop, want removed (1/0), maxlen (or empty), values...
-- Python's l[start:stop] = values; nil if the result would exceed maxlen, else
-- the removed elements (empty unless asked for).
local n = redis.call('LLEN', key)
local a, b = indices(n, opt(ARGV[1]), opt(ARGV[2]), 1)
if b < a then b = a end
local max = opt(ARGV[4])
if max ~= nil and n - (b - a) + (#ARGV - 4) > max then return false end
return splice(n, a, b, ARGV, 5, ARGV[3] == '1')
