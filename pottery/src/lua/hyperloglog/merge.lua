-- Merges sources into KEYS[1], atomically: KEYS[2] is a scratch key in its slot,
-- KEYS[3..] sources in its slot, ARGV the bytes of sources read elsewhere.
--
-- Every key and byte string is checked to be a HyperLogLog (PFCOUNT accepts only
-- those) before anything is written, so a bad source changes nothing. Returns
-- {0}, or {position, type} for the first one that is not a HyperLogLog: -1 for
-- the destination, else its 1-based position among KEYS[3..] then ARGV. The
-- scratch key is deleted on every path, errors included. Lua's unpack limits one
-- call to about 8000 sources.
local function hll(key) return (pcall(redis.call, 'PFCOUNT', key)) end
local ok, res = pcall(function()
  if not hll(KEYS[1]) then return {-1, redis.call('TYPE', KEYS[1]).ok} end
  for i = 3, #KEYS do
    if not hll(KEYS[i]) then return {i - 2, redis.call('TYPE', KEYS[i]).ok} end
  end
  for i = 1, #ARGV do
    redis.call('SET', KEYS[2], ARGV[i])
    if not hll(KEYS[2]) then return {#KEYS - 2 + i, 'string'} end
  end
  redis.call('PFMERGE', KEYS[1], unpack(KEYS, 3))
  for i = 1, #ARGV do
    redis.call('SET', KEYS[2], ARGV[i])
    redis.call('PFMERGE', KEYS[1], KEYS[2])
  end
  return {0}
end)
redis.call('DEL', KEYS[2])
if ok then return res end
if type(res) == 'table' then res = res.err end
return redis.error_reply(tostring(res))
