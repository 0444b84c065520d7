
end
local fence_reply = fence_body()
if type(fence_reply) == 'table' and fence_reply.err then return fence_reply end
if not fence_stored or fence_newer(fence_token, fence_stored) then
  redis.call('SET', fence_key, fence_token)
end
return {1, fence_reply}
