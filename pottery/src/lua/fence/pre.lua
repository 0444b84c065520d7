-- The fenced twin of a structure's script: this, then the script, then
-- post.lua. The caller appends the fence key to KEYS and the token to ARGV;
-- they are taken off before the script runs, so it sees its own KEYS and ARGV.
-- Rejected as in run.lua; the script runs as a function so that the fence is
-- raised only after it returns without an error.
local fence_key = table.remove(KEYS)
local fence_token = table.remove(ARGV)
local fence_stored = redis.call('GET', fence_key)
if fence_stored and fence_newer(fence_stored, fence_token) then return {0, fence_stored} end
local function fence_body()
