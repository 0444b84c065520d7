//! The Lua scripts behind the multi-step list operations, shared with
//! [`RedisDeque`](crate::RedisDeque).
//!
//! Every script works on `KEYS[1]` only (so it runs on a cluster) and takes user
//! data only through `ARGV`. Indices follow Python: negative counts from the end,
//! slices are normalized exactly like `slice.indices(len)`, and an absent bound is
//! passed as the empty string.
//!
//! Elements are removed or inserted by index without ever looking at their
//! values: the script saves the shorter side of the list (head or tail) around the
//! range, trims the list to the other side, and pushes back the new elements and
//! the saved side. Elements outside the range keep their values and order, unlike
//! pottery's sentinel-value trick (`LSET` + `LREM`), which can delete an unrelated
//! element equal to the sentinel.

use std::sync::LazyLock;

use redis::Script;

/// Helpers every script below starts with.
const PRELUDE: &str = r#"
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
"#;

fn with_prelude(body: &str) -> Script {
    Script::new(&format!("{PRELUDE}{body}"))
}

/// `ARGV`: start, stop, want removed (`1`/`0`), maxlen (or empty), values...
/// Python's `l[start:stop] = values`; nil if the result would exceed maxlen,
/// else the removed elements (empty unless asked for).
pub(crate) static SPLICE: LazyLock<Script> = LazyLock::new(|| {
    with_prelude(
        "local n = redis.call('LLEN', key)
         local a, b = indices(n, opt(ARGV[1]), opt(ARGV[2]), 1)
         if b < a then b = a end
         local max = opt(ARGV[4])
         if max ~= nil and n - (b - a) + (#ARGV - 4) > max then return false end
         return splice(n, a, b, ARGV, 5, ARGV[3] == '1')",
    )
});

/// `ARGV`: index. Removes and returns the element at a Python index; nil if out of range.
pub(crate) static REMOVE_AT: LazyLock<Script> = LazyLock::new(|| {
    with_prelude(
        "local n = redis.call('LLEN', key)
         local i = tonumber(ARGV[1])
         if i < 0 then i = i + n end
         if i < 0 or i >= n then return false end
         if i == 0 then return redis.call('LPOP', key) end
         if i == n - 1 then return redis.call('RPOP', key) end
         return splice(n, i, i + 1, {}, 1, true)[1]",
    )
});

/// `ARGV`: index, value. `LSET` at a Python index; 0 if out of range.
pub(crate) static SET: LazyLock<Script> = LazyLock::new(|| {
    with_prelude(
        "local n = redis.call('LLEN', key)
         local i = tonumber(ARGV[1])
         if i < 0 then i = i + n end
         if i < 0 or i >= n then return 0 end
         redis.call('LSET', key, i, ARGV[2])
         return 1",
    )
});

/// `ARGV`: start, stop, step. The elements of `l[start:stop:step]`.
pub(crate) static GET_SLICE: LazyLock<Script> = LazyLock::new(|| {
    with_prelude(
        "local n = redis.call('LLEN', key)
         local step = tonumber(ARGV[3])
         local s, e = indices(n, opt(ARGV[1]), opt(ARGV[2]), step)
         local c = count(s, e, step)
         if c == 0 then return {} end
         local last = s + (c - 1) * step
         local lo = math.min(s, last)
         local span = redis.call('LRANGE', key, lo, math.max(s, last))
         local out = {}
         for k = 0, c - 1 do out[#out + 1] = span[s + k * step - lo + 1] end
         return out",
    )
});

/// `ARGV`: start, stop, step, values... Python's `l[start:stop:step] = values`.
/// Returns `{1, size}` when done, `{0, size}` when an extended slice (step other
/// than 1) has a different size than `values` (nothing is written).
pub(crate) static SET_SLICE: LazyLock<Script> = LazyLock::new(|| {
    with_prelude(
        "local n = redis.call('LLEN', key)
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
         return {1, c}",
    )
});

/// `ARGV`: start, stop, step. Python's `del l[start:stop:step]`; returns how many
/// elements went.
pub(crate) static DELETE_SLICE: LazyLock<Script> = LazyLock::new(|| {
    with_prelude(
        "local n = redis.call('LLEN', key)
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
         return c",
    )
});

/// Reverses the list in place.
pub(crate) static REVERSE: LazyLock<Script> = LazyLock::new(|| {
    with_prelude(
        "local vals = redis.call('LRANGE', key, 0, -1)
         if #vals < 2 then return #vals end
         redis.call('DEL', key)
         push('LPUSH', vals)
         return #vals",
    )
});

/// `ARGV`: `1` for descending. Sorts JSON numbers (booleans as 0 and 1)
/// numerically or JSON strings by code point, stably, as Python's `list.sort`;
/// returns 1, or an error message for elements that do not compare.
pub(crate) static SORT: LazyLock<Script> = LazyLock::new(|| {
    with_prelude(
        r#"local vals = redis.call('LRANGE', key, 0, -1)
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
         return 1"#,
    )
});

/// `ARGV`: values... Creates the list only if the key does not exist; 0 if it did.
pub(crate) static CREATE: LazyLock<Script> = LazyLock::new(|| {
    with_prelude(
        "if redis.call('EXISTS', key) == 1 then return 0 end
         push('RPUSH', ARGV)
         return 1",
    )
});
