//! The Lua scripts of the set algebra. User data only ever travels in `KEYS` and
//! `ARGV`; scripts that take many members call Redis in chunks (Lua's `unpack`
//! has a stack limit).

use std::sync::LazyLock;

use redis::Script;

use super::LUA_CHUNK;

/// What every two-key script starts with: the other set's type check. Results
/// are wrapped as `{'ok', result}` so that a `{'wrongtype', type}` reply can name
/// the other key.
const PRELUDE: &str = "local other = redis.call('TYPE', KEYS[2])['ok']
     if other ~= 'set' and other ~= 'none' then return {'wrongtype', other} end
     ";

/// A two-key script: the prelude, then `body`.
fn two_key(body: &str) -> Script {
    Script::new(&format!("{PRELUDE}{body}"))
}

/// `for` over `list` in chunks, calling `command` on `KEYS[1]` with each chunk.
fn chunked(command: &str, list: &str) -> String {
    format!(
        "for i = 1, #{list}, {LUA_CHUNK} do
           redis.call('{command}', KEYS[1], unpack({list}, i, math.min(i + {LUA_CHUNK} - 1, #{list})))
         end
         "
    )
}

/// `KEYS[x]` is a subset of `KEYS[y]`, short-circuiting on the sizes.
fn subset_body(x: u8, y: u8) -> String {
    format!(
        "if redis.call('SCARD', KEYS[{x}]) > redis.call('SCARD', KEYS[{y}]) then return {{'ok', 0}} end
         for _, m in ipairs(redis.call('SMEMBERS', KEYS[{x}])) do
           if redis.call('SISMEMBER', KEYS[{y}], m) == 0 then return {{'ok', 0}} end
         end
         return {{'ok', 1}}"
    )
}

pub(super) static UNION: LazyLock<Script> =
    LazyLock::new(|| two_key("return {'ok', redis.call('SUNION', KEYS[1], KEYS[2])}"));
pub(super) static INTER: LazyLock<Script> =
    LazyLock::new(|| two_key("return {'ok', redis.call('SINTER', KEYS[1], KEYS[2])}"));
pub(super) static DIFF: LazyLock<Script> =
    LazyLock::new(|| two_key("return {'ok', redis.call('SDIFF', KEYS[1], KEYS[2])}"));
pub(super) static SYM_DIFF: LazyLock<Script> = LazyLock::new(|| {
    two_key(
        "local out = redis.call('SDIFF', KEYS[1], KEYS[2])
         for _, m in ipairs(redis.call('SDIFF', KEYS[2], KEYS[1])) do out[#out + 1] = m end
         return {'ok', out}",
    )
});
pub(super) static DISJOINT: LazyLock<Script> = LazyLock::new(|| {
    two_key(
        "local a, b = KEYS[1], KEYS[2]
         if redis.call('SCARD', a) > redis.call('SCARD', b) then a, b = b, a end
         for _, m in ipairs(redis.call('SMEMBERS', a)) do
           if redis.call('SISMEMBER', b, m) == 1 then return {'ok', 0} end
         end
         return {'ok', 1}",
    )
});
pub(super) static SUBSET: LazyLock<Script> = LazyLock::new(|| two_key(&subset_body(1, 2)));
pub(super) static SUPERSET: LazyLock<Script> = LazyLock::new(|| two_key(&subset_body(2, 1)));
pub(super) static UNION_STORE: LazyLock<Script> = LazyLock::new(|| {
    two_key("return {'ok', redis.call('SUNIONSTORE', KEYS[1], KEYS[1], KEYS[2])}")
});
pub(super) static INTER_STORE: LazyLock<Script> = LazyLock::new(|| {
    two_key("return {'ok', redis.call('SINTERSTORE', KEYS[1], KEYS[1], KEYS[2])}")
});
pub(super) static DIFF_STORE: LazyLock<Script> =
    LazyLock::new(|| two_key("return {'ok', redis.call('SDIFFSTORE', KEYS[1], KEYS[1], KEYS[2])}"));
pub(super) static SYM_DIFF_STORE: LazyLock<Script> = LazyLock::new(|| {
    two_key(&format!(
        "local common = redis.call('SINTER', KEYS[1], KEYS[2])
         local add = redis.call('SDIFF', KEYS[2], KEYS[1])
         {}{}return {{'ok', 1}}",
        chunked("SREM", "common"),
        chunked("SADD", "add"),
    ))
});

/// `KEYS[1]` is a subset of the distinct members in `ARGV`.
pub(super) static SUBSET_OF_ARGV: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        "local n = redis.call('SCARD', KEYS[1])
         if n > #ARGV then return 0 end
         if n == 0 then return 1 end
         local hits = 0
         for i = 1, #ARGV, {LUA_CHUNK} do
           local chunk = redis.call('SMISMEMBER', KEYS[1], unpack(ARGV, i, math.min(i + {LUA_CHUNK} - 1, #ARGV)))
           for _, hit in ipairs(chunk) do hits = hits + hit end
         end
         if hits == n then return 1 end
         return 0"
    ))
});
/// Keeps only the members of `KEYS[1]` that are in `ARGV`.
pub(super) static KEEP_ARGV: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        "local keep = {{}}
         for _, m in ipairs(ARGV) do keep[m] = true end
         local drop = {{}}
         for _, m in ipairs(redis.call('SMEMBERS', KEYS[1])) do
           if not keep[m] then drop[#drop + 1] = m end
         end
         {}return #drop",
        chunked("SREM", "drop"),
    ))
});
/// Removes each (distinct) member of `ARGV` that is in `KEYS[1]`, adds the others.
pub(super) static TOGGLE_ARGV: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "for _, m in ipairs(ARGV) do
           if redis.call('SREM', KEYS[1], m) == 0 then redis.call('SADD', KEYS[1], m) end
         end
         return 1",
    )
});
