-- Shared by the work queue's scripts (see workqueue/layout.md). A stream entry
-- is `item <bytes>` plus, for an item re-added by a nack, a delay or a
-- requeue, `deliveries <n>` (deliveries before this entry) and `first <id>`
-- (the id the item was first known by).
local function field(fields, name)
  for i = 1, #fields, 2 do
    if fields[i] == name then return fields[i + 1] end
  end
  return nil
end

-- Deliveries an entry's item had before this entry.
local function carried(fields)
  return tonumber(field(fields, 'deliveries') or '0') or 0
end

-- The server's clock in milliseconds, rounded down (scripts are replicated
-- as effects): what a receive compares due times with.
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- The same rounded up: what due times start from, so that an item is never
-- due before its delay has passed, to the microsecond.
local function now_ms_up()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.ceil(tonumber(t[2]) / 1000)
end

-- The pending entry `id` of `group` if `me` holds it with delivery count
-- `count` (a reclaim by anyone, even under the same consumer name, bumps it).
local function ours(K, group, me, id, count)
  local p = redis.call('XPENDING', K, group, id, id, 1)
  return #p == 1 and p[1][2] == me and tonumber(p[1][4]) == count
end

-- Moves entry `id` (its fields `fields`) of K to the dead-letter stream DEAD.
local function bury(K, DEAD, group, id, fields, deliveries, reason, consumer)
  redis.call('XADD', DEAD, '*', 'item', field(fields, 'item') or '', 'reason', reason,
    'deliveries', deliveries, 'first', field(fields, 'first') or id, 'consumer', consumer)
  redis.call('XACK', K, group, id)
  redis.call('XDEL', K, id)
end
