-- Counter arithmetic with collections.Counter's semantics, on exact decimal
-- strings (sums go through HINCRBY, comparisons compare the digits).
-- KEYS[1] = destination; ARGV = op (add sub or and pos neg), source of a, source
-- of b, inline pairs. A source is k<i> (the hash at KEYS[i]), n<count> (that many
-- inline field/count pairs, a's first) or - (none).
local function bad(v)
  if v == '0' then return false end
  if not string.match(v, '^%-?[1-9]%d*$') then return true end
  return math.abs(tonumber(v)) >= 9.2e18
end
local function sign(v)
  if v == '0' then return 0 elseif string.sub(v, 1, 1) == '-' then return -1 end
  return 1
end
local function neg(v)
  if v == '0' then return v elseif string.sub(v, 1, 1) == '-' then return string.sub(v, 2) end
  return '-' .. v
end
local function cmp(x, y)
  local sx, sy = sign(x), sign(y)
  if sx ~= sy then return (sx < sy) and -1 or 1 end
  if sx == 0 then return 0 end
  local ax, ay = x, y
  if sx < 0 then ax, ay = string.sub(x, 2), string.sub(y, 2) end
  local c = 0
  if #ax ~= #ay then c = (#ax < #ay) and -1 or 1
  elseif ax ~= ay then c = (ax < ay) and -1 or 1 end
  if sx < 0 then c = -c end
  return c
end
local argi = 4
local function load(mode)
  local map, order = {}, {}
  if mode == '-' then return map, order, false end
  local kind, n = string.sub(mode, 1, 1), tonumber(string.sub(mode, 2))
  local flat
  if kind == 'k' then
    flat = redis.call('HGETALL', KEYS[n])
  else
    flat = {}
    for i = argi, argi + 2 * n - 1 do flat[#flat + 1] = ARGV[i] end
    argi = argi + 2 * n
  end
  for i = 1, #flat, 2 do
    local f, v = flat[i], flat[i + 1]
    if bad(v) then return map, order, true end
    if map[f] == nil then order[#order + 1] = f end
    map[f] = v
  end
  return map, order, false
end
local op = ARGV[1]
local a, aorder, abad = load(ARGV[2])
local b, border, bbad = load(ARGV[3])
if abad or bbad then
  return redis.error_reply('ERR hash value is not an integer count that fits in 64 bits')
end
local dest = KEYS[1]
if op == 'add' or op == 'sub' then
  for _, f in ipairs(border) do
    local y = tonumber(b[f])
    if op == 'sub' then y = -y end
    if math.abs(tonumber(a[f] or '0') + y) >= 9.2e18 then
      return redis.error_reply('ERR increment or decrement would overflow')
    end
  end
  redis.call('DEL', dest)
  local signs, order = {}, {}
  for _, f in ipairs(aorder) do
    redis.call('HSET', dest, f, a[f])
    signs[f] = sign(a[f])
    order[#order + 1] = f
  end
  for _, f in ipairs(border) do
    local v = b[f]
    if op == 'sub' then v = neg(v) end
    local n = redis.call('HINCRBY', dest, f, v)
    if signs[f] == nil then order[#order + 1] = f end
    signs[f] = (n > 0 and 1) or (n < 0 and -1) or 0
  end
  for _, f in ipairs(order) do
    if signs[f] <= 0 then redis.call('HDEL', dest, f) end
  end
  return 1
end
local out = {}
local function keep(f, v)
  if sign(v) > 0 then out[#out + 1] = f; out[#out + 1] = v end
end
if op == 'or' then
  for _, f in ipairs(aorder) do
    local x, y = a[f], b[f] or '0'
    keep(f, (cmp(x, y) >= 0) and x or y)
  end
  for _, f in ipairs(border) do
    if a[f] == nil then keep(f, b[f]) end
  end
elseif op == 'and' then
  for _, f in ipairs(aorder) do
    local x, y = a[f], b[f] or '0'
    keep(f, (cmp(x, y) <= 0) and x or y)
  end
elseif op == 'pos' then
  for _, f in ipairs(aorder) do keep(f, a[f]) end
elseif op == 'neg' then
  for _, f in ipairs(aorder) do keep(f, neg(a[f])) end
else
  return redis.error_reply('ERR unknown counter operation')
end
redis.call('DEL', dest)
for i = 1, #out, 1000 do
  redis.call('HSET', dest, unpack(out, i, math.min(i + 999, #out)))
end
return 1
