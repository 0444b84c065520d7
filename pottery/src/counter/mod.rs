//! [`RedisCounter`]: Redis hash of counts that behaves like Python's `collections.Counter`.
//!
//! `mod.rs` holds the type, the single-count operations and the bulk updates,
//! `iter.rs` the whole-counter reads (iteration, `most_common`, `elements`,
//! `total`, `repr`), `algebra.rs` the counter arithmetic (`+ - | &`, unary
//! `+`/`-`, and their in-place forms). Its `Debug` prints the type and key.

mod algebra;
mod iter;

pub use algebra::CounterArg;

use redis::Value;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::marker::PhantomData;

use crate::codec::{Codec, EncodeAs, Json};
use crate::container::Base;
use crate::decode;
use crate::engine::ModeExt;
use crate::engine::Op;
use crate::engine::{Blocking, Mode};
use crate::error::{Error, Result};
use crate::lua;

/// Ties the element and mode types to the structure without owning any.
type Types<K, M> = PhantomData<fn() -> (K, M)>;

/// A Redis hash of counts that behaves like Python's `collections.Counter`; Python
/// pottery's `RedisCounter`.
///
/// The layout is [`RedisDict`](crate::RedisDict)'s: field = the encoded element,
/// value = its count as a decimal integer (what `json.dumps` writes for an `int`,
/// whatever the codec). A missing element counts 0. Counts are `i64`; a count
/// Python stored beyond that range reads as a decode error.
///
/// Unlike Python's pottery, every change is atomic: [`increment`](Self::increment)
/// is one `HINCRBY`, bulk updates and in-place arithmetic are one Lua script, so
/// concurrent writers (Rust or Python using `HINCRBY`) never lose counts.
///
/// Use it through [`crate::sync::RedisCounter`] (methods return `Result`) or
/// [`crate::future::RedisCounter`] (methods return futures).
///
/// # Example
///
/// ```
/// use pottery::{Client, sync::RedisCounter};
///
/// # let server = pottery_testkit::Server::start();
/// # let url = server.url();
/// let client = Client::open(&url)?;
/// let words: RedisCounter<String> = RedisCounter::new(&client, "words");
/// words.update_elements(["red", "blue", "red", "green", "blue", "blue"])?;
/// assert_eq!(words.get("blue")?, 3);
/// assert_eq!(words.get("purple")?, 0);
/// assert_eq!(words.most_common(Some(1))?, [("blue".to_owned(), 3)]);
/// assert_eq!(words.increment("red", 5)?, 7);
/// # Ok::<(), pottery::Error>(())
/// ```
pub struct RedisCounter<K, C = Json, M = Blocking> {
    base: Base<C>,
    types: Types<K, M>,
}

crate::container::container_basics!(RedisCounter<K>, "hash", "<String>");
crate::container::debug_key!(RedisCounter<K>);

impl<K, C, M> RedisCounter<K, C, M>
where
    K: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// Writes through this counter's fence with `token` (see [`Fenced`](crate::Fenced)):
    /// each is refused with [`StaleFence`](crate::ErrorKind::StaleFence),
    /// changing nothing, if a larger token already wrote through it.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let c: pottery::sync::RedisCounter<String> = pottery::sync::RedisCounter::new(&pottery::Client::open(&server.url())?, "c");
    /// assert_eq!(c.fenced(2).increment("eggs", 1)?, 1);
    /// assert!(c.fenced(1).increment("eggs", 1).is_err());
    /// assert_eq!(c.get("eggs")?, 1);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn fenced(&self, token: impl Into<crate::FenceToken>) -> crate::Fenced<'_, Self> {
        crate::Fenced::new(self, token.into())
    }

    /// The count of `key`; 0 when absent (Python's `c[key]`).
    ///
    /// Returns `Result<i64>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let c: pottery::sync::RedisCounter<String> = pottery::sync::RedisCounter::new(&pottery::Client::open(&server.url())?, "c");
    /// assert_eq!(c.get("bacon")?, 0);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn get(&self, key: impl EncodeAs<K>) -> M::Output<'_, i64> {
        let op = self.base.encode(&key).map(|field| {
            self.base.op(
                self.base.cmd_with("HGET", field),
                |key, reply| match decode::bytes(key, reply)? {
                    Some(raw) => parse_count(key, &raw),
                    None => Ok(0),
                },
            )
        });
        M::run(self.base.client(), op)
    }

    /// Adds `by` to the count of `key` (`HINCRBY`, atomic) and returns the new count;
    /// Python's `c[key] += by` without its lost updates.
    ///
    /// Returns `Result<i64>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let c: pottery::sync::RedisCounter<String> = pottery::sync::RedisCounter::new(&pottery::Client::open(&server.url())?, "c");
    /// assert_eq!(c.increment("eggs", 1)?, 1);
    /// assert_eq!(c.increment("eggs", 2)?, 3);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn increment(&self, key: impl EncodeAs<K>, by: i64) -> M::Output<'_, i64> {
        M::run(self.base.client(), self.increment_op(&key, by))
    }

    /// `HINCRBY key field by`, the new count (also fenced).
    pub(crate) fn increment_op<Q: Serialize + ?Sized>(&self, key: &Q, by: i64) -> Result<Op<i64>> {
        self.base.encode(key).map(|field| {
            self.base
                .op(self.base.cmd_with("HINCRBY", (field, by)), |key, reply| {
                    decode::int(key, "HINCRBY", reply)
                })
        })
    }

    /// Subtracts `by` from the count of `key` (atomic) and returns the new count,
    /// which may be zero or negative (the element stays, as in Python).
    ///
    /// Returns `Result<i64>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let c: pottery::sync::RedisCounter<String> = pottery::sync::RedisCounter::new(&pottery::Client::open(&server.url())?, "c");
    /// assert_eq!(c.decrement("eggs", 2)?, -2);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn decrement(&self, key: impl EncodeAs<K>, by: i64) -> M::Output<'_, i64> {
        match by.checked_neg() {
            Some(by) => self.increment(key, by),
            None => M::ready(Err(Error::encode(self.key(), "decrement overflows i64"))),
        }
    }

    /// Sets the count of `key` to `n` (`HSET`); a count of 0 keeps the element
    /// (Python's `c[key] = n`).
    ///
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let c: pottery::sync::RedisCounter<String> = pottery::sync::RedisCounter::new(&pottery::Client::open(&server.url())?, "c");
    /// c.set("sausage", 0)?;
    /// assert!(c.contains_key("sausage")?);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn set(&self, key: impl EncodeAs<K>, n: i64) -> M::Output<'_, ()> {
        let op = self.base.encode(&key).map(|field| {
            self.base
                .op(self.base.cmd_with("HSET", (field, n)), |_, _: Value| Ok(()))
        });
        M::run(self.base.client(), op)
    }

    /// Removes `key` (`HDEL`); `true` if it was present. Removing an absent element
    /// is not an error (Python's `del c[key]` does not raise either).
    ///
    /// Returns `Result<bool>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let c: pottery::sync::RedisCounter<String> = pottery::sync::RedisCounter::new(&pottery::Client::open(&server.url())?, "c");
    /// assert!(!c.remove("ham")?);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn remove(&self, key: impl EncodeAs<K>) -> M::Output<'_, bool> {
        let op = self.base.encode(&key).map(|field| {
            self.base
                .op(self.base.cmd_with("HDEL", field), decode::flag)
        });
        M::run(self.base.client(), op)
    }

    /// Whether `key` has a count stored, even 0 (`HEXISTS`).
    ///
    /// Returns `Result<bool>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let c: pottery::sync::RedisCounter<String> = pottery::sync::RedisCounter::new(&pottery::Client::open(&server.url())?, "c");
    /// assert!(!c.contains_key("ham")?);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn contains_key(&self, key: impl EncodeAs<K>) -> M::Output<'_, bool> {
        match self.base.encode(&key) {
            Ok(field) => M::run(
                self.base.client(),
                Ok(self
                    .base
                    .op(self.base.cmd_with("HEXISTS", field), decode::flag)),
            ),
            Err(_) => M::ready(Ok(false)),
        }
    }

    /// The number of elements stored, zero and negative counts included (`HLEN`).
    ///
    /// Returns `Result<usize>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let c: pottery::sync::RedisCounter<String> = pottery::sync::RedisCounter::new(&pottery::Client::open(&server.url())?, "c");
    /// assert_eq!(c.len()?, 0);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn len(&self) -> M::Output<'_, usize> {
        M::run(
            self.base.client(),
            Ok(self.base.op(self.base.cmd("HLEN"), decode::count)),
        )
    }

    /// Whether no element is stored.
    ///
    /// Returns `Result<bool>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let c: pottery::sync::RedisCounter<String> = pottery::sync::RedisCounter::new(&pottery::Client::open(&server.url())?, "c");
    /// assert!(c.is_empty()?);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn is_empty(&self) -> M::Output<'_, bool> {
        let op = self.base.op(self.base.cmd("HLEN"), |key, reply| {
            Ok(decode::count(key, reply)? == 0)
        });
        M::run(self.base.client(), Ok(op))
    }

    /// Adds each `(key, n)` count (Python's `update` with a mapping): one atomic
    /// script whatever the number of items; zero and negative results are kept.
    ///
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let c: pottery::sync::RedisCounter<String> = pottery::sync::RedisCounter::new(&pottery::Client::open(&server.url())?, "c");
    /// c.update([("bar", 1), ("baz", 3)])?;
    /// c.update(&std::collections::HashMap::from([("bar".to_owned(), 1)]))?;
    /// assert_eq!(c.get("bar")?, 2);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn update<I, A, B>(&self, items: I) -> M::Output<'_, ()>
    where
        I: IntoIterator<Item = (A, B)>,
        A: EncodeAs<K>,
        B: std::borrow::Borrow<i64>,
    {
        self.add_counts(items.into_iter().map(|(k, n)| (k, *n.borrow())), 1)
    }

    /// Subtracts each `(key, n)` count (Python's `subtract` with a mapping), atomically.
    ///
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let c: pottery::sync::RedisCounter<String> = pottery::sync::RedisCounter::new(&pottery::Client::open(&server.url())?, "c");
    /// c.subtract([("a", 1), ("b", 2)])?;
    /// assert_eq!(c.get("b")?, -2);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn subtract<I, A, B>(&self, items: I) -> M::Output<'_, ()>
    where
        I: IntoIterator<Item = (A, B)>,
        A: EncodeAs<K>,
        B: std::borrow::Borrow<i64>,
    {
        self.add_counts(items.into_iter().map(|(k, n)| (k, *n.borrow())), -1)
    }

    /// Counts each element of `keys` once more (Python's `update` with an
    /// iterable), atomically. Unlike Python's pottery, existing counts are added
    /// once: `{a: 2}` updated with `["a"]` gives 3.
    ///
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let c: pottery::sync::RedisCounter<String> = pottery::sync::RedisCounter::new(&pottery::Client::open(&server.url())?, "c");
    /// c.update_elements("gallahad".chars().map(String::from))?;
    /// assert_eq!(c.get("a")?, 3);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn update_elements<I>(&self, keys: I) -> M::Output<'_, ()>
    where
        I: IntoIterator<Item: EncodeAs<K>>,
    {
        self.add_counts(keys.into_iter().map(|k| (k, 1)), 1)
    }

    /// Counts each element of `keys` once less (Python's `subtract` with an
    /// iterable), atomically.
    ///
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let c: pottery::sync::RedisCounter<String> = pottery::sync::RedisCounter::new(&pottery::Client::open(&server.url())?, "c");
    /// c.subtract_elements(["a", "a"])?;
    /// assert_eq!(c.get("a")?, -2);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn subtract_elements<I>(&self, keys: I) -> M::Output<'_, ()>
    where
        I: IntoIterator<Item: EncodeAs<K>>,
    {
        self.add_counts(keys.into_iter().map(|k| (k, 1)), -1)
    }

    /// One `UPDATE` script adding `sign * n` for every `(key, n)`, equal keys merged.
    fn add_counts<A: Serialize>(
        &self,
        items: impl Iterator<Item = (A, i64)>,
        sign: i64,
    ) -> M::Output<'_, ()> {
        let op = self.add_counts_op(items, sign, &lua::counter::UPDATE);
        crate::engine::run_some::<M, _>(self.base.client(), op)
    }

    /// `script` adding each count times `sign`; `None` when there is none
    /// (nothing to send; also fenced).
    pub(crate) fn add_counts_op<A: Serialize>(
        &self,
        items: impl Iterator<Item = (A, i64)>,
        sign: i64,
        script: &'static lua::Lua,
    ) -> Result<Option<Op<()>>> {
        let args = items
            .map(|(k, n)| Ok((self.base.encode(&k)?, n)))
            .collect::<Result<Vec<_>>>()
            .and_then(|pairs| merge_counts(self.key(), pairs, sign))?;
        if args.is_empty() {
            return Ok(None);
        }
        let op = self
            .base
            .op(self.base.script(script, &args), |_, _: Value| Ok(()));
        Ok(Some(op))
    }
}

/// Sums the counts of equal fields (times `sign`), in first-seen order, as flat
/// `[field, count, ...]` script arguments.
pub(super) fn merge_counts(
    key: &str,
    pairs: Vec<(Vec<u8>, i64)>,
    sign: i64,
) -> Result<Vec<Vec<u8>>> {
    let overflow = || Error::encode(key, "count overflows i64");
    let mut order: Vec<(Vec<u8>, i64)> = Vec::with_capacity(pairs.len());
    let mut index: std::collections::HashMap<Vec<u8>, usize> =
        std::collections::HashMap::with_capacity(pairs.len());
    for (field, n) in pairs {
        let n = n.checked_mul(sign).ok_or_else(overflow)?;
        match index.get(&field) {
            Some(&i) => {
                if let Some(slot) = order.get_mut(i) {
                    slot.1 = slot.1.checked_add(n).ok_or_else(overflow)?;
                }
            }
            None => {
                index.insert(field.clone(), order.len());
                order.push((field, n));
            }
        }
    }
    Ok(order
        .into_iter()
        .flat_map(|(field, n)| [field, n.to_string().into_bytes()])
        .collect())
}

/// A stored count: a decimal integer.
pub(super) fn parse_count(key: &str, raw: &[u8]) -> Result<i64> {
    std::str::from_utf8(raw)
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .ok_or_else(|| Error::decode(key, raw, "a count must be an integer that fits in i64"))
}
