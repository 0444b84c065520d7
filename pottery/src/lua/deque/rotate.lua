-- ARGV: |n| in decimal, sign (- or +). Rotates n steps to the right (left if
-- negative) for any n, reduced exactly modulo the length (digit by digit, so huge
-- n lose no precision), moving the fewer elements with LMOVE.
local key = KEYS[1]
local n = redis.call('LLEN', key)
if n < 2 then return 0 end
local r = 0
for i = 1, #ARGV[1] do r = (r * 10 + tonumber(string.sub(ARGV[1], i, i))) % n end
if ARGV[2] == '-' then r = (n - r) % n end
if r == 0 then return 0 end
if r <= n - r then
  for i = 1, r do redis.call('LMOVE', key, key, 'RIGHT', 'LEFT') end
else
  for i = 1, n - r do redis.call('LMOVE', key, key, 'LEFT', 'RIGHT') end
end
return r
