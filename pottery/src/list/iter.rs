//! Iteration over a [`RedisList`], search by value, its whole copy, comparison
//! and `repr`.

use std::fmt;

use redis::Value;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::RedisList;
use crate::codec::{Codec, EncodeAs};
use crate::container::{Base, repr_list};
use crate::decode;
use crate::engine::{Mode, ModeExt, Op, Pages};
use crate::error::Result;

/// Elements read per `LRANGE` round trip while iterating.
pub(crate) const PAGE: usize = 500;

/// A list's stored elements, undecoded.
pub(super) type RawElements = Vec<Vec<u8>>;

/// A list's stored elements as raw bytes.
pub(super) fn raw_op(key: &str) -> Op<RawElements> {
    let mut cmd = redis::cmd("LRANGE");
    cmd.arg(key).arg(0).arg(-1);
    Op::new(key, "list", cmd, |key, reply| {
        decode::array(key, reply)?
            .into_iter()
            .map(|v| Ok(decode::bytes(key, v)?.unwrap_or_default()))
            .collect()
    })
}

impl<T, C, M> RedisList<T, C, M>
where
    T: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// Every element, in order, with one `LRANGE`: Python's `to_list()`.
    ///
    /// Returns `Result<Vec<T>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let l: pottery::sync::RedisList<i64> = pottery::sync::RedisList::new(&client, "l");
    /// l.extend([3, 4, 5])?;
    /// assert_eq!(l.to_vec()?, vec![3, 4, 5]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn to_vec(&self) -> M::Output<'_, Vec<T>> {
        let cmd = self.base.cmd_with("LRANGE", (0, -1));
        M::run(self.base.client(), Ok(self.elements_op(cmd)))
    }

    /// Streams the elements from first to last, a page of a few hundred per
    /// `LRANGE` round trip, so memory stays bounded. Pages are read by position:
    /// elements inserted or removed before the current position during the
    /// iteration shift what the next page sees.
    ///
    /// Yields `Result<T>` items: an [`Iter`](crate::Iter) in [`sync`](crate::sync), a [`BoxStream`](crate::BoxStream) in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let l: pottery::sync::RedisList<i64> = pottery::sync::RedisList::new(&client, "l");
    /// l.extend(0..1000)?;
    /// let total: i64 = l.iter().map(|x| x.unwrap_or(0)).sum();
    /// assert_eq!(total, 499_500);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn iter(&self) -> M::Iter<'_, T> {
        M::iter(self.base.client(), pages(&self.base, false))
    }

    /// Streams the elements from last to first (see [`iter`](Self::iter)):
    /// Python's `reversed(l)`.
    ///
    /// Yields `Result<T>` items: an [`Iter`](crate::Iter) in [`sync`](crate::sync), a [`BoxStream`](crate::BoxStream) in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let l: pottery::sync::RedisList<String> = pottery::sync::RedisList::new(&client, "l");
    /// l.extend(["g", "h", "i"])?;
    /// let back: Vec<String> = l.iter_rev().collect::<pottery::Result<_>>()?;
    /// assert_eq!(back, ["i", "h", "g"]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn iter_rev(&self) -> M::Iter<'_, T> {
        M::iter(self.base.client(), pages(&self.base, true))
    }

    /// pottery's `repr`: `RedisList[1, 4, 9]`, from one `LRANGE`, so the whole
    /// list is read and held in memory at once; for a large one, iterate
    /// instead. (`Debug` prints the type and key only, with no I/O.)
    ///
    /// Returns `Result<String>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let l: pottery::sync::RedisList<i64> = pottery::sync::RedisList::new(&client, "l");
    /// l.extend([1, 4, 9])?;
    /// assert_eq!(l.repr()?, "RedisList[1, 4, 9]");
    /// assert_eq!(format!("{l:?}"), r#"RedisList { key: "l" }"#);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn repr(&self) -> M::Output<'_, String>
    where
        T: fmt::Debug,
    {
        M::map(self.to_vec(), |items| Ok(repr_list("RedisList", &items)))
    }

    /// Whether `other` holds the same elements in the same order, comparing the
    /// stored bytes (the codec makes them canonical). A list on the same client
    /// and key is equal without a round trip; two lists are read concurrently.
    ///
    /// Returns `Result<bool>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// use pottery::sync::RedisList;
    /// let a = RedisList::<i64>::create(&client, "a", [1, 4, 9])?;
    /// let b = RedisList::<i64>::create(&client, "b", [1, 4, 9])?;
    /// assert!(a.contents_eq(&b)?);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn contents_eq<'a, C2: Codec, M2: Mode>(
        &'a self,
        other: &'a RedisList<T, C2, M2>,
    ) -> M::Output<'a, bool> {
        if self.key() == other.key() && self.base.client().same_as(other.base.client()) {
            return M::ready(Ok(true));
        }
        M::run_pair(
            (self.base.client(), Ok(raw_op(self.key()))),
            (other.base.client(), Ok(raw_op(other.key()))),
            |a, b| Ok(a == b),
        )
    }
}

/// Pages of a list by position, from the front or (`backwards`) from the back.
pub(crate) fn pages<T, C>(base: &Base<C>, backwards: bool) -> Pages<T>
where
    T: DeserializeOwned + Send + 'static,
    C: Codec,
{
    let (list_key, codec) = (base.key_shared(), base.codec().clone());
    Pages::new(move |cursor| {
        // `cursor` counts the elements already read.
        let offset = i64::try_from(cursor).unwrap_or(i64::MAX);
        let size = i64::try_from(PAGE).unwrap_or(i64::MAX);
        let (first, last) = match backwards {
            false => (offset, offset.saturating_add(size - 1)),
            true => (-offset.saturating_add(size), -offset.saturating_add(1)),
        };
        let mut cmd = redis::cmd("LRANGE");
        cmd.arg(&*list_key).arg(first).arg(last);
        let codec = codec.clone();
        Op::new(list_key.clone(), "list", cmd, move |key, reply| {
            let raw = decode::array(key, reply)?;
            let full = raw.len() == PAGE;
            let mut items: Vec<Result<T>> = raw
                .into_iter()
                .map(|v| decode::value(&codec, key, &decode::bytes(key, v)?.unwrap_or_default()))
                .collect();
            if backwards {
                items.reverse();
            }
            let next = if full {
                cursor.saturating_add(PAGE as u64)
            } else {
                0
            };
            Ok((next, items))
        })
    })
}

impl<T, C, M> RedisList<T, C, M>
where
    T: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// The index of the first element equal to `value` (`LPOS`), or `None`.
    /// Python's `list.index`, which raises `ValueError` instead.
    ///
    /// Returns `Result<Option<usize>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let l: pottery::sync::RedisList<i64> = pottery::sync::RedisList::new(&client, "l");
    /// l.extend([66, 333, -1, 333])?;
    /// assert_eq!(l.index_of(333)?, Some(1));
    /// assert_eq!(l.index_of(7)?, None);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn index_of(&self, value: impl EncodeAs<T>) -> M::Output<'_, Option<usize>> {
        match self.base.encode(&value) {
            Ok(value) => {
                let op = self.base.op(
                    self.base.cmd_with("LPOS", value),
                    |key, reply| match reply {
                        Value::Nil => Ok(None),
                        other => decode::count(key, other).map(Some),
                    },
                );
                M::run(self.base.client(), Ok(op))
            }
            Err(_) => M::ready(Ok(None)),
        }
    }

    /// Whether some element equals `value` (`LPOS`). A value the codec cannot
    /// encode cannot be stored, so it is reported absent.
    ///
    /// Returns `Result<bool>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let l: pottery::sync::RedisList<String> = pottery::sync::RedisList::new(&client, "l");
    /// l.extend(["g", "h"])?;
    /// assert!(l.contains("h")?);
    /// assert!(!l.contains("x")?);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn contains(&self, value: impl EncodeAs<T>) -> M::Output<'_, bool> {
        match self.base.encode(&value) {
            Ok(value) => M::run(
                self.base.client(),
                Ok(self.base.op(self.base.cmd_with("LPOS", value), |_, reply| {
                    Ok(reply != Value::Nil)
                })),
            ),
            Err(_) => M::ready(Ok(false)),
        }
    }

    /// How many elements equal `value` (`LPOS ... COUNT 0`).
    ///
    /// Returns `Result<usize>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let l: pottery::sync::RedisList<f64> = pottery::sync::RedisList::new(&client, "l");
    /// l.extend([66.25, 333.0, 333.0])?;
    /// assert_eq!(l.count(333.0)?, 2);
    /// assert_eq!(l.count(1.0)?, 0);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn count(&self, value: impl EncodeAs<T>) -> M::Output<'_, usize> {
        match self.base.encode(&value) {
            Ok(value) => {
                let cmd = self.base.cmd_with("LPOS", (value, "COUNT", 0));
                let op = self
                    .base
                    .op(cmd, |key, reply| Ok(decode::array(key, reply)?.len()));
                M::run(self.base.client(), Ok(op))
            }
            Err(_) => M::ready(Ok(0)),
        }
    }
}
