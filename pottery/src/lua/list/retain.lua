-- ARGV: length, SHA-1 (hex) of the contents as the client read them, mask (one
-- byte per element: '1' keep, '0' drop). If the list is still what was read
-- (same length, same hash of "<byte length>:<bytes>" of each element in order),
-- keeps the elements marked '1' and returns 1; else changes nothing and
-- returns 0, for the client to read again.
local n = tonumber(ARGV[1])
local all = redis.call('LRANGE', key, 0, -1)
if #all ~= n then return 0 end
local parts = {}
for i = 1, n do parts[i] = #all[i] .. ':' .. all[i] end
if redis.sha1hex(table.concat(parts)) ~= ARGV[2] then return 0 end
parts = nil
local mask, kept = ARGV[3], {}
for i = 1, n do
  if string.byte(mask, i) == 49 then kept[#kept + 1] = all[i] end
end
if #kept == 0 then redis.call('DEL', key) return 1 end
-- The kept elements go after the old ones, then the old ones are trimmed: the
-- key never empties, so it keeps its TTL.
push('RPUSH', kept)
redis.call('LTRIM', key, n, -1)
return 1
