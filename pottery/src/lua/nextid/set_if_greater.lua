-- Stores the proposal ARGV[1] (a plain decimal integer) at KEYS[1] if the key
-- is missing or holds a smaller integer; replies 1 if it stored, else 0.
--
-- Values are compared as decimal strings (length, then digits), never as Lua
-- numbers (doubles, exact only up to 2^53): IDs stay exact up to u64::MAX and
-- are stored as plain integers. A stored value in another form, such as the
-- %.14g exponent form pottery's own script writes above ~1e14, is read as the
-- integer it denotes; a value that is no non-negative integer is an error.
local function norm(s)
    if string.find(s, '^%d+$') then
        s = string.gsub(s, '^0+', '')
        if s == '' then return '0' end
        return s
    end
    if not string.find(s, '^[%d%.eE%+%-]+$') then return nil end
    local n = tonumber(s)
    if n == nil or n ~= n or n < 0 or n ~= math.floor(n)
        or n >= 18446744073709551616 then
        return nil
    end
    return string.format('%.0f', n)
end
local proposal = ARGV[1]
local stored = redis.call('get', KEYS[1])
if stored then
    local curr = norm(stored)
    if curr == nil then
        return redis.error_reply('ERR nextid: the stored ID is not a non-negative integer')
    end
    if #curr > #proposal or (#curr == #proposal and curr >= proposal) then
        return 0
    end
end
redis.call('set', KEYS[1], proposal)
return 1
