-- ARGV: values... Creates the list only if the key does not exist; 0 if it did.
if redis.call('EXISTS', key) == 1 then return 0 end
push('RPUSH', ARGV)
return 1
