//! The whole-counter reads of [`RedisCounter`]: iteration, copies,
//! `most_common`, `elements`, `total` and `repr`.

use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;

use redis::Value;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{RedisCounter, parse_count};
use crate::codec::Codec;
use crate::container::repr_map;
use crate::decode;
use crate::engine::ModeExt;
use crate::engine::Op;
use crate::engine::{Mode, Pages};
use crate::error::{Error, Result};

/// Entries read per HSCAN round trip while iterating.
const SCAN_COUNT: usize = 500;

impl<K, C, M> RedisCounter<K, C, M>
where
    K: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// Streams the `(element, count)` pairs with `HSCAN`, a page per round trip
    /// (bounded memory). As with `HSCAN`, an entry changed meanwhile may be seen
    /// twice or not at all.
    ///
    /// Yields `Result<(K, i64)>` items: an [`Iter`](crate::Iter) in [`sync`](crate::sync), a [`BoxStream`](crate::BoxStream) in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let c: pottery::sync::RedisCounter<String> = pottery::sync::RedisCounter::new(&pottery::Client::open(&server.url())?, "c");
    /// for entry in c.iter() {
    ///     let (word, n) = entry?;
    ///     println!("{word}: {n}");
    /// }
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn iter(&self) -> M::Iter<'_, (K, i64)> {
        let (counter_key, codec) = (self.base.key_shared(), self.base.codec().clone());
        let pages = Pages::new(move |cursor| {
            let mut cmd = redis::cmd("HSCAN");
            cmd.arg(&*counter_key)
                .arg(cursor)
                .arg("COUNT")
                .arg(SCAN_COUNT);
            let codec = codec.clone();
            Op::new(counter_key.clone(), "hash", cmd, move |key, reply| {
                let (cursor, flat) = decode::scan_page(key, reply)?;
                Ok((cursor, decode_counts::<K, C>(&codec, key, flat)))
            })
        });
        M::iter(self.base.client(), pages)
    }

    /// Every `(element, count)` pair as a `HashMap` (`HGETALL`): pottery's `to_counter()`.
    ///
    /// Returns `Result<HashMap<K, i64>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let c: pottery::sync::RedisCounter<String> = pottery::sync::RedisCounter::new(&pottery::Client::open(&server.url())?, "c");
    /// c.update([("a", 2)])?;
    /// assert_eq!(c.to_hash_map()?, std::collections::HashMap::from([("a".to_owned(), 2)]));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn to_hash_map(&self) -> M::Output<'_, HashMap<K, i64>>
    where
        K: Eq + Hash,
    {
        self.all(|pairs| Ok(pairs.into_iter().collect()))
    }

    /// Every `(element, count)` pair as a `Vec` (`HGETALL`), for elements that are not `Hash`.
    ///
    /// Returns `Result<Vec<(K, i64)>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let c: pottery::sync::RedisCounter<String> = pottery::sync::RedisCounter::new(&pottery::Client::open(&server.url())?, "c");
    /// assert!(c.to_vec()?.is_empty());
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn to_vec(&self) -> M::Output<'_, Vec<(K, i64)>> {
        self.all(Ok)
    }

    /// The `n` most common elements with their counts, most common first (all of
    /// them when `n` is `None`); equal counts come in no particular order. One `HGETALL`.
    ///
    /// Returns `Result<Vec<(K, i64)>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let c: pottery::sync::RedisCounter<String> = pottery::sync::RedisCounter::new(&pottery::Client::open(&server.url())?, "c");
    /// c.update_elements("abracadabra".chars().map(String::from))?;
    /// assert_eq!(c.most_common(Some(1))?, [("a".to_owned(), 5)]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn most_common(&self, n: Option<usize>) -> M::Output<'_, Vec<(K, i64)>> {
        self.all(move |mut pairs| {
            pairs.sort_by_key(|pair| std::cmp::Reverse(pair.1));
            if let Some(n) = n {
                pairs.truncate(n);
            }
            Ok(pairs)
        })
    }

    /// Each element repeated as many times as its count; elements with a count
    /// of 0 or less are left out (Python's `elements()`). One `HGETALL`.
    ///
    /// Returns `Result<Vec<K>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let c: pottery::sync::RedisCounter<String> = pottery::sync::RedisCounter::new(&pottery::Client::open(&server.url())?, "c");
    /// c.update([("a", 2), ("b", -1)])?;
    /// assert_eq!(c.elements()?, ["a", "a"]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn elements(&self) -> M::Output<'_, Vec<K>>
    where
        K: Clone,
    {
        self.all(|pairs| {
            let mut out = Vec::new();
            for (k, n) in pairs {
                let n = usize::try_from(n).unwrap_or(0);
                out.extend(std::iter::repeat_n(k, n));
            }
            Ok(out)
        })
    }

    /// The sum of all counts (Python's `total()`), with one `HVALS`.
    ///
    /// Returns `Result<i64>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let c: pottery::sync::RedisCounter<String> = pottery::sync::RedisCounter::new(&pottery::Client::open(&server.url())?, "c");
    /// c.update([("a", 2), ("b", -1)])?;
    /// assert_eq!(c.total()?, 1);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn total(&self) -> M::Output<'_, i64> {
        let op = self.base.op(self.base.cmd("HVALS"), |key, reply| {
            let mut sum: i128 = 0;
            for value in decode::array(key, reply)? {
                let raw = decode::bytes(key, value)?.unwrap_or_default();
                sum += i128::from(parse_count(key, &raw)?);
            }
            i64::try_from(sum).map_err(|_| Error::decode(key, b"", "the total overflows i64"))
        });
        M::run(self.base.client(), Ok(op))
    }

    /// pottery's `repr`, most common first: `RedisCounter{"eggs": 2, "ham": 1}`,
    /// from one `HGETALL`, so the whole counter is read and held in memory at
    /// once; for a large one, iterate instead. (`Debug` prints the type and key
    /// only, with no I/O.)
    ///
    /// Returns `Result<String>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let c: pottery::sync::RedisCounter<String> = pottery::sync::RedisCounter::new(&pottery::Client::open(&server.url())?, "c");
    /// c.update([("eggs", 2), ("ham", 1)])?;
    /// assert_eq!(c.repr()?, r#"RedisCounter{"eggs": 2, "ham": 1}"#);
    /// assert_eq!(format!("{c:?}"), r#"RedisCounter { key: "c" }"#);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn repr(&self) -> M::Output<'_, String>
    where
        K: fmt::Debug,
    {
        M::map(self.most_common(None), |pairs| {
            Ok(repr_map("RedisCounter", &pairs))
        })
    }

    /// Every pair with one `HGETALL`, then `finish`.
    fn all<T: Send + 'static>(
        &self,
        finish: impl FnOnce(Vec<(K, i64)>) -> Result<T> + Send + 'static,
    ) -> M::Output<'_, T> {
        let codec = self.base.codec().clone();
        let op = self.base.op(self.base.cmd("HGETALL"), move |key, reply| {
            let pairs = decode_counts::<K, C>(&codec, key, decode::array(key, reply)?)
                .into_iter()
                .collect::<Result<Vec<_>>>()?;
            finish(pairs)
        });
        M::run(self.base.client(), Ok(op))
    }
}

/// Decodes a flat `[field, count, field, count, ...]` reply, entry by entry.
fn decode_counts<K: DeserializeOwned, C: Codec>(
    codec: &C,
    key: &str,
    flat: Vec<Value>,
) -> Vec<Result<(K, i64)>> {
    let mut out = Vec::with_capacity(flat.len() / 2);
    let mut items = flat.into_iter();
    while let (Some(field), Some(count)) = (items.next(), items.next()) {
        out.push((|| {
            let field = decode::bytes(key, field)?.unwrap_or_default();
            let count = decode::bytes(key, count)?.unwrap_or_default();
            Ok((
                decode::value(codec, key, &field)?,
                parse_count(key, &count)?,
            ))
        })());
    }
    out
}
