//! Iteration over a [`CachedOrderedDict`]'s local copy (no I/O): its entries,
//! keys, values and misses, in order.

use std::fmt;

use super::{CachedOrderedDict, Slot};
use crate::codec::Codec;
use crate::engine::Mode;

impl<K, V, C: Codec, M: Mode> CachedOrderedDict<K, V, C, M> {
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
