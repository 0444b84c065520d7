-- ARGV: 1 for descending. Sorts JSON numbers (booleans as 0 and 1) numerically
-- or JSON strings by code point, stably, as Python's list.sort; returns 1, or an
-- error message for elements that do not compare.
local vals = redis.call('LRANGE', key, 0, -1)
local desc = ARGV[1] == '1'
local items, kind = {}, nil
for i, raw in ipairs(vals) do
  local k, v
  if string.sub(raw, 1, 1) == '"' then
    local ok, s = pcall(cjson.decode, raw)
    if not ok or type(s) ~= 'string' then return 'an element is not a JSON string: ' .. raw end
    k, v = 'string', s
  elseif raw == 'true' or raw == 'false' then
    k, v = 'number', (raw == 'true') and 1 or 0
  else
    k, v = 'number', tonumber(raw)
    if v == nil then return 'an element is neither a number nor a string: ' .. raw end
  end
  if kind ~= nil and kind ~= k then return 'cannot compare a number with a string' end
  kind = k
  items[i] = {v, i}
end
local function less(a, b)
  if kind == 'number' then return a < b end
  local la, lb = #a, #b
  for i = 1, math.min(la, lb) do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return la < lb
end
table.sort(items, function(x, y)
  if x[1] ~= y[1] then
    if desc then return less(y[1], x[1]) end
    return less(x[1], y[1])
  end
  return x[2] < y[2]
end)
if #vals < 2 then return 1 end
local out = {}
for i, item in ipairs(items) do out[i] = vals[item[2]] end
redis.call('DEL', key)
push('RPUSH', out)
return 1
