-- Appends each ARGV as an entry `item <value>` of stream KEYS[1], in order and
-- in one step (no other entry lands between them), as `put` does one by one;
-- returns their ids.
local ids = {}
for i = 1, #ARGV do
  ids[i] = redis.call('XADD', KEYS[1], '*', 'item', ARGV[i])
end
return ids
