//! The local side of a [`CachedOrderedDict`]: lookups, misses, iteration and
//! the trait impls. Nothing here talks to Redis.

use std::fmt;
use std::time::Duration;

use serde::Serialize;

use super::{CachedOrderedDict, Slot};
use crate::client::Client;
use crate::codec::{Codec, EncodeAs};
use crate::container::Container;
use crate::engine::Mode;

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

    /// The keys without a value, in order: those the cache did not hold when
    /// the dict was made (and any added with [`insert_unknown`](Self::insert_unknown)),
    /// until they are given one. pottery's `misses()` (a set there).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let mut d: pottery::sync::CachedOrderedDict<String, i64> =
    ///     pottery::sync::CachedOrderedDict::new(&client, "scores", ["a", "b"])?;
    /// d.insert("a", 1)?;
    /// assert_eq!(d.misses().collect::<Vec<_>>(), ["b"]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn misses(&self) -> impl Iterator<Item = &K> + '_ {
        self.slots
            .values()
            .filter(|slot| slot.value.is_none())
            .map(|slot| &slot.key)
    }

    /// Iterates over the keys and their values (`None`: not known yet), in order.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let mut d: pottery::sync::CachedOrderedDict<String, i64> =
    ///     pottery::sync::CachedOrderedDict::new(&client, "scores", ["b", "a"])?;
    /// d.insert("a", 1)?;
    /// let items: Vec<_> = d.iter().collect();
    /// assert_eq!(items, [(&"b".to_owned(), None), (&"a".to_owned(), Some(&1))]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn iter(&self) -> CachedIter<'_, K, V> {
        CachedIter {
            inner: self.slots.values(),
        }
    }

    /// The keys, in order.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::CachedOrderedDict<String, i64> =
    ///     pottery::sync::CachedOrderedDict::new(&client, "scores", ["b", "a"])?;
    /// assert_eq!(d.keys().collect::<Vec<_>>(), ["b", "a"]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn keys(&self) -> impl Iterator<Item = &K> + '_ {
        self.slots.values().map(|slot| &slot.key)
    }

    /// The values, in the keys' order (`None`: not known yet).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let mut d: pottery::sync::CachedOrderedDict<String, i64> =
    ///     pottery::sync::CachedOrderedDict::new(&client, "scores", ["b", "a"])?;
    /// d.insert("b", 2)?;
    /// assert_eq!(d.values().collect::<Vec<_>>(), [Some(&2), None]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn values(&self) -> impl Iterator<Item = Option<&V>> + '_ {
        self.slots.values().map(|slot| slot.value.as_ref())
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

/// An iterator over a [`CachedOrderedDict`]'s keys and values, in order; made
/// by [`CachedOrderedDict::iter`].
///
/// ```
/// # let server = pottery_testkit::Server::start();
/// # let client = pottery::Client::open(&server.url())?;
/// let d: pottery::sync::CachedOrderedDict<String, i64> =
///     pottery::sync::CachedOrderedDict::new(&client, "scores", ["a"])?;
/// let mut it: pottery::CachedIter<'_, String, i64> = d.iter();
/// assert_eq!(it.next(), Some((&"a".to_owned(), None)));
/// # Ok::<(), pottery::Error>(())
/// ```
pub struct CachedIter<'a, K, V> {
    inner: indexmap::map::Values<'a, Vec<u8>, Slot<K, V>>,
}

impl<'a, K, V> Iterator for CachedIter<'a, K, V> {
    type Item = (&'a K, Option<&'a V>);

    fn next(&mut self) -> Option<Self::Item> {
        self.inner
            .next()
            .map(|slot| (&slot.key, slot.value.as_ref()))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<K, V> DoubleEndedIterator for CachedIter<'_, K, V> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.inner
            .next_back()
            .map(|slot| (&slot.key, slot.value.as_ref()))
    }
}

impl<K, V> ExactSizeIterator for CachedIter<'_, K, V> {}

impl<K, V> fmt::Debug for CachedIter<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedIter")
            .field("remaining", &self.inner.len())
            .finish()
    }
}

/// The owned keys and values of a [`CachedOrderedDict`], in order; made by
/// its `into_iter()`.
///
/// ```
/// # let server = pottery_testkit::Server::start();
/// # let client = pottery::Client::open(&server.url())?;
/// let d: pottery::sync::CachedOrderedDict<String, i64> =
///     pottery::sync::CachedOrderedDict::new(&client, "scores", ["a"])?;
/// let items: Vec<(String, Option<i64>)> = d.into_iter().collect();
/// assert_eq!(items, [("a".to_owned(), None)]);
/// # Ok::<(), pottery::Error>(())
/// ```
pub struct CachedIntoIter<K, V> {
    inner: indexmap::map::IntoValues<Vec<u8>, Slot<K, V>>,
}

impl<K, V> Iterator for CachedIntoIter<K, V> {
    type Item = (K, Option<V>);

    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next().map(|slot| (slot.key, slot.value))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<K, V> ExactSizeIterator for CachedIntoIter<K, V> {}

impl<K, V> fmt::Debug for CachedIntoIter<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedIntoIter")
            .field("remaining", &self.inner.len())
            .finish()
    }
}

impl<'a, K, V, C: Codec, M: Mode> IntoIterator for &'a CachedOrderedDict<K, V, C, M> {
    type Item = (&'a K, Option<&'a V>);
    type IntoIter = CachedIter<'a, K, V>;

    fn into_iter(self) -> CachedIter<'a, K, V> {
        self.iter()
    }
}

impl<K, V, C: Codec, M: Mode> IntoIterator for CachedOrderedDict<K, V, C, M> {
    type Item = (K, Option<V>);
    type IntoIter = CachedIntoIter<K, V>;

    fn into_iter(self) -> CachedIntoIter<K, V> {
        CachedIntoIter {
            inner: self.slots.into_values(),
        }
    }
}

impl<K: Clone, V: Clone, C: Codec, M: Mode> Clone for CachedOrderedDict<K, V, C, M> {
    fn clone(&self) -> Self {
        let slots = self.slots.iter().map(|(field, slot)| {
            let slot = Slot {
                key: slot.key.clone(),
                value: slot.value.clone(),
            };
            (field.clone(), slot)
        });
        CachedOrderedDict {
            base: self.base.clone(),
            timeout: self.timeout,
            slots: slots.collect(),
            mode: std::marker::PhantomData,
        }
    }
}

impl<K: fmt::Debug, V: fmt::Debug, C: Codec, M: Mode> fmt::Debug for CachedOrderedDict<K, V, C, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Entries<'a, K, V>(&'a super::Slots<K, V>);
        impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for Entries<'_, K, V> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let pairs = self.0.values().map(|s| (&s.key, &s.value));
                f.debug_map().entries(pairs).finish()
            }
        }
        f.debug_struct("CachedOrderedDict")
            .field("key", &self.key())
            .field("timeout", &self.timeout)
            .field("entries", &Entries(&self.slots))
            .finish()
    }
}

/// Expiry, existence and clearing of the cache's hash in Redis (the local copy
/// is left as it is).
impl<K, V, C: Codec, M: Mode> Container for CachedOrderedDict<K, V, C, M> {
    type Mode = M;

    fn key(&self) -> &str {
        self.base.key()
    }

    fn client(&self) -> &Client {
        self.base.client()
    }

    fn redis_type(&self) -> &'static str {
        self.base.redis_type()
    }
}
