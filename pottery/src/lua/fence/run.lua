-- KEYS: the structure's key, its fence key. ARGV: the token, one command from
-- the allowlist below, its arguments after the key. Rejects the write with
-- {0, stored} if a larger token already wrote through the fence; otherwise runs
-- the command, raises the fence to the token and returns {1, reply}. An error
-- of the command (a wrong type) aborts the script before the fence is touched.
local allowed = {
  HSET = true, HSETNX = true, HDEL = true, HINCRBY = true,
  RPUSH = true, LPUSH = true, RPOP = true, LPOP = true,
  SADD = true, SREM = true,
}
local command = ARGV[2]
if not allowed[command] then
  return redis.error_reply('ERR pottery fence: command not allowed')
end
local stored = redis.call('GET', KEYS[2])
if stored and fence_newer(stored, ARGV[1]) then return {0, stored} end
local reply = redis.call(command, KEYS[1], unpack(ARGV, 3))
if not stored or fence_newer(ARGV[1], stored) then redis.call('SET', KEYS[2], ARGV[1]) end
return {1, reply}
