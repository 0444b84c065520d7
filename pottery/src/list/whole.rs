//! The whole-list operations of [`RedisList`]: creation, bulk writes, iteration,
//! sorting, copies, comparison, and the trait impls.

use std::fmt;

use redis::Value;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{RedisList, script};
use crate::base::Base;
use crate::client::Client;
use crate::codec::{Codec, EncodeAs};
use crate::decode;
use crate::engine::ModeExt;
use crate::engine::{Async, Blocking, Mode, Pages, Plan};
use crate::engine::{Op, Request};
use crate::error::{Error, Result};

/// Elements read per `LRANGE` round trip while iterating.
pub(crate) const PAGE: usize = 500;

/// The create script's op at `key`: writes `values` unless the key exists.
pub(crate) fn create_op<R: Send + 'static>(
    key: &str,
    values: &[Vec<u8>],
    made: impl FnOnce() -> R + Send + 'static,
) -> Op<R> {
    let request = Request::script(&script::CREATE, &[key.as_bytes()], values);
    Op::new(
        key,
        "list",
        request,
        move |key, reply| match decode::flag(key, reply)? {
            true => Ok(made()),
            false => Err(Error::key_exists(key)),
        },
    )
}

/// A list's stored elements, undecoded.
type RawElements = Vec<Vec<u8>>;

/// A list's stored elements as raw bytes.
fn raw_op(key: &str) -> Op<RawElements> {
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
    /// Creates a list at `key` holding `items`, atomically; fails with a
    /// [`KeyExists`](crate::ErrorKind::KeyExists) error if `key` exists already,
    /// as Python's pottery does. With no items nothing is checked or written.
    ///
    /// ```
    /// use pottery::{Client, sync::RedisList};
    /// # let server = pottery_testkit::Server::start();
    /// # let url = server.url();
    /// let client = Client::open(&url)?;
    /// let squares = RedisList::<i64>::create(&client, "squares", [1, 4, 9])?;
    /// assert_eq!(squares.len()?, 3);
    /// let again = RedisList::<i64>::create(&client, "squares", [1]);
    /// assert_eq!(again.unwrap_err().kind(), pottery::ErrorKind::KeyExists);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn create<I>(client: &Client, key: &str, items: I) -> M::Output<'static, Self>
    where
        C: Default,
        I: IntoIterator<Item: EncodeAs<T>>,
    {
        let list = Self::new(client, key);
        let values = match list.base.encode_each(items) {
            Ok(values) if values.is_empty() => return M::ready(Ok(list)),
            Ok(values) => values,
            Err(err) => return M::ready(Err(err)),
        };
        M::run_owned(client.clone(), Ok(create_op(key, &values, || list)))
    }

    /// Appends every element of `items` with one `RPUSH`: one atomic round trip
    /// whatever the number of items (none for no items).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let l: pottery::sync::RedisList<i64> = pottery::sync::RedisList::new(&client, "l");
    /// l.extend([1, 4, 9])?;
    /// l.extend(&[16, 25])?;
    /// assert_eq!(l.to_vec()?, [1, 4, 9, 16, 25]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn extend<I>(&self, items: I) -> M::Output<'_, ()>
    where
        I: IntoIterator<Item: EncodeAs<T>>,
    {
        self.push_all("RPUSH", items)
    }

    /// `command` (`RPUSH` or `LPUSH`) of every item, one round trip.
    pub(crate) fn push_all<I>(&self, command: &str, items: I) -> M::Output<'_, ()>
    where
        I: IntoIterator<Item: EncodeAs<T>>,
    {
        let values = match self.base.encode_each(items) {
            Ok(values) if values.is_empty() => return M::ready(Ok(())),
            Ok(values) => values,
            Err(err) => return M::ready(Err(err)),
        };
        let cmd = self.base.cmd_with(command, values);
        M::run(self.base.client(), Ok(self.base.op(cmd, |_, _| Ok(()))))
    }

    /// Every element, in order, with one `LRANGE`: Python's `to_list()`.
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

    /// Sorts the list in place, ascending and stably, in one atomic Lua script:
    /// JSON numbers (booleans count as 0 and 1) numerically, as doubles; JSON
    /// strings by code point, like Rust's `str` and Python's `str` order. A list
    /// mixing numbers and strings, or holding other values, is left unchanged and
    /// the call fails with a [`Config`](crate::ErrorKind::Config) error, as Python
    /// raises `TypeError`. The script understands the [`Json`](crate::Json) codec's
    /// output only.
    ///
    /// The whole sort (read, compare, write back) happens inside Redis, so no
    /// concurrent writer can interleave with it.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let l: pottery::sync::RedisList<f64> = pottery::sync::RedisList::new(&client, "l");
    /// l.extend([333.0, 1234.5, 1.0, -1.0, 66.25])?;
    /// l.sort()?;
    /// assert_eq!(l.to_vec()?, [-1.0, 1.0, 66.25, 333.0, 1234.5]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn sort(&self) -> M::Output<'_, ()> {
        self.sort_with(false)
    }

    /// Sorts the list in place, descending (Python's `sort(reverse=True)`, stable);
    /// see [`sort`](Self::sort).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let l: pottery::sync::RedisList<String> = pottery::sync::RedisList::new(&client, "l");
    /// l.extend(["b", "é", "a"])?;
    /// l.sort_desc()?;
    /// assert_eq!(l.to_vec()?, ["é", "b", "a"]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn sort_desc(&self) -> M::Output<'_, ()> {
        self.sort_with(true)
    }

    fn sort_with(&self, descending: bool) -> M::Output<'_, ()> {
        let flag = if descending { b"1" } else { b"0" };
        let request = self.base.script(&script::SORT, &[flag.to_vec()]);
        let op = self.base.op(request, |key, reply| match reply {
            Value::Int(1) => Ok(()),
            other => match decode::bytes(key, other)? {
                Some(why) => Err(Error::config(format!(
                    "cannot sort list `{key}`: {}",
                    String::from_utf8_lossy(&why)
                ))),
                None => Err(Error::unexpected_reply(key, "sort", "nil")),
            },
        });
        M::run(self.base.client(), Ok(op))
    }

    /// Reverses the list in place, atomically (one Lua script).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let l: pottery::sync::RedisList<i64> = pottery::sync::RedisList::new(&client, "l");
    /// l.extend([1, 2, 3])?;
    /// l.reverse()?;
    /// assert_eq!(l.to_vec()?, [3, 2, 1]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn reverse(&self) -> M::Output<'_, ()> {
        let request = self.base.script(&script::REVERSE, &[]);
        M::run(self.base.client(), Ok(self.base.op(request, |_, _| Ok(()))))
    }

    /// Whether `other` holds the same elements in the same order, comparing the
    /// stored bytes (the codec makes them canonical). A list on the same client
    /// and key is equal without a round trip; two lists are read concurrently.
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

    /// The two reads and the write of a concatenation (see `concat`).
    fn concat_ops<M2: Mode>(
        &self,
        other: &RedisList<T, C, M2>,
    ) -> (Op<RawElements>, Op<RawElements>) {
        (raw_op(self.key()), raw_op(other.key()))
    }

    fn concat_result(&self, new_key: &str) -> Self {
        Self::from_base(Base::named(
            self.base.client(),
            new_key,
            self.base.codec().clone(),
            "list",
        ))
    }
}

/// Joins the raw elements of two lists.
fn joined(mut a: Vec<Vec<u8>>, b: Vec<Vec<u8>>) -> Result<Vec<Vec<u8>>> {
    a.extend(b);
    Ok(a)
}

impl<T, C, M> RedisList<T, C, M>
where
    T: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// A new list at `new_key` holding this list's elements followed by
    /// `other`'s: Python's `l + other`. The two lists are read concurrently, then
    /// the new one is written with one atomic script that fails with a
    /// [`KeyExists`](crate::ErrorKind::KeyExists) error if `new_key` exists. The
    /// keys may live anywhere (other slots, other servers), so the read and the
    /// write are two steps: a write to either list in between is not included.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// use pottery::sync::RedisList;
    /// let a = RedisList::<i64>::create(&client, "a", [1, 4])?;
    /// let b = RedisList::<i64>::create(&client, "b", [9])?;
    /// let c = a.concat(&b, "c")?;
    /// assert_eq!(c.to_vec()?, [1, 4, 9]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn concat<'a, M2: Mode>(
        &'a self,
        other: &'a RedisList<T, C, M2>,
        new_key: &str,
    ) -> M::Output<'a, Self> {
        let (a, b) = self.concat_ops(other);
        let result = self.concat_result(new_key);
        let new_key = new_key.to_owned();
        let client = self.base.client().clone();
        let plan = Plan::pair(
            (client.clone(), a),
            (other.base.client().clone(), b),
            move |a, b| match a.and_then(|a| joined(a, b?)) {
                Ok(raw) => Plan::op(client, create_op(&new_key, &raw, || result)),
                Err(err) => Plan::fail(err),
            },
        );
        M::run_plan(self.base.client(), plan)
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

/// Prints like Python pottery's `repr`: `RedisList[1, 4, 9]`, streaming the
/// elements page by page. A read error is printed in place of the rest.
impl<T, C> fmt::Debug for RedisList<T, C, Blocking>
where
    T: Serialize + DeserializeOwned + Send + fmt::Debug + 'static,
    C: Codec,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RedisList")?;
        debug_elements(f, self.iter())
    }
}

/// The elements of `iter` as a Debug list, an error in place of the rest.
pub(crate) fn debug_elements<T: fmt::Debug>(
    f: &mut fmt::Formatter<'_>,
    iter: impl Iterator<Item = Result<T>>,
) -> fmt::Result {
    let mut list = f.debug_list();
    for item in iter {
        match item {
            Ok(item) => list.entry(&item),
            Err(err) => return list.entry(&format_args!("<error: {err}>")).finish(),
        };
    }
    list.finish()
}

/// An async list cannot read in `Debug`; it prints its key.
impl<T, C: Codec> fmt::Debug for RedisList<T, C, Async> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisList")
            .field("key", &self.key())
            .finish()
    }
}

/// Serializes the current elements as a sequence, streaming them page by page:
/// the counterpart of pottery's `json.dumps(redis_list)`.
impl<T, C> Serialize for RedisList<T, C, Blocking>
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

/// The elements of `iter` as a serde sequence; a read error fails it.
pub(crate) fn serialize_elements<S: serde::Serializer, T: Serialize>(
    serializer: S,
    iter: impl Iterator<Item = Result<T>>,
) -> std::result::Result<S::Ok, S::Error> {
    use serde::ser::{Error as _, SerializeSeq};
    let mut seq = serializer.serialize_seq(None)?;
    for item in iter {
        seq.serialize_element(&item.map_err(S::Error::custom)?)?;
    }
    seq.end()
}
