//! [`HyperLogLog`]: Redis's HyperLogLog, counting distinct elements in ~12 KB.
//!
//! `mod.rs` holds insertion, counting and pottery's membership test;
//! `algebra.rs` merging other HyperLogLogs in and unions into a new one.

mod algebra;

use std::marker::PhantomData;

use redis::Value;
use serde::Serialize;

use crate::codec::{Codec, EncodeAs, Json};
use crate::container::Base;
use crate::decode;
use crate::engine::ModeExt;
use crate::engine::{Blocking, Mode};
use crate::engine::{Op, Request};
use crate::error::Result;
use crate::lua;

/// What a wrong-type error says the key should hold: Redis stores a HyperLogLog
/// as a string, but not every string is one.
const EXPECTS: &str = "HyperLogLog";

/// Ties the element and mode types to the structure without owning any.
type Types<T, M> = PhantomData<fn() -> (T, M)>;

/// A Redis HyperLogLog: counts distinct elements approximately (standard error
/// 0.81%) in at most 12 KB; Python pottery's `HyperLogLog`.
///
/// Elements are encoded with the codec `C` (by default [`Json`], as pottery
/// does) and added with `PFADD`; [`len`](Self::len) is `PFCOUNT`. Membership
/// ([`contains`](Self::contains), [`contains_many`](Self::contains_many)) is
/// pottery's trick: add the element to a copy and see whether it changed; it
/// never gives a false negative, and gives false positives more often than a
/// [`BloomFilter`](crate::BloomFilter) of the same memory. Every method is one
/// round trip (merging HyperLogLogs from another server or cluster slot reads
/// them first: see [`merge`](Self::merge)).
///
/// Use it through [`crate::sync::HyperLogLog`] (methods return `Result`) or
/// [`crate::future::HyperLogLog`] (methods return futures).
///
/// # Example
///
/// ```
/// use pottery::{Client, sync::HyperLogLog};
///
/// # let server = pottery_testkit::Server::start();
/// # let url = server.url();
/// let client = Client::open(&url)?;
/// let searches: HyperLogLog<String> = HyperLogLog::new(&client, "google-searches");
/// searches.insert("sonic the hedgehog video game")?;
/// searches.extend(["google in 1998", "minesweeper", "joey tribbiani"])?;
/// assert_eq!(searches.len()?, 4);
/// assert!(searches.contains("joey tribbiani")?);
/// assert!(!searches.contains("jennifer aniston")?);
/// # Ok::<(), pottery::Error>(())
/// ```
pub struct HyperLogLog<T, C = Json, M = Blocking> {
    base: Base<C>,
    types: Types<T, M>,
}

crate::container::container_basics!(HyperLogLog<T>, "string", "<String>");
crate::container::debug_key!(HyperLogLog<T>);

impl<T, C, M> HyperLogLog<T, C, M>
where
    T: Serialize + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// An operation on this HyperLogLog.
    fn op<R>(
        &self,
        request: impl Into<Request>,
        decode: impl FnOnce(&str, Value) -> Result<R> + Send + 'static,
    ) -> Op<R> {
        Op::new(self.base.key_shared(), EXPECTS, request, decode).of("HyperLogLog")
    }

    /// Adds `element` (`PFADD`); `true` if a register changed, so the element was
    /// certainly not added before. Python's `add`.
    ///
    /// Returns `Result<bool>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let hll: pottery::sync::HyperLogLog<String> = pottery::sync::HyperLogLog::new(&pottery::Client::open(&server.url())?, "h");
    /// assert!(hll.insert("foo")?);
    /// assert!(!hll.insert("foo")?);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn insert(&self, element: impl EncodeAs<T>) -> M::Output<'_, bool> {
        let op = self
            .base
            .encode(&element)
            .map(|raw| self.op(self.base.cmd_with("PFADD", raw), decode::flag));
        M::run(self.base.client(), op)
    }

    /// Adds every element of `elements` in one `PFADD` (none for no elements).
    /// To merge other HyperLogLogs in, see [`merge`](Self::merge). Python's
    /// `update` with iterables.
    ///
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let hll: pottery::sync::HyperLogLog<String> = pottery::sync::HyperLogLog::new(&pottery::Client::open(&server.url())?, "h");
    /// hll.extend(["foo", "bar", "zap", "a"])?;
    /// assert_eq!(hll.len()?, 4);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn extend<I>(&self, elements: I) -> M::Output<'_, ()>
    where
        I: IntoIterator<Item: EncodeAs<T>>,
    {
        let op = match self.base.encode_each(elements) {
            Ok(raw) if raw.is_empty() => return M::ready(Ok(())),
            Ok(raw) => self.op(self.base.cmd_with("PFADD", raw), |_, _| Ok(())),
            Err(err) => return M::ready(Err(err)),
        };
        M::run(self.base.client(), Ok(op))
    }

    /// The approximate number of distinct elements added (`PFCOUNT`). Python's
    /// `len()`.
    ///
    /// Returns `Result<usize>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let hll: pottery::sync::HyperLogLog<String> = pottery::sync::HyperLogLog::new(&pottery::Client::open(&server.url())?, "h");
    /// assert_eq!(hll.len()?, 0);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn len(&self) -> M::Output<'_, usize> {
        M::run(
            self.base.client(),
            Ok(self.op(self.base.cmd("PFCOUNT"), decode::count)),
        )
    }

    /// pottery's `repr`: `<HyperLogLog key=searches len=4>`, with one `PFCOUNT`.
    /// (`Debug` prints the type and key only, with no I/O.)
    ///
    /// Returns `Result<String>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let hll: pottery::sync::HyperLogLog<String> = pottery::sync::HyperLogLog::new(&pottery::Client::open(&server.url())?, "h");
    /// hll.insert("a")?;
    /// assert_eq!(hll.repr()?, "<HyperLogLog key=h len=1>");
    /// assert_eq!(format!("{hll:?}"), r#"HyperLogLog { key: "h" }"#);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn repr(&self) -> M::Output<'_, String> {
        let key = self.key();
        M::map(self.len(), move |n| {
            Ok(format!("<HyperLogLog key={key} len={n}>"))
        })
    }

    /// Whether nothing was added (`PFCOUNT` is 0).
    ///
    /// Returns `Result<bool>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let hll: pottery::sync::HyperLogLog<String> = pottery::sync::HyperLogLog::new(&pottery::Client::open(&server.url())?, "h");
    /// assert!(hll.is_empty()?);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn is_empty(&self) -> M::Output<'_, bool> {
        let op = self.op(self.base.cmd("PFCOUNT"), |key, reply| {
            Ok(decode::count(key, reply)? == 0)
        });
        M::run(self.base.client(), Ok(op))
    }

    /// Whether `element` may have been added: adding it to a copy would change
    /// no register. `false` is certain; `true` may be a false positive. One
    /// atomic script; its scratch copy shares the key's cluster slot and is
    /// deleted on every path. An element the codec cannot encode cannot have
    /// been added: `false`, without a round trip.
    ///
    /// Returns `Result<bool>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let hll: pottery::sync::HyperLogLog<String> = pottery::sync::HyperLogLog::new(&pottery::Client::open(&server.url())?, "h");
    /// hll.extend(["foo", "bar"])?;
    /// assert!(hll.contains("foo")?);
    /// assert!(!hll.contains("baz")?);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn contains(&self, element: impl EncodeAs<T>) -> M::Output<'_, bool> {
        let Ok(raw) = self.base.encode(&element) else {
            return M::ready(Ok(false));
        };
        let op = self.membership(vec![raw], |key, reply| {
            let changed = decode::array(key, reply)?;
            let first = changed.into_iter().next().map(|v| decode::flag(key, v));
            Ok(!first.transpose()?.unwrap_or(true))
        });
        M::run(self.base.client(), Ok(op))
    }

    /// Whether each of `elements` may have been added, in order, in one atomic
    /// script (none for no elements). Elements the codec cannot encode are
    /// reported absent.
    ///
    /// Returns `Result<Vec<bool>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let hll: pottery::sync::HyperLogLog<String> = pottery::sync::HyperLogLog::new(&pottery::Client::open(&server.url())?, "h");
    /// hll.extend(["foo", "bar", "zap", "a"])?;
    /// assert_eq!(hll.contains_many(["foo", "baz", "a"])?, [true, false, true]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn contains_many<I>(&self, elements: I) -> M::Output<'_, Vec<bool>>
    where
        I: IntoIterator<Item: EncodeAs<T>>,
    {
        // `None` marks an element that cannot be encoded, hence is absent.
        let encoded: Vec<Option<Vec<u8>>> = elements
            .into_iter()
            .map(|e| self.base.encode(&e).ok())
            .collect();
        let asked: Vec<Vec<u8>> = encoded.iter().flatten().cloned().collect();
        if asked.is_empty() {
            return M::ready(Ok(vec![false; encoded.len()]));
        }
        let op = self.membership(asked, move |key, reply| {
            let mut changed = decode::array(key, reply)?.into_iter();
            encoded
                .iter()
                .map(|raw| match (raw, raw.as_ref().and(changed.next())) {
                    (Some(_), Some(flag)) => Ok(!decode::flag(key, flag)?),
                    (Some(_), None) => Err(crate::Error::unexpected_reply(
                        key,
                        "HyperLogLog membership",
                        "too few answers",
                    )),
                    (None, _) => Ok(false),
                })
                .collect()
        });
        M::run(self.base.client(), Ok(op))
    }

    /// The membership script for `encoded` elements, with its scratch key.
    fn membership<R>(
        &self,
        encoded: Vec<Vec<u8>>,
        decode: impl FnOnce(&str, Value) -> Result<R> + Send + 'static,
    ) -> Op<R> {
        let scratch = self.base.scratch_key();
        let keys = [self.key().as_bytes(), scratch.as_bytes()];
        self.op(
            Request::script(&lua::hyperloglog::CONTAINS, &keys, &encoded),
            decode,
        )
        .touching(scratch)
    }
}
