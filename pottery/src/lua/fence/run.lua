-- KEYS: the structure's key, its fence key. ARGV: the token, one command from
-- the allowlist below, its arguments after the key. Rejects the write with
-- {0, stored} if a larger token already wrote through the fence; otherwise runs
-- the command, raises the fence to the token and returns {1, reply}. An error
-- of the command (a wrong type) aborts the script before the fence is touched.
--
-- unpack() returns at most ~8000 values, so the variadic commands (a bulk
-- write) run in slices of 4000 arguments (an even number: HSET's field-value
-- pairs stay whole); the reply is what one command would have returned: the
-- sum of the counts, or the list's final length for a push.
local variadic = {HSET = 'sum', HDEL = 'sum', SADD = 'sum', SREM = 'sum', RPUSH = 'last', LPUSH = 'last'}
local allowed = {HSETNX = true, HINCRBY = true, RPOP = true, LPOP = true}
local command = ARGV[2]
if not (allowed[command] or variadic[command]) then
  return redis.error_reply('ERR pottery fence: command not allowed')
end
local stored = redis.call('GET', KEYS[2])
if stored and fence_newer(stored, ARGV[1]) then return {0, stored} end
local reply
if not variadic[command] or #ARGV <= 4002 then
  reply = redis.call(command, KEYS[1], unpack(ARGV, 3))
else
  reply = 0
  for i = 3, #ARGV, 4000 do
    local r = redis.call(command, KEYS[1], unpack(ARGV, i, math.min(i + 3999, #ARGV)))
    if variadic[command] == 'sum' then reply = reply + r else reply = r end
  end
end
if not stored or fence_newer(ARGV[1], stored) then redis.call('SET', KEYS[2], ARGV[1]) end
return {1, reply}
