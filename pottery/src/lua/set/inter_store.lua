-- KEYS[1] becomes the SINTER of itself and KEYS[2] (SINTERSTORE).
return {'ok', redis.call('SINTERSTORE', KEYS[1], KEYS[1], KEYS[2])}
