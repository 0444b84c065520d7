-- KEYS[1] becomes the SDIFF of itself and KEYS[2] (SDIFFSTORE).
return {'ok', redis.call('SDIFFSTORE', KEYS[1], KEYS[1], KEYS[2])}
