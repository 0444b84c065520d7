-- ARGV: start, stop, step. The elements of l[start:stop:step].
local n = redis.call('LLEN', key)
local step = tonumber(ARGV[3])
local s, e = indices(n, opt(ARGV[1]), opt(ARGV[2]), step)
local c = count(s, e, step)
if c == 0 then return {} end
local last = s + (c - 1) * step
local lo = math.min(s, last)
local span = redis.call('LRANGE', key, lo, math.max(s, last))
local out = {}
for k = 0, c - 1 do out[#out + 1] = span[s + k * step - lo + 1] end
return out
