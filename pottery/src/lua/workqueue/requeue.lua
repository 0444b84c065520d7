-- Moves the dead letters ARGV[1..] of KEYS[2] back into the stream KEYS[1] as
-- `item <item> first <first>`, with a fresh delivery count. Replies how many.
local moved = 0
for i = 1, #ARGV do
  local e = redis.call('XRANGE', KEYS[2], ARGV[i], ARGV[i])
  if #e == 1 then
    local f = e[1][2]
    local first = field(f, 'first') or ''
    if first == '' then first = ARGV[i] end
    redis.call('XADD', KEYS[1], '*', 'item', field(f, 'item') or '', 'first', first)
    redis.call('XDEL', KEYS[2], ARGV[i])
    moved = moved + 1
  end
end
return moved
