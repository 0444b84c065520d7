-- ARGV: start, stop, step, values... Python's l[start:stop:step] = values.
-- Returns {1, size} when done, {0, size} when an extended slice (step other than
-- 1) has a different size than values (nothing is written).
local n = redis.call('LLEN', key)
local step = tonumber(ARGV[3])
local s, e = indices(n, opt(ARGV[1]), opt(ARGV[2]), step)
if step == 1 then
  if e < s then e = s end
  splice(n, s, e, ARGV, 4, false)
  return {1, e - s}
end
local c = count(s, e, step)
if c ~= #ARGV - 3 then return {0, c} end
for k = 0, c - 1 do redis.call('LSET', key, s + k * step, ARGV[4 + k]) end
return {1, c}
