//! [`CachedOrderedDict`]: an ordered map hydrated from a Redis hash that caches
//! its values, as Python pottery 3.0.1's `pottery.cache.CachedOrderedDict`.
//!
//! - `mod.rs`: the type, its constructors and the write-through methods
//!   (each one Lua script: the write and the TTL refresh in one round trip).
//! - `builder.rs`: the settings, and the hydration (one script: `HMGET` of the
//!   keys in order, then the TTL refresh).
//! - `bulk.rs`: `update`, many entries written through in one script.
//! - `iter.rs`: iteration over the local copy (no I/O), and its misses.
//! - `impls.rs`: `Clone`, `Debug` (no I/O) and `Container`.

mod builder;
mod bulk;
mod impls;
mod iter;

pub use builder::CachedOrderedDictBuilder;

pub use iter::{CachedIntoIter, CachedIter};

use std::marker::PhantomData;
use std::time::Duration;

use indexmap::IndexMap;
use indexmap::map::Entry;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::client::Client;
use crate::codec::{Codec, EncodeAs, Json};
use crate::container::Base;
use crate::decode;
use crate::engine::ModeExt;
use crate::engine::{Blocking, Mode};
use crate::error::{Error, Result};
use crate::lua;

/// How long a cache lives after its last write unless told otherwise (pottery's
/// default, 60 s): the same default as [`RedisCache`](crate::RedisCache)'s.
pub(crate) use crate::cache::DEFAULT_CACHE_TIMEOUT;

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
    /// Returns `Result<Self>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
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
    /// Returns `Result<Self>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
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
    /// Returns `Result<Option<V>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
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
        let op = self
            .base
            .op(self.base.script(&lua::cached_dict::WRITE, &args), |_, _| {
                Ok(())
            });
        let Self { base, slots, .. } = self;
        let base: &Base<C> = base;
        M::map(M::run(base.client(), Ok(op)), move |()| {
            Ok(store(slots, field, key, value))
        })
    }

    /// The value the cache holds for `key`, after storing `default` there if
    /// it held none: pottery's `setdefault`, atomic in Redis (one script that
    /// also resets the TTL). If another process stored a value first, that is
    /// the value returned and kept here.
    ///
    /// Returns `Result<&V>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
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
        let op = self.base.op(
            self.base.script(&lua::cached_dict::SET_DEFAULT, &args),
            move |key, reply| {
                decode::optional::<C, V>(&codec, key, reply)?
                    .ok_or_else(|| Error::unexpected_reply(key, "setdefault", "nil"))
            },
        );
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
    pub(super) fn encode_pair(&self, key: &K, value: &V) -> Result<(Vec<u8>, Vec<u8>)> {
        Ok((self.base.encode(key)?, self.base.encode(value)?))
    }
}

impl<K, V, C: Codec, M: Mode> CachedOrderedDict<K, V, C, M> {
    /// The scripts' first argument: the TTL in milliseconds, or `0` for none.
    pub(super) fn ttl_arg(&self) -> Vec<u8> {
        let ms = self.timeout.map_or(0, crate::container::millis);
        ms.to_string().into_bytes()
    }
}

impl<K, V, C: Codec, M: Mode> CachedOrderedDict<K, V, C, M> {
    /// The Redis key of the cache's hash.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::CachedOrderedDict<String, i64> =
    ///     pottery::sync::CachedOrderedDict::new(&client, "scores", ["a"])?;
    /// assert_eq!(d.key(), "scores");
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn key(&self) -> &str {
        self.base.key()
    }

    /// How long the cache lives after each write; `None`: no expiry is set.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::CachedOrderedDict<String, i64> =
    ///     pottery::sync::CachedOrderedDict::new(&client, "scores", ["a"])?;
    /// assert_eq!(d.timeout(), Some(pottery::DEFAULT_CACHE_TIMEOUT));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// The number of keys, with or without a value.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::CachedOrderedDict<String, i64> =
    ///     pottery::sync::CachedOrderedDict::new(&client, "scores", ["a", "b", "a"])?;
    /// assert_eq!(d.len(), 2);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether the dict has no keys.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::CachedOrderedDict<String, i64> =
    ///     pottery::sync::CachedOrderedDict::new(&client, "scores", Vec::<String>::new())?;
    /// assert!(d.is_empty());
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
}

impl<K: Serialize, V, C: Codec, M: Mode> CachedOrderedDict<K, V, C, M> {
    /// The value of `key`, if the dict has the key and knows its value. Local:
    /// no round trip.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let mut d: pottery::sync::CachedOrderedDict<String, i64> =
    ///     pottery::sync::CachedOrderedDict::new(&client, "scores", ["a"])?;
    /// assert_eq!(d.get("a"), None);
    /// d.insert("a", 1)?;
    /// assert_eq!(d.get("a"), Some(&1));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn get(&self, key: impl EncodeAs<K>) -> Option<&V> {
        self.slot(&key)?.value.as_ref()
    }

    /// Whether the dict has `key`, with or without a value (Python's `in`).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::CachedOrderedDict<String, i64> =
    ///     pottery::sync::CachedOrderedDict::new(&client, "scores", ["a"])?;
    /// assert!(d.contains_key("a"));
    /// assert!(!d.contains_key("b"));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn contains_key(&self, key: impl EncodeAs<K>) -> bool {
        self.slot(&key).is_some()
    }

    /// Whether the dict has `key` without a value: a miss.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::CachedOrderedDict<String, i64> =
    ///     pottery::sync::CachedOrderedDict::new(&client, "scores", ["a"])?;
    /// assert!(d.is_miss("a"));
    /// assert!(!d.is_miss("b"));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn is_miss(&self, key: impl EncodeAs<K>) -> bool {
        self.slot(&key).is_some_and(|slot| slot.value.is_none())
    }

    /// Adds `key` at the end without a value and without a round trip (its
    /// value is to come); `false` if the dict had it already, which changes
    /// nothing. pottery's `d[key] = CachedOrderedDict._SENTINEL`.
    ///
    /// # Errors
    ///
    /// A key the codec cannot encode.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let mut d: pottery::sync::CachedOrderedDict<String, i64> =
    ///     pottery::sync::CachedOrderedDict::new(&client, "scores", ["a"])?;
    /// assert!(d.insert_unknown("b")?);
    /// assert!(!d.insert_unknown("a")?);
    /// assert_eq!(d.misses().collect::<Vec<_>>(), ["a", "b"]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn insert_unknown(&mut self, key: impl Into<K>) -> crate::Result<bool> {
        let key = key.into();
        let field = self.base.encode(&key)?;
        if self.slots.contains_key(&field) {
            return Ok(false);
        }
        self.slots.insert(field, Slot { key, value: None });
        Ok(true)
    }

    /// Takes `key` out of this dict only, returning its value if known; the
    /// cache in Redis keeps it (as deleting from pottery's, an `OrderedDict`,
    /// does). The keys after it keep their order.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let mut d: pottery::sync::CachedOrderedDict<String, i64> =
    ///     pottery::sync::CachedOrderedDict::new(&client, "scores", ["a", "b"])?;
    /// d.insert("a", 1)?;
    /// assert_eq!(d.forget("a"), Some(1));
    /// assert_eq!(d.keys().collect::<Vec<_>>(), ["b"]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn forget(&mut self, key: impl EncodeAs<K>) -> Option<V> {
        let field = self.base.encode(&key).ok()?;
        self.slots.shift_remove(&field)?.value
    }

    /// The slot of `key`; a key the codec cannot encode is absent.
    fn slot(&self, key: &impl EncodeAs<K>) -> Option<&Slot<K, V>> {
        self.slots.get(&self.base.encode(key).ok()?)
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
