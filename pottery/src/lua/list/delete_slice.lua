-- ARGV: start, stop, step. Python's del l[start:stop:step]; returns how many
-- elements went.
local n = redis.call('LLEN', key)
local step = tonumber(ARGV[3])
local s, e = indices(n, opt(ARGV[1]), opt(ARGV[2]), step)
local c = count(s, e, step)
if c == 0 then return 0 end
if step < 0 then s, step = s + (c - 1) * step, -step end
local hi = s + (c - 1) * step
if step == 1 then splice(n, s, hi + 1, {}, 1, false) return c end
local span = redis.call('LRANGE', key, s, hi)
local kept = {}
for k = 1, #span do
  if (k - 1) % step ~= 0 then kept[#kept + 1] = span[k] end
end
splice(n, s, hi + 1, kept, 1, false)
return c
