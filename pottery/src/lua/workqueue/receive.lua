-- Receives up to ARGV[5] items for consumer ARGV[2] of group ARGV[1] on stream
-- KEYS[1], in one step: (a) moves the due items of the delayed zset KEYS[2]
-- into the stream; (b) takes over the entries whose lease (idle time, ARGV[3]
-- ms) ran out, or dead-letters them into KEYS[3] once they had ARGV[4]
-- deliveries; (c) reads new entries (XREADGROUP, not blocking). Creates the
-- group (at 0: every entry already there) if it is missing. Counts
-- redeliveries in the hash KEYS[4], which also holds when the next scan for
-- expired leases is due (`scan_at`, ms). Replies {entries, wake}: entries are
-- {id, fields, delivery count}; wake is the ms until the next scan or the next
-- delayed item is due, whichever comes first.
local K, DELAYED, DEAD, COUNTS = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local group, me = ARGV[1], ARGV[2]
local lease, maxd, want = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])

local now = now_ms()
-- Looking for expired leases scans the pending entries (XPENDING IDLE reads
-- them all when none is idle enough): at most once per `period` per queue,
-- so an expired lease is noticed within a quarter lease (500 ms at most; the
-- blocks of idle clients end every 250 ms at most).
local period = math.max(1, math.min(math.floor(lease / 4), 500))
local scan_at = tonumber(redis.call('HGET', COUNTS, 'scan_at') or '0') or 0
local expired = {}
-- A clock set back must not postpone it.
if scan_at > now + period then scan_at = now end
if now >= scan_at then
  expired = redis.pcall('XPENDING', K, group, 'IDLE', lease, '-', '+', want)
  if expired.err then
    if not string.find(expired.err, 'NOGROUP', 1, true) then return expired end
    redis.call('XGROUP', 'CREATE', K, group, '0', 'MKSTREAM')
    expired = {}
  end
  -- Only when none was left behind (`want` taken over): else at once again.
  if #expired < want then
    scan_at = now + period
    redis.call('HSET', COUNTS, 'scan_at', scan_at)
    -- Consumer names are random per handle, so they would pile up in the
    -- group: forget those with nothing pending and no delivery for ten
    -- leases (`idle`: Redis 7.0 counts deliveries, not empty reads). Nothing
    -- refers to a consumer without pending entries, and a delivery makes it
    -- again.
    for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', K, group)) do
      local f = {}
      for i = 1, #c - 1, 2 do f[c[i]] = c[i + 1] end
      if tonumber(f['pending']) == 0 and tonumber(f['idle']) > 10 * lease then
        redis.call('XGROUP', 'DELCONSUMER', K, group, f['name'])
      end
    end
  end
end

-- (a) Due delayed items, oldest due first, a bounded number per call.
local due = redis.call('ZRANGE', DELAYED, '-inf', now, 'BYSCORE', 'LIMIT', 0, 256)
for _, m in ipairs(due) do
  local token, n, item = string.match(m, '^([^:]*):(%d+):(.*)$')
  if token == nil then
    redis.call('XADD', DEAD, '*', 'item', m, 'reason', 'malformed', 'deliveries', 0,
      'first', '', 'consumer', '')
  elseif tonumber(n) > 0 then
    redis.call('XADD', K, '*', 'item', item, 'deliveries', n, 'first', token)
  else
    redis.call('XADD', K, '*', 'item', item, 'first', token)
  end
  redis.call('ZREM', DELAYED, m)
end

-- (b) Expired leases: take them over, or dead-letter them.
local out = {}
for _, p in ipairs(expired) do
  local id, owner, count = p[1], p[2], tonumber(p[4])
  local e = redis.call('XRANGE', K, id, id)
  if #e == 0 then
    redis.call('XACK', K, group, id)
  elseif count + carried(e[1][2]) >= maxd then
    bury(K, DEAD, group, id, e[1][2], count + carried(e[1][2]), 'max_deliveries', owner)
  else
    local c = redis.call('XCLAIM', K, group, me, lease, id)
    if #c == 1 and c[1] then
      out[#out + 1] = {id, c[1][2], count + 1}
      redis.call('HINCRBY', COUNTS, 'redeliveries', 1)
    end
  end
end

-- (c) New entries.
if #out < want then
  local n = want - #out
  local r = redis.pcall('XREADGROUP', 'GROUP', group, me, 'COUNT', n, 'STREAMS', K, '>')
  if type(r) == 'table' and r.err then
    -- No group (a first receive, or the key was deleted since): make it.
    if not string.find(r.err, 'NOGROUP', 1, true) then return r end
    redis.call('XGROUP', 'CREATE', K, group, '0', 'MKSTREAM')
    r = redis.call('XREADGROUP', 'GROUP', group, me, 'COUNT', n, 'STREAMS', K, '>')
  end
  if r then
    for _, e in ipairs(r[1][2]) do out[#out + 1] = {e[1], e[2], 1} end
  end
end

-- What is due next besides new entries: the next scan, or a delayed item.
-- Until then the client may read new entries without this script.
local wake = math.max(0, scan_at - now)
local first = redis.call('ZRANGE', DELAYED, 0, 0, 'WITHSCORES')
if #first > 0 then wake = math.min(wake, math.max(0, tonumber(first[2]) - now)) end
return {out, wake}
