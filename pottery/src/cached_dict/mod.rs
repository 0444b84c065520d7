//! [`CachedOrderedDict`]: an ordered map hydrated from a Redis hash that caches
//! its values, as Python pottery 3.0.1's `pottery.cache.CachedOrderedDict`.
//!
//! - `mod.rs`: the type, its constructors and the write-through methods
//!   (each one Lua script: the write and the TTL refresh in one round trip).
//! - `builder.rs`: the settings, and the hydration (one script: `HMGET` of the
//!   keys in order, then the TTL refresh).
//! - `local.rs`: what reads the local copy only (no I/O): lookups, misses,
//!   iteration, and the trait impls.

mod builder;
mod local;

pub use builder::CachedOrderedDictBuilder;

pub use local::{CachedIntoIter, CachedIter};

use std::marker::PhantomData;
use std::sync::LazyLock;
use std::time::Duration;

use indexmap::IndexMap;
use indexmap::map::Entry;
use redis::Script;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::container::Base;
use crate::client::Client;
use crate::codec::{Codec, Json};
use crate::decode;
use crate::engine::ModeExt;
use crate::engine::{Blocking, Mode};
use crate::error::{Error, Result};

/// How long a cache lives after its last write unless told otherwise (pottery's
/// default, 60 s): the same default as [`RedisCache`](crate::RedisCache)'s.
pub(crate) use crate::cache::DEFAULT_CACHE_TIMEOUT;

/// ARGV[1] = the TTL in ms ("0": leave the expiry alone), ARGV[2..] = fields:
/// their values, in order (nil where absent), then the TTL refresh, as pottery
/// refreshes it when a CachedOrderedDict is made. HMGET goes in chunks because
/// Lua's `unpack` has a stack limit.
static HYDRATE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "local values = {}
         for i = 2, #ARGV, 1000 do
           local part = redis.call('HMGET', KEYS[1], unpack(ARGV, i, math.min(i + 999, #ARGV)))
           for j = 1, #part do values[#values + 1] = part[j] end
         end
         if ARGV[1] ~= '0' then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
         return values",
    )
});

/// ARGV[1] = the TTL in ms ("0": none), ARGV[2..] = field, value pairs: one
/// HSET (in chunks of 500 pairs), then the TTL refresh.
static WRITE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "for i = 2, #ARGV, 1000 do
           redis.call('HSET', KEYS[1], unpack(ARGV, i, math.min(i + 999, #ARGV)))
         end
         if ARGV[1] ~= '0' then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
         return 1",
    )
});

/// ARGV = TTL in ms ("0": none), field, default: sets the field only if it is
/// absent and replies the value stored, whoever stored it.
static SET_DEFAULT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "redis.call('HSETNX', KEYS[1], ARGV[2], ARGV[3])
         local value = redis.call('HGET', KEYS[1], ARGV[2])
         if ARGV[1] ~= '0' then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
         return value",
    )
});

/// One key of the dict: the caller's key and its value, `None` until known.
struct Slot<K, V> {
    key: K,
    value: Option<V>,
}

/// The local copy: encoded key (the hash field) to slot, in the dict's order.
///
/// Keyed by the encoding, so two keys are the same exactly when Redis sees the
/// same field (and `K` need not be `Hash`).
type Slots<K, V> = IndexMap<Vec<u8>, Slot<K, V>>;

/// An ordered map whose values are cached in a Redis hash: Python pottery's
/// `CachedOrderedDict`, sharing its layout (a Python one and ours share a cache).
///
/// The use case, in pottery's words: a search engine returns document IDs in
/// order; you must hydrate them into documents, keep the order, and cache the
/// documents you hydrated before. Make a `CachedOrderedDict` with the ordered
/// keys: it reads the cached values with one `HMGET`. [`misses`](Self::misses)
/// are the keys it did not find; compute their values and [`insert`](Self::insert)
/// or [`update`](Self::update) them, which writes them through to the cache.
/// Iteration follows the given order, then the order of keys added since.
///
/// The hash is at the key you give: field = encoded key, value = encoded value
/// (the [`Codec`], by default [`Json`] like pottery). Each write (and the
/// hydration, as in pottery) resets the hash's TTL to the
/// [timeout](CachedOrderedDictBuilder::timeout), 60 s by default, in the same
/// round trip; with no timeout the expiry is left alone.
///
/// Reads ([`get`](Self::get), [`iter`](Self::iter), [`len`](Self::len), ...)
/// use the local copy and never touch Redis; writes go to Redis first and
/// change the local copy only when Redis accepted them. Each write is one
/// round trip, [`update`](Self::update) too however many entries it has.
///
/// Use it through [`crate::sync::CachedOrderedDict`] (the constructor and
/// writes return `Result`s) or [`crate::future::CachedOrderedDict`] (futures).
///
/// # Example
///
/// ```
/// # let server = pottery_testkit::Server::start();
/// use pottery::{Client, sync::CachedOrderedDict};
///
/// let client = Client::open(&server.url())?;
/// let mut docs: CachedOrderedDict<i64, String> =
///     CachedOrderedDict::new(&client, "search-results", [3, 1, 2])?;
/// assert_eq!(docs.misses().copied().collect::<Vec<_>>(), [3, 1, 2]);
/// docs.update([(3, "three"), (1, "one")])?;
///
/// // Another request for the same documents finds two of them cached.
/// let again: CachedOrderedDict<i64, String> =
///     CachedOrderedDict::new(&client, "search-results", [1, 2, 3])?;
/// assert_eq!(again.get(1).map(String::as_str), Some("one"));
/// assert_eq!(again.misses().copied().collect::<Vec<_>>(), [2]);
/// # Ok::<(), pottery::Error>(())
/// ```
pub struct CachedOrderedDict<K, V, C = Json, M = Blocking> {
    base: Base<C>,
    timeout: Option<Duration>,
    slots: Slots<K, V>,
    mode: PhantomData<fn() -> M>,
}

impl<K, V, C, M> CachedOrderedDict<K, V, C, M>
where
    K: Serialize + Send + 'static,
    V: Serialize + DeserializeOwned + Send + 'static,
    C: Codec + Default,
    M: Mode,
{
    /// The dict of `keys` cached at `key` with the default timeout (60 s):
    /// one round trip, `HMGET` of the keys in order. See
    /// [`builder`](Self::builder) for the other settings.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::CachedOrderedDict<String, i64> =
    ///     pottery::sync::CachedOrderedDict::new(&client, "scores", ["alice", "bob"])?;
    /// assert_eq!(d.misses().count(), 2);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn new<I>(client: &Client, key: &str, keys: I) -> M::Output<'static, Self>
    where
        I: IntoIterator<Item: Into<K>>,
    {
        Self::builder(client).key(key).hydrate(keys)
    }

    /// The dict of `keys` cached at a fresh random key (`pottery:<uuid4>`),
    /// deleted when the dict and its clones are dropped.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::CachedOrderedDict<String, i64> =
    ///     pottery::sync::CachedOrderedDict::temporary(&client, ["alice"])?;
    /// assert!(d.key().starts_with("pottery:"));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn temporary<I>(client: &Client, keys: I) -> M::Output<'static, Self>
    where
        I: IntoIterator<Item: Into<K>>,
    {
        Self::builder(client).hydrate(keys)
    }

    /// Starts configuring a dict on `client`: key, timeout, codec.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::CachedOrderedDict<String, i64> =
    ///     pottery::sync::CachedOrderedDict::builder(&client).key("scores").timeout(None).hydrate(["a"])?;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn builder(client: &Client) -> CachedOrderedDictBuilder<K, V, C, M> {
        CachedOrderedDictBuilder::start(client, C::default())
    }
}

impl<K, V, C, M> CachedOrderedDict<K, V, C, M>
where
    K: Serialize + Send + 'static,
    V: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// Sets `key` to `value` in the cache and here (one round trip that also
    /// resets the TTL); returns the value this dict held for `key` before. A new
    /// key goes to the end of the order.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let mut d: pottery::sync::CachedOrderedDict<String, i64> =
    ///     pottery::sync::CachedOrderedDict::new(&client, "scores", ["alice"])?;
    /// assert_eq!(d.insert("alice", 3)?, None);
    /// assert_eq!(d.insert("alice", 4)?, Some(3));
    /// assert_eq!(d.get("alice"), Some(&4));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn insert(&mut self, key: impl Into<K>, value: impl Into<V>) -> M::Output<'_, Option<V>> {
        let (key, value) = (key.into(), value.into());
        let (field, raw) = match self.encode_pair(&key, &value) {
            Ok(pair) => pair,
            Err(err) => return M::ready(Err(err)),
        };
        let args = [self.ttl_arg(), field.clone(), raw];
        let op = self.base.op(self.base.script(&WRITE, &args), |_, _| Ok(()));
        let Self { base, slots, .. } = self;
        let base: &Base<C> = base;
        M::map(M::run(base.client(), Ok(op)), move |()| {
            Ok(store(slots, field, key, value))
        })
    }

    /// Sets many entries in the cache and here, in one round trip however many
    /// (which also resets the TTL); pottery's `update`. New keys go to the end,
    /// in the order given. No entries, no round trip.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let mut d: pottery::sync::CachedOrderedDict<String, i64> =
    ///     pottery::sync::CachedOrderedDict::new(&client, "scores", ["alice", "bob"])?;
    /// d.update([("alice", 1), ("bob", 2), ("carol", 3)])?;
    /// assert_eq!(d.misses().count(), 0);
    /// assert_eq!(d.len(), 3);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn update<I, A, B>(&mut self, items: I) -> M::Output<'_, ()>
    where
        I: IntoIterator<Item = (A, B)>,
        A: Into<K>,
        B: Into<V>,
    {
        let mut args = vec![self.ttl_arg()];
        let mut entries = Vec::new();
        for (key, value) in items {
            let (key, value) = (key.into(), value.into());
            match self.encode_pair(&key, &value) {
                Ok((field, raw)) => {
                    args.push(field.clone());
                    args.push(raw);
                    entries.push((field, key, value));
                }
                Err(err) => return M::ready(Err(err)),
            }
        }
        if entries.is_empty() {
            return M::ready(Ok(()));
        }
        let op = self.base.op(self.base.script(&WRITE, &args), |_, _| Ok(()));
        let Self { base, slots, .. } = self;
        let base: &Base<C> = base;
        M::map(M::run(base.client(), Ok(op)), move |()| {
            for (field, key, value) in entries {
                store(slots, field, key, value);
            }
            Ok(())
        })
    }

    /// The value the cache holds for `key`, after storing `default` there if
    /// it held none: pottery's `setdefault`, atomic in Redis (one script that
    /// also resets the TTL). If another process stored a value first, that is
    /// the value returned and kept here.
    ///
    /// # Errors
    ///
    /// Besides a failed round trip, a stored value the codec cannot decode.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let mut d: pottery::sync::CachedOrderedDict<String, i64> =
    ///     pottery::sync::CachedOrderedDict::new(&client, "scores", ["alice"])?;
    /// assert_eq!(*d.get_or_insert("alice", 1)?, 1);
    /// assert_eq!(*d.get_or_insert("alice", 2)?, 1);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn get_or_insert(&mut self, key: impl Into<K>, default: impl Into<V>) -> M::Output<'_, &V>
    where
        V: Sync,
    {
        let (key, default) = (key.into(), default.into());
        let (field, raw) = match self.encode_pair(&key, &default) {
            Ok(pair) => pair,
            Err(err) => return M::ready(Err(err)),
        };
        let args = [self.ttl_arg(), field.clone(), raw];
        let codec = self.base.codec().clone();
        let op = self
            .base
            .op(self.base.script(&SET_DEFAULT, &args), move |key, reply| {
                decode::optional::<C, V>(&codec, key, reply)?
                    .ok_or_else(|| Error::unexpected_reply(key, "setdefault", "nil"))
            });
        let Self { base, slots, .. } = self;
        let base: &Base<C> = base;
        M::map(M::run(base.client(), Ok(op)), move |stored| {
            let slot = match slots.entry(field) {
                Entry::Occupied(entry) => entry.into_mut(),
                Entry::Vacant(entry) => entry.insert(Slot { key, value: None }),
            };
            let value: &V = slot.value.insert(stored);
            Ok(value)
        })
    }

    /// Encodes a key and a value; the errors name the Redis key.
    fn encode_pair(&self, key: &K, value: &V) -> Result<(Vec<u8>, Vec<u8>)> {
        Ok((self.base.encode(key)?, self.base.encode(value)?))
    }
}

impl<K, V, C: Codec, M: Mode> CachedOrderedDict<K, V, C, M> {
    /// The scripts' first argument: the TTL in milliseconds, or `0` for none.
    fn ttl_arg(&self) -> Vec<u8> {
        let ms = self.timeout.map_or(0, crate::container::millis);
        ms.to_string().into_bytes()
    }
}

/// Records a value Redis accepted; returns the value held before.
fn store<K, V>(slots: &mut Slots<K, V>, field: Vec<u8>, key: K, value: V) -> Option<V> {
    match slots.entry(field) {
        Entry::Occupied(mut entry) => entry.get_mut().value.replace(value),
        Entry::Vacant(entry) => {
            entry.insert(Slot {
                key,
                value: Some(value),
            });
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Slots, store};

    #[test]
    fn store_keeps_the_order_and_returns_the_old_value() {
        let mut slots: Slots<&str, i32> = Slots::new();
        slots.insert(
            b"\"b\"".to_vec(),
            super::Slot {
                key: "b",
                value: None,
            },
        );
        assert_eq!(store(&mut slots, b"\"a\"".to_vec(), "a", 1), None);
        assert_eq!(store(&mut slots, b"\"b\"".to_vec(), "b", 2), None);
        assert_eq!(store(&mut slots, b"\"a\"".to_vec(), "a", 3), Some(1));
        let seen: Vec<_> = slots.values().map(|s| (s.key, s.value)).collect();
        assert_eq!(seen, [("b", Some(2)), ("a", Some(3))]);
    }
}
