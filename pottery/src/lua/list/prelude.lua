-- Helpers every list script starts with. Indices follow Python: negative
-- counts from the end, slices are normalized exactly like slice.indices(len), and
-- an absent bound is passed as the empty string.
--
-- Elements are removed or inserted by index without ever looking at their values:
-- the script saves the shorter side of the list around the range, trims the list
-- to the other side, and pushes back the new elements and the saved side, unlike
-- pottery's sentinel-value trick (LSET + LREM), which can delete an unrelated
-- element equal to the sentinel.
local key = KEYS[1]
local function opt(v) if v == nil or v == '' then return nil end return tonumber(v) end
local function push(cmd, vals, from)
  for i = from or 1, #vals, 1000 do
    redis.call(cmd, key, unpack(vals, i, math.min(i + 999, #vals)))
  end
end
local function reversed(vals, from)
  local out = {}
  for i = #vals, from or 1, -1 do out[#out + 1] = vals[i] end
  return out
end
-- Python's slice.indices(n): the normalized start and stop for `step`.
local function indices(n, start, stop, step)
  local lower, upper = 0, n
  if step < 0 then lower, upper = -1, n - 1 end
  local function fix(v, default)
    if v == nil then return default end
    if v < 0 then
      v = v + n
      if v < lower then v = lower end
    elseif v > upper then
      v = upper
    end
    return v
  end
  if step < 0 then return fix(start, upper), fix(stop, lower) end
  return fix(start, lower), fix(stop, upper)
end
-- How many indices range(s, e, step) holds.
local function count(s, e, step)
  if step > 0 and e > s then return math.floor((e - s - 1) / step) + 1 end
  if step < 0 and s > e then return math.floor((s - e - 1) / -step) + 1 end
  return 0
end
-- Replaces [a, b) (0 <= a <= b <= n) with `vals` (from index `from`); returns the
-- removed elements when `want` is set. Outside elements keep their values.
local function splice(n, a, b, vals, from, want)
  from = from or 1
  local removed = {}
  if want and b > a then removed = redis.call('LRANGE', key, a, b - 1) end
  if a == b and #vals < from then return removed end
  if a <= n - b then
    local head = {}
    if a > 0 then head = redis.call('LRANGE', key, 0, a - 1) end
    if b >= n then redis.call('DEL', key) else redis.call('LTRIM', key, b, -1) end
    push('LPUSH', reversed(vals, from))
    push('LPUSH', reversed(head))
  else
    local tail = redis.call('LRANGE', key, b, -1)
    redis.call('LTRIM', key, 0, a - 1)
    push('RPUSH', vals, from)
    push('RPUSH', tail)
  end
  return removed
end
