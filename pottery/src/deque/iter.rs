//! Iteration over a [`RedisDeque`], its whole copy, comparison and `repr`
//! (delegated to its [`RedisList`](crate::RedisList)).

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::RedisDeque;
use crate::codec::Codec;
use crate::engine::{Mode, ModeExt};

impl<T, C, M> RedisDeque<T, C, M>
where
    T: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// Every element, front to back, with one `LRANGE`.
    ///
    /// Returns `Result<Vec<T>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
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
    /// Yields `Result<T>` items: an [`Iter`](crate::Iter) in [`sync`](crate::sync), a [`BoxStream`](crate::BoxStream) in [`future`](crate::future).
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
    /// Yields `Result<T>` items: an [`Iter`](crate::Iter) in [`sync`](crate::sync), a [`BoxStream`](crate::BoxStream) in [`future`](crate::future).
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

    /// pottery's `repr`: `RedisDeque(["g", "h"])`, or `RedisDeque(["h", "i"],
    /// maxlen=2)` when bounded, from one `LRANGE`, so the whole deque is read and
    /// held in memory at once; for a large one, iterate instead. (`Debug` prints
    /// the type, key and maxlen only, with no I/O.)
    ///
    /// Returns `Result<String>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::RedisDeque<String> = pottery::sync::RedisDeque::with_maxlen(&client, "d", 2);
    /// d.extend(["g", "h", "i"])?;
    /// assert_eq!(d.repr()?, r#"RedisDeque(["h", "i"], maxlen=2)"#);
    /// assert_eq!(format!("{d:?}"), r#"RedisDeque { key: "d", maxlen: Some(2) }"#);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn repr(&self) -> M::Output<'_, String>
    where
        T: fmt::Debug,
    {
        let maxlen = self.maxlen;
        M::map(self.to_vec(), move |items| {
            Ok(match maxlen {
                Some(maxlen) => format!("RedisDeque({items:?}, maxlen={maxlen})"),
                None => format!("RedisDeque({items:?})"),
            })
        })
    }

    /// Whether `other` holds the same elements in the same order (see
    /// [`RedisList::contents_eq`](crate::RedisList::contents_eq)); maxlens are
    /// not compared.
    ///
    /// Returns `Result<bool>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
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
