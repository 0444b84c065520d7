-- pottery's membership test, atomic: copy the HyperLogLog to a scratch key and
-- PFADD each element there; "no register changed" reads as "present".
--
-- KEYS[1] is the HyperLogLog, KEYS[2] the scratch key (same cluster slot), ARGV
-- the encoded elements. Returns one 0/1 per element: 1 if a register changed (so
-- the element is certainly absent). The copy is restored only after a change, so
-- elements that are present cost no copy; COPY is done by the server without
-- moving the string through Lua. The scratch key is deleted on every path: the
-- work runs under pcall, and an error is re-raised after the clean-up.
local ok, res = pcall(function()
  local changed = {}
  if redis.call('COPY', KEYS[1], KEYS[2], 'REPLACE') == 0 then
    for i = 1, #ARGV do changed[i] = 1 end
    return changed
  end
  for i = 1, #ARGV do
    changed[i] = redis.call('PFADD', KEYS[2], ARGV[i])
    if changed[i] == 1 and i < #ARGV then
      redis.call('COPY', KEYS[1], KEYS[2], 'REPLACE')
    end
  end
  return changed
end)
redis.call('DEL', KEYS[2])
if ok then return res end
if type(res) == 'table' then res = res.err end
return redis.error_reply(tostring(res))
