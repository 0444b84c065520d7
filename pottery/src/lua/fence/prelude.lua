-- Fencing tokens are u64 written in decimal without leading zeros; Lua numbers
-- are doubles, exact only up to 2^53, so tokens are compared as strings: the
-- longer is the larger, and equal lengths compare as text.
local function fence_newer(a, b)
  if #a ~= #b then return #a > #b end
  return a > b
end
