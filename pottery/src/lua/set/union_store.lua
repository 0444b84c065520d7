-- KEYS[1] becomes the SUNION of itself and KEYS[2] (SUNIONSTORE).
return {'ok', redis.call('SUNIONSTORE', KEYS[1], KEYS[1], KEYS[2])}
