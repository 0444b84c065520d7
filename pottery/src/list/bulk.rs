//! The operations of [`RedisList`] on many elements at once: creation, bulk
//! pushes, ranges and Python slices (reading, assigning, deleting), truncation,
//! sorting and reversing in place.

use std::ops::{Bound, RangeBounds};

use redis::Value;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{RedisList, decode_all, num_arg};
use crate::client::Client;
use crate::codec::{Codec, EncodeAs};
use crate::decode;
use crate::engine::{Mode, ModeExt, Op, Request};
use crate::error::{Error, Result};
use crate::lua;

/// A Rust range of Python indices as Python's `start` and `stop` (`None` = open).
///
/// Negative bounds count from the end: `-3..` is Python's `[-3:]`, `..=-2` is
/// `[:-1]`.
fn python_bounds(range: &impl RangeBounds<isize>) -> (Option<isize>, Option<isize>) {
    let start = match range.start_bound() {
        Bound::Included(&s) => Some(s),
        // Just after the last element: past the end, clamped to the length.
        Bound::Excluded(&-1) => Some(isize::MAX),
        Bound::Excluded(&s) => Some(s.saturating_add(1)),
        Bound::Unbounded => None,
    };
    let stop = match range.end_bound() {
        Bound::Included(&-1) => None,
        Bound::Included(&e) => Some(e.saturating_add(1)),
        Bound::Excluded(&e) => Some(e),
        Bound::Unbounded => None,
    };
    (start, stop)
}

/// An optional Python index as a script argument (empty for `None`).
fn opt_arg(bound: Option<isize>) -> Vec<u8> {
    bound.map(num_arg).unwrap_or_default()
}

/// Python rejects a zero step; so do we, before any round trip.
fn check_step(key: &str, step: isize) -> Result<()> {
    match step {
        0 => Err(Error::config(format!(
            "slice step cannot be zero (list `{key}`)"
        ))),
        _ => Ok(()),
    }
}

impl<T, C, M> RedisList<T, C, M>
where
    T: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// The elements in `range`, one `LRANGE`; bounds may be negative and are
    /// clamped like Python slices: `get_range(-3..)` is Python's `l[-3:]`,
    /// `get_range(-5..-1)` is `l[-5:-1]`, `get_range(..)` is everything. A range
    /// from a non-negative to a negative bound (Python's `l[1:-1]`) works too, but
    /// clippy's `reversed_empty_ranges` lint rejects the literal `1..-1`: write
    /// `get_slice(Some(1), Some(-1), 1)` instead.
    ///
    /// Returns `Result<Vec<T>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let l: pottery::sync::RedisList<i64> = pottery::sync::RedisList::new(&client, "l");
    /// l.extend([10, 20, 30, 40, 50])?;
    /// assert_eq!(l.get_range(1..3)?, [20, 30]);
    /// assert_eq!(l.get_range(-2..)?, [40, 50]);
    /// assert_eq!(l.get_range(..=-2)?, [10, 20, 30, 40]);
    /// assert_eq!(l.get_range(3..100)?, [40, 50]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn get_range(&self, range: impl RangeBounds<isize>) -> M::Output<'_, Vec<T>> {
        let (start, stop) = python_bounds(&range);
        // LRANGE's inclusive stop: Python's exclusive stop minus one, which keeps
        // its meaning for negative stops too; a stop of 0 selects nothing.
        let last = match stop {
            None => -1,
            Some(0) => return M::ready(Ok(Vec::new())),
            Some(e) => e.saturating_sub(1),
        };
        let cmd = self.base.cmd_with("LRANGE", (start.unwrap_or(0), last));
        M::run(self.base.client(), Ok(self.elements_op(cmd)))
    }

    /// Python's `l[start:stop:step]` in one round trip (a Lua script): `None`
    /// bounds are open, negative ones count from the end, a negative step walks
    /// backwards. A zero step is a [`Config`](crate::ErrorKind::Config) error, as
    /// Python raises `ValueError`.
    ///
    /// Returns `Result<Vec<T>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let l: pottery::sync::RedisList<i64> = pottery::sync::RedisList::new(&client, "l");
    /// l.extend([10, 20, 30, 40, 50, 60, 70, 80, 90])?;
    /// assert_eq!(l.get_slice(None, None, 2)?, [10, 30, 50, 70, 90]); // l[::2]
    /// assert_eq!(l.get_slice(Some(-2), Some(1), -3)?, [80, 50]); // l[-2:1:-3]
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn get_slice(
        &self,
        start: Option<isize>,
        stop: Option<isize>,
        step: isize,
    ) -> M::Output<'_, Vec<T>> {
        let op = check_step(self.key(), step).map(|()| {
            let args = [opt_arg(start), opt_arg(stop), num_arg(step)];
            self.elements_op(self.base.script(&lua::list::GET_SLICE, &args))
        });
        M::run(self.base.client(), op)
    }

    /// Python's `l[start:stop:step] = values`, atomically. With a step of 1 the
    /// slice is replaced by `values` whatever their number; with another step
    /// `values` must have exactly as many elements as the slice, else nothing is
    /// written and a [`Config`](crate::ErrorKind::Config) error says so (Python's
    /// `ValueError`). Elements outside the slice are never touched.
    ///
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let l: pottery::sync::RedisList<Option<String>> = pottery::sync::RedisList::new(&client, "l");
    /// l.extend([Some("a"), Some("b"), Some("c"), Some("d"), Some("e")].map(|x| x.map(String::from)))?;
    /// l.set_slice(Some(1), Some(4), 2, [None, None])?; // l[1:4:2] = [None, None]
    /// l.set_slice(Some(4), None, 1, [Some("E".to_owned()), Some("F".to_owned())])?;
    /// let got: Vec<_> = l.to_vec()?.into_iter().map(|x| x.unwrap_or_default()).collect();
    /// assert_eq!(got, ["a", "", "c", "", "E", "F"]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn set_slice<I>(
        &self,
        start: Option<isize>,
        stop: Option<isize>,
        step: isize,
        values: I,
    ) -> M::Output<'_, ()>
    where
        I: IntoIterator<Item: EncodeAs<T>>,
    {
        let op = check_step(self.key(), step)
            .and_then(|()| self.base.encode_each(values))
            .map(|values| {
                let given = values.len();
                let mut args = vec![opt_arg(start), opt_arg(stop), num_arg(step)];
                args.extend(values);
                let request = self.base.script(&lua::list::SET_SLICE, &args);
                self.base.op(request, move |key, reply| {
                    let mut parts = decode::array(key, reply)?.into_iter();
                    let done = decode::int(key, "slice assignment", parts.next().unwrap_or(Value::Nil))?;
                    let size = decode::int(key, "slice assignment", parts.next().unwrap_or(Value::Nil))?;
                    match done {
                        1 => Ok(()),
                        _ => Err(Error::config(format!(
                            "attempt to assign sequence of size {given} to extended slice of size {size} (list `{key}`)"
                        ))),
                    }
                })
            });
        M::run(self.base.client(), op)
    }

    /// Python's `del l[start:stop:step]`, atomically; returns how many elements
    /// went. Elements outside the slice are never touched.
    ///
    /// Returns `Result<usize>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let l: pottery::sync::RedisList<i64> = pottery::sync::RedisList::new(&client, "l");
    /// l.extend(0..10)?;
    /// assert_eq!(l.delete_slice(None, None, 3)?, 4); // del l[::3]
    /// assert_eq!(l.to_vec()?, [1, 2, 4, 5, 7, 8]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn delete_slice(
        &self,
        start: Option<isize>,
        stop: Option<isize>,
        step: isize,
    ) -> M::Output<'_, usize> {
        let op = check_step(self.key(), step).map(|()| {
            let args = [opt_arg(start), opt_arg(stop), num_arg(step)];
            self.base.op(
                self.base.script(&lua::list::DELETE_SLICE, &args),
                decode::count,
            )
        });
        M::run(self.base.client(), op)
    }

    /// Removes the elements in `range` and returns them, atomically: `Vec::drain`,
    /// or Python's `del l[start:stop]`, with Python's negative and clamped bounds.
    /// Elements outside the range are never touched. One Lua script (`LRANGE`
    /// of the range, then the shorter side around it saved, the list trimmed
    /// and that side pushed back), so the range is read and removed in one
    /// round trip and its elements are held in memory at once.
    ///
    /// If a removed element does not decode, they are all removed all the same:
    /// the [`Decode`](crate::ErrorKind::Decode) error holds every one of them,
    /// raw and in order ([`Error::removed_raw`](crate::Error::removed_raw)).
    ///
    /// Returns `Result<Vec<T>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let l: pottery::sync::RedisList<i64> = pottery::sync::RedisList::new(&client, "l");
    /// l.extend([1, 66, 333, 333, 1234])?;
    /// assert_eq!(l.drain(2..4)?, [333, 333]);
    /// assert_eq!(l.to_vec()?, [1, 66, 1234]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn drain(&self, range: impl RangeBounds<isize>) -> M::Output<'_, Vec<T>> {
        self.splice(range, std::iter::empty::<T>())
    }

    /// Keeps the first `len` elements and removes the rest (`LTRIM`):
    /// `Vec::truncate`; nothing changes if the list is not longer. One atomic
    /// round trip; a key of another type is a [`WrongType`](crate::ErrorKind::WrongType)
    /// error and stays as it is. Ours: Python's pottery has no such method.
    ///
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let l: pottery::sync::RedisList<i64> = pottery::sync::RedisList::new(&client, "l");
    /// l.extend([1, 2, 3, 4, 5])?;
    /// l.truncate(2)?;
    /// assert_eq!(l.to_vec()?, [1, 2]);
    /// l.truncate(10)?;
    /// assert_eq!(l.to_vec()?, [1, 2]);
    /// l.truncate(0)?;
    /// assert!(l.is_empty()?);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn truncate(&self, len: usize) -> M::Output<'_, ()> {
        // `LTRIM key 0 -1` keeps everything: an empty range is `1 0`.
        let (start, stop) = match len {
            0 => (1, 0),
            n => (0, i64::try_from(n - 1).unwrap_or(i64::MAX)),
        };
        let cmd = self.base.cmd_with("LTRIM", (start, stop));
        M::run(self.base.client(), Ok(self.base.op(cmd, |_, _| Ok(()))))
    }

    /// Replaces the elements in `range` with `values` (any number of them) and
    /// returns the removed ones, atomically: `Vec::splice`, or Python's
    /// `l[start:stop] = values`. Elements outside the range are never touched.
    ///
    /// If a removed element does not decode, they are all removed all the same:
    /// the [`Decode`](crate::ErrorKind::Decode) error holds every one of them,
    /// raw and in order ([`Error::removed_raw`](crate::Error::removed_raw)).
    ///
    /// Returns `Result<Vec<T>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let l: pottery::sync::RedisList<String> = pottery::sync::RedisList::new(&client, "l");
    /// l.extend(["a", "b", "c", "d"])?;
    /// assert_eq!(l.splice(1..3, ["X"])?, ["b", "c"]);
    /// assert_eq!(l.to_vec()?, ["a", "X", "d"]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn splice<I>(&self, range: impl RangeBounds<isize>, values: I) -> M::Output<'_, Vec<T>>
    where
        I: IntoIterator<Item: EncodeAs<T>>,
    {
        let (start, stop) = python_bounds(&range);
        let op = self.base.encode_each(values).map(|values| {
            let mut args = vec![opt_arg(start), opt_arg(stop), num_arg(1), Vec::new()];
            args.extend(values);
            self.taken_elements_op(self.base.script(&lua::list::SPLICE, &args))
        });
        M::run(self.base.client(), op)
    }

    /// An op whose reply is the array of elements it removed: if one does not
    /// decode, the error holds them all, raw.
    pub(crate) fn taken_elements_op(
        &self,
        request: impl Into<crate::engine::Request>,
    ) -> Op<Vec<T>> {
        let codec = self.base.codec().clone();
        self.base.op(request, move |key, reply| {
            decode::all_taken(&codec, key, decode::raw_values(key, reply)?)
        })
    }

    /// An op whose reply is an array of stored elements.
    pub(crate) fn elements_op(
        &self,
        request: impl Into<crate::engine::Request>,
    ) -> crate::engine::Op<Vec<T>> {
        let codec = self.base.codec().clone();
        self.base
            .op(request, move |key, reply| decode_all(&codec, key, reply))
    }
}

/// The create script's op at `key`: writes `values` unless the key exists.
pub(crate) fn create_op<R: Send + 'static>(
    key: &str,
    values: &[Vec<u8>],
    made: impl FnOnce() -> R + Send + 'static,
) -> Op<R> {
    let request = Request::script(&lua::list::CREATE, &[key.as_bytes()], values);
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
    /// Returns `Result<Self>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
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
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
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
        crate::engine::run_some::<M, _>(self.base.client(), self.push_all_op(command, items))
    }

    /// `command` of every item; `None` for none (nothing to send; also fenced).
    pub(crate) fn push_all_op<I>(&self, command: &str, items: I) -> Result<Option<Op<()>>>
    where
        I: IntoIterator<Item: EncodeAs<T>>,
    {
        let values = self.base.encode_each(items)?;
        if values.is_empty() {
            return Ok(None);
        }
        let cmd = self.base.cmd_with(command, values);
        Ok(Some(self.base.op(cmd, |_, _| Ok(()))))
    }

    /// Sorts the list in place, ascending and stably, in one atomic Lua script:
    /// JSON numbers (booleans count as 0 and 1) numerically, as doubles; JSON
    /// strings by code point, like Rust's `str` and Python's `str` order. A list
    /// mixing numbers and strings, or holding other values, is left unchanged and
    /// the call fails with a [`Config`](crate::ErrorKind::Config) error, as Python
    /// raises `TypeError`. The script understands the [`Json`](crate::Json) codec's
    /// output only.
    ///
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
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
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
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
        let request = self.base.script(&lua::list::SORT, &[flag.to_vec()]);
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
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
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
        let request = self.base.script(&lua::list::REVERSE, &[]);
        M::run(self.base.client(), Ok(self.base.op(request, |_, _| Ok(()))))
    }
}
