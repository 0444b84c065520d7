-- What every two-key set script starts with: the other set's type check.
-- Results are wrapped as {'ok', result} so that a {'wrongtype', type} reply can
-- name the other key.
local other = redis.call('TYPE', KEYS[2])['ok']
if other ~= 'set' and other ~= 'none' then return {'wrongtype', other} end
