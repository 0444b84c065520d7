-- Renews the leases of consumer ARGV[2] of group ARGV[1] on stream KEYS[1]:
-- ARGV[3..] are pairs (entry id, delivery count). Each entry still ours (see
-- `ours`) is claimed again by us with JUSTID, which resets its idle time (the
-- lease) without counting a delivery. Replies 1 (renewed) or 0 (lost) per pair.
local K, group, me = KEYS[1], ARGV[1], ARGV[2]
local res = {}
for i = 3, #ARGV - 1, 2 do
  local id = ARGV[i]
  if ours(K, group, me, id, tonumber(ARGV[i + 1])) then
    redis.call('XCLAIM', K, group, me, 0, id, 'JUSTID')
    res[#res + 1] = 1
  else
    res[#res + 1] = 0
  end
end
return res
