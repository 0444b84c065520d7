//! The operations a [`RedisDeque`] shares with [`RedisList`](crate::RedisList)
//! (delegated to it), and the trait impls.

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::RedisDeque;
use crate::codec::{Codec, EncodeAs};
use crate::engine::{Async, Blocking, Mode};
use crate::list::{debug_elements, serialize_elements};

impl<T, C, M> RedisDeque<T, C, M>
where
    T: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// Removes and returns the last element (`RPOP`); `None` if empty.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::RedisDeque<i64> = pottery::sync::RedisDeque::new(&client, "d");
    /// d.extend([1, 2])?;
    /// assert_eq!(d.pop_back()?, Some(2));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn pop_back(&self) -> M::Output<'_, Option<T>> {
        self.list.pop()
    }

    /// Removes and returns the first element (`LPOP`); `None` if empty.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::RedisDeque<i64> = pottery::sync::RedisDeque::new(&client, "d");
    /// d.extend([1, 2])?;
    /// assert_eq!(d.pop_front()?, Some(1));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn pop_front(&self) -> M::Output<'_, Option<T>> {
        self.list.pop_front()
    }

    /// The element at `index` (negative counts from the end), or `None` (`LINDEX`).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::RedisDeque<String> = pottery::sync::RedisDeque::new(&client, "d");
    /// d.extend(["g", "h", "i"])?;
    /// assert_eq!(d.get(-2)?.as_deref(), Some("h"));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn get(&self, index: isize) -> M::Output<'_, Option<T>> {
        self.list.get(index)
    }

    /// The first element, or `None` if empty.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::RedisDeque<String> = pottery::sync::RedisDeque::new(&client, "d");
    /// d.extend(["g", "h"])?;
    /// assert_eq!(d.front()?.as_deref(), Some("g"));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn front(&self) -> M::Output<'_, Option<T>> {
        self.list.get(0)
    }

    /// The last element, or `None` if empty.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::RedisDeque<String> = pottery::sync::RedisDeque::new(&client, "d");
    /// d.extend(["g", "h"])?;
    /// assert_eq!(d.back()?.as_deref(), Some("h"));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn back(&self) -> M::Output<'_, Option<T>> {
        self.list.get(-1)
    }

    /// Replaces the element at `index`; a [`NotFound`](crate::ErrorKind::NotFound)
    /// error when out of range (see [`RedisList::set`](crate::RedisList::set)).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::RedisDeque<String> = pottery::sync::RedisDeque::new(&client, "d");
    /// d.extend(["g", "h"])?;
    /// d.set(0, "G")?;
    /// assert_eq!(d.to_vec()?, ["G", "h"]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn set(&self, index: isize, value: impl EncodeAs<T>) -> M::Output<'_, ()> {
        self.list.set(index, value)
    }

    /// Removes and returns the element at `index`, atomically; `None` when out of
    /// range (Python's `del d[index]`, which raises instead).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::RedisDeque<String> = pottery::sync::RedisDeque::new(&client, "d");
    /// d.extend(["g", "h", "i"])?;
    /// assert_eq!(d.remove_at(1)?.as_deref(), Some("h"));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn remove_at(&self, index: isize) -> M::Output<'_, Option<T>> {
        self.list.pop_at(index)
    }

    /// Removes the first element equal to `value`; a
    /// [`NotFound`](crate::ErrorKind::NotFound) error if there is none.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::RedisDeque<String> = pottery::sync::RedisDeque::new(&client, "d");
    /// d.extend(["g", "h"])?;
    /// d.remove("g")?;
    /// assert_eq!(d.remove("g").unwrap_err().kind(), pottery::ErrorKind::NotFound);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn remove(&self, value: impl EncodeAs<T>) -> M::Output<'_, ()> {
        self.list.remove(value)
    }

    /// Whether some element equals `value` (`LPOS`).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::RedisDeque<String> = pottery::sync::RedisDeque::new(&client, "d");
    /// d.extend(["g", "h"])?;
    /// assert!(d.contains("h")?);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn contains(&self, value: impl EncodeAs<T>) -> M::Output<'_, bool> {
        self.list.contains(value)
    }

    /// How many elements equal `value`.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::RedisDeque<i64> = pottery::sync::RedisDeque::new(&client, "d");
    /// d.extend([1, 2, 1])?;
    /// assert_eq!(d.count(1)?, 2);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn count(&self, value: impl EncodeAs<T>) -> M::Output<'_, usize> {
        self.list.count(value)
    }

    /// The index of the first element equal to `value`, or `None`.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::RedisDeque<i64> = pottery::sync::RedisDeque::new(&client, "d");
    /// d.extend([5, 6])?;
    /// assert_eq!(d.index_of(6)?, Some(1));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn index_of(&self, value: impl EncodeAs<T>) -> M::Output<'_, Option<usize>> {
        self.list.index_of(value)
    }

    /// The number of elements (`LLEN`).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::RedisDeque<i64> = pottery::sync::RedisDeque::new(&client, "d");
    /// d.extend([5, 6])?;
    /// assert_eq!(d.len()?, 2);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn len(&self) -> M::Output<'_, usize> {
        self.list.len()
    }

    /// Whether the deque has no elements (Python's `not d`).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::RedisDeque<i64> = pottery::sync::RedisDeque::new(&client, "d");
    /// assert!(d.is_empty()?);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn is_empty(&self) -> M::Output<'_, bool> {
        self.list.is_empty()
    }

    /// Every element, front to back, with one `LRANGE`.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::RedisDeque<i64> = pottery::sync::RedisDeque::new(&client, "d");
    /// d.extend([5, 6])?;
    /// assert_eq!(d.to_vec()?, [5, 6]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn to_vec(&self) -> M::Output<'_, Vec<T>> {
        self.list.to_vec()
    }

    /// Streams the elements front to back, a page per round trip (see
    /// [`RedisList::iter`](crate::RedisList::iter)).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::RedisDeque<i64> = pottery::sync::RedisDeque::new(&client, "d");
    /// d.extend([5, 6])?;
    /// let sum: i64 = d.iter().map(|x| x.unwrap_or(0)).sum();
    /// assert_eq!(sum, 11);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn iter(&self) -> M::Iter<'_, T> {
        self.list.iter()
    }

    /// Streams the elements back to front: Python's `reversed(d)`.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::RedisDeque<i64> = pottery::sync::RedisDeque::new(&client, "d");
    /// d.extend([5, 6])?;
    /// assert_eq!(d.iter_rev().collect::<pottery::Result<Vec<_>>>()?, [6, 5]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn iter_rev(&self) -> M::Iter<'_, T> {
        self.list.iter_rev()
    }

    /// Reverses the deque in place, atomically.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::RedisDeque<i64> = pottery::sync::RedisDeque::new(&client, "d");
    /// d.extend([5, 6])?;
    /// d.reverse()?;
    /// assert_eq!(d.to_vec()?, [6, 5]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn reverse(&self) -> M::Output<'_, ()> {
        self.list.reverse()
    }

    /// Whether `other` holds the same elements in the same order (see
    /// [`RedisList::contents_eq`](crate::RedisList::contents_eq)); maxlens are
    /// not compared.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// use pottery::sync::RedisDeque;
    /// let a = RedisDeque::<i64>::create(&client, "a", [1, 2], None)?;
    /// let b = RedisDeque::<i64>::create(&client, "b", [1, 2], Some(5))?;
    /// assert!(a.contents_eq(&b)?);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn contents_eq<'a, C2: Codec, M2: Mode>(
        &'a self,
        other: &'a RedisDeque<T, C2, M2>,
    ) -> M::Output<'a, bool> {
        self.list.contents_eq(&other.list)
    }
}

/// Prints like Python pottery's `repr`: `RedisDeque(["g", "h"])`, or
/// `RedisDeque(["h", "i"], maxlen=2)`, streaming the elements page by page.
impl<T, C> fmt::Debug for RedisDeque<T, C, Blocking>
where
    T: Serialize + DeserializeOwned + Send + fmt::Debug + 'static,
    C: Codec,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RedisDeque(")?;
        debug_elements(f, self.iter())?;
        if let Some(maxlen) = self.maxlen {
            write!(f, ", maxlen={maxlen}")?;
        }
        f.write_str(")")
    }
}

/// An async deque cannot read in `Debug`; it prints its key and maxlen.
impl<T, C: Codec> fmt::Debug for RedisDeque<T, C, Async> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisDeque")
            .field("key", &self.key())
            .field("maxlen", &self.maxlen)
            .finish()
    }
}

/// Serializes the current elements as a sequence, streaming them page by page.
impl<T, C> Serialize for RedisDeque<T, C, Blocking>
where
    T: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
{
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serialize_elements(serializer, self.iter())
    }
}
