-- SUNION of KEYS[1] and KEYS[2] (after the prelude's type check).
return {'ok', redis.call('SUNION', KEYS[1], KEYS[2])}
