//! [`RedisList`]: a Redis list that behaves like a `Vec<T>`.
//!
//! `mod.rs` holds the type and its single-element operations (by index, and
//! pushes and pops at either end); `bulk.rs` those on many elements (creation,
//! ranges, slices, sorting, truncation); `iter.rs` iteration, search by value,
//! copies, comparison and `repr`; `algebra.rs` concatenation; `flow.rs`
//! `retain` (read, decide, write back if unchanged) and `logic.rs` its hash. `Debug` and `Serialize` come from the
//! `container` macros. Its Lua
//! scripts, shared with [`RedisDeque`](crate::RedisDeque), are `lua/list/`.

mod algebra;
mod bulk;
mod flow;
mod iter;
mod logic;

pub(crate) use bulk::create_op;

use std::marker::PhantomData;

use redis::Value;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::codec::{Codec, EncodeAs, Json};
use crate::container::Base;
use crate::decode;
use crate::engine::ModeExt;
use crate::engine::Op;
use crate::engine::{Blocking, Mode};
use crate::error::{Error, Result, Taken};
use crate::lua;

/// Ties the element and mode types to the structure without owning any.
type Types<T, M> = PhantomData<fn() -> (T, M)>;

/// A Redis list that behaves like a `Vec<T>`; Python pottery's `RedisList`.
///
/// Each element is stored as one list entry encoded with the codec `C` (by
/// default [`Json`], byte-compatible with Python's pottery). Indices are `isize`
/// and may be negative, counting from the end as in Python. Every single-element
/// method is one round trip; whatever moves elements by index (insert, remove at
/// an index, slices, sort, reverse) is one atomic Lua script; iteration reads a
/// page of elements per round trip.
///
/// Use it through [`crate::sync::RedisList`] (methods return `Result`) or
/// [`crate::future::RedisList`] (methods return futures).
///
/// # Example
///
/// ```
/// use pottery::{Client, sync::RedisList};
///
/// # let server = pottery_testkit::Server::start();
/// # let url = server.url();
/// let client = Client::open(&url)?;
/// let squares: RedisList<i64> = RedisList::new(&client, "squares");
/// squares.extend([1, 4, 9, 16, 25])?;
/// assert_eq!(squares.get(-1)?, Some(25));
/// assert_eq!(squares.get_range(-3..)?, [9, 16, 25]);
/// squares.insert(0, 0)?;
/// assert_eq!(squares.pop()?, Some(25));
/// assert_eq!(squares.to_vec()?, [0, 1, 4, 9, 16]);
/// # Ok::<(), pottery::Error>(())
/// ```
pub struct RedisList<T, C = Json, M = Blocking> {
    base: Base<C>,
    types: Types<T, M>,
}

crate::container::container_basics!(RedisList<T>, "list", "<String>");
crate::container::debug_key!(RedisList<T>);
crate::container::serialize_seq!(
    /// Serializes the current elements as a sequence, streaming them page by
    /// page: the counterpart of pottery's `json.dumps(redis_list)`.
    RedisList
);

/// A decimal number as a script argument.
pub(crate) fn num_arg(n: impl ToString) -> Vec<u8> {
    n.to_string().into_bytes()
}

/// An array reply of stored elements, decoded in order.
pub(crate) fn decode_all<C: Codec, T: DeserializeOwned>(
    codec: &C,
    key: &str,
    reply: Value,
) -> Result<Vec<T>> {
    decode::array(key, reply)?
        .into_iter()
        .map(|v| decode::value(codec, key, &decode::bytes(key, v)?.unwrap_or_default()))
        .collect()
}

impl<T, C, M> RedisList<T, C, M>
where
    T: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// Writes through this list's fence with `token` (see [`Fenced`](crate::Fenced)):
    /// each is refused with [`StaleFence`](crate::ErrorKind::StaleFence),
    /// changing nothing, if a larger token already wrote through it.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let l: pottery::sync::RedisList<i64> = pottery::sync::RedisList::new(&client, "l");
    /// l.fenced(2).push(1)?;
    /// assert!(l.fenced(1).push(0).is_err());
    /// assert_eq!(l.to_vec()?, [1]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn fenced(&self, token: impl Into<crate::FenceToken>) -> crate::Fenced<'_, Self> {
        crate::Fenced::new(self, token.into())
    }

    /// An op whose reply is one optional stored element.
    pub(crate) fn optional_op(&self, request: impl Into<crate::engine::Request>) -> Op<Option<T>> {
        let codec = self.base.codec().clone();
        self.base.op(request, move |key, reply| {
            decode::optional(&codec, key, reply)
        })
    }

    /// An op whose reply is one optional element it removed: one that does not
    /// decode is handed back raw in the error.
    pub(crate) fn taken_op(&self, request: impl Into<crate::engine::Request>) -> Op<Option<T>> {
        let codec = self.base.codec().clone();
        self.base.op(request, move |key, reply| {
            decode::optional_taken(&codec, key, reply, Taken::Removed)
        })
    }

    /// The element at `index` (negative counts from the end), or `None` when out
    /// of range (`LINDEX`).
    ///
    /// Returns `Result<Option<T>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let l: pottery::sync::RedisList<i64> = pottery::sync::RedisList::new(&client, "l");
    /// l.extend([1, 4, 9])?;
    /// assert_eq!(l.get(0)?, Some(1));
    /// assert_eq!(l.get(-1)?, Some(9));
    /// assert_eq!(l.get(3)?, None);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn get(&self, index: isize) -> M::Output<'_, Option<T>> {
        let op = self.optional_op(self.base.cmd_with("LINDEX", index));
        M::run(self.base.client(), Ok(op))
    }

    /// The first element, or `None` if the list is empty (`LINDEX 0`):
    /// `slice::first`. Ours (Python's pottery has `l[0]`, which raises).
    ///
    /// Returns `Result<Option<T>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let l: pottery::sync::RedisList<i64> = pottery::sync::RedisList::new(&client, "l");
    /// assert_eq!(l.first()?, None);
    /// l.extend([1, 4, 9])?;
    /// assert_eq!((l.first()?, l.last()?), (Some(1), Some(9)));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn first(&self) -> M::Output<'_, Option<T>> {
        self.get(0)
    }

    /// The last element, or `None` if the list is empty (`LINDEX -1`):
    /// `slice::last`. Ours, like [`first`](Self::first).
    ///
    /// Returns `Result<Option<T>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let l: pottery::sync::RedisList<i64> = pottery::sync::RedisList::new(&client, "l");
    /// l.extend([1, 4, 9])?;
    /// assert_eq!(l.last()?, Some(9));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn last(&self) -> M::Output<'_, Option<T>> {
        self.get(-1)
    }

    /// Replaces the element at `index` (negative counts from the end); a
    /// [`NotFound`](crate::ErrorKind::NotFound) error when out of range, as Python
    /// raises `IndexError`.
    ///
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let l: pottery::sync::RedisList<i64> = pottery::sync::RedisList::new(&client, "l");
    /// l.extend([1, 8, 27, 65])?;
    /// l.set(-1, 64)?;
    /// assert_eq!(l.to_vec()?, [1, 8, 27, 64]);
    /// assert_eq!(l.set(4, 125).unwrap_err().kind(), pottery::ErrorKind::NotFound);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn set(&self, index: isize, value: impl EncodeAs<T>) -> M::Output<'_, ()> {
        M::run(
            self.base.client(),
            self.set_op(index, &value, &lua::list::SET),
        )
    }

    /// `script` setting the element at `index` (also fenced).
    pub(crate) fn set_op<V: Serialize + ?Sized>(
        &self,
        index: isize,
        value: &V,
        script: &'static lua::Lua,
    ) -> Result<Op<()>> {
        self.base.encode(value).map(|value| {
            let request = self.base.script(script, &[num_arg(index), value]);
            self.base
                .op(request, move |key, reply| match decode::flag(key, reply)? {
                    true => Ok(()),
                    false => Err(Error::not_found(
                        key,
                        format!("list assignment index {index} out of range"),
                    )),
                })
        })
    }

    /// Inserts `value` before `index`, atomically; like Python's `list.insert`,
    /// a negative index counts from the end and an index out of range inserts at
    /// the nearer end.
    ///
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let l: pottery::sync::RedisList<i64> = pottery::sync::RedisList::new(&client, "l");
    /// l.extend([0, 0, 0])?;
    /// l.insert(1, 1)?;
    /// l.insert(100, 9)?;
    /// l.insert(-100, -9)?;
    /// assert_eq!(l.to_vec()?, [-9, 0, 1, 0, 0, 9]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn insert(&self, index: isize, value: impl EncodeAs<T>) -> M::Output<'_, ()> {
        let op = self.insert_op(index, &value, None, |key, fitted| match fitted {
            true => Ok(()),
            false => Err(Error::unexpected_reply(key, "insert", "nil")),
        });
        M::run(self.base.client(), op)
    }

    /// The insert script; `finish` learns whether the value fitted under `maxlen`.
    pub(crate) fn insert_op<V: Serialize + ?Sized, R>(
        &self,
        index: isize,
        value: &V,
        maxlen: Option<usize>,
        finish: impl FnOnce(&str, bool) -> Result<R> + Send + 'static,
    ) -> Result<Op<R>> {
        let value = self.base.encode(value)?;
        let max = maxlen.map(num_arg).unwrap_or_default();
        let args = [num_arg(index), num_arg(index), num_arg(0), max, value];
        let request = self.base.script(&lua::list::SPLICE, &args);
        Ok(self
            .base
            .op(request, move |key, reply| finish(key, reply != Value::Nil)))
    }

    /// Removes and returns the element at `index` (negative counts from the end),
    /// atomically; `None` when out of range. Python's `list.pop(index)`.
    ///
    /// An element that does not decode is removed all the same, and handed back
    /// whole in the error ([`Error::removed_raw`](crate::Error::removed_raw)).
    ///
    /// Returns `Result<Option<T>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let l: pottery::sync::RedisList<String> = pottery::sync::RedisList::new(&client, "l");
    /// l.extend(["foo", "bar", "baz"])?;
    /// assert_eq!(l.pop_at(1)?.as_deref(), Some("bar"));
    /// assert_eq!(l.pop_at(5)?, None);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn pop_at(&self, index: isize) -> M::Output<'_, Option<T>> {
        let request = self.base.script(&lua::list::REMOVE_AT, &[num_arg(index)]);
        M::run(self.base.client(), Ok(self.taken_op(request)))
    }

    /// Removes and returns the element at `index` (negative counts from the end),
    /// atomically; a [`NotFound`](crate::ErrorKind::NotFound) error when out of
    /// range. `Vec::remove`, or Python's `del l[index]`.
    ///
    /// An element that does not decode is removed all the same, and handed back
    /// whole in the error ([`Error::removed_raw`](crate::Error::removed_raw)).
    ///
    /// Returns `Result<T>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let l: pottery::sync::RedisList<i64> = pottery::sync::RedisList::new(&client, "l");
    /// l.extend([-1, 1, 66])?;
    /// assert_eq!(l.remove_at(0)?, -1);
    /// assert_eq!(l.remove_at(2).unwrap_err().kind(), pottery::ErrorKind::NotFound);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn remove_at(&self, index: isize) -> M::Output<'_, T> {
        let request = self.base.script(&lua::list::REMOVE_AT, &[num_arg(index)]);
        let codec = self.base.codec().clone();
        let op = self.base.op(request, move |key, reply| {
            decode::optional_taken(&codec, key, reply, Taken::Removed)?
                .ok_or_else(|| Error::not_found(key, format!("list index {index} out of range")))
        });
        M::run(self.base.client(), Ok(op))
    }

    /// Removes the first element equal to `value` (`LREM` with count 1); a
    /// [`NotFound`](crate::ErrorKind::NotFound) error when there is none, as Python
    /// raises `ValueError`.
    ///
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let l: pottery::sync::RedisList<i64> = pottery::sync::RedisList::new(&client, "l");
    /// l.extend([1, 333, 2, 333])?;
    /// l.remove(333)?;
    /// assert_eq!(l.to_vec()?, [1, 2, 333]);
    /// assert_eq!(l.remove(7).unwrap_err().kind(), pottery::ErrorKind::NotFound);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn remove(&self, value: impl EncodeAs<T>) -> M::Output<'_, ()> {
        let op = self.base.encode(&value).map(|value| {
            let request = self.base.cmd_with("LREM", (1, value));
            self.base
                .op(request, |key, reply| match decode::flag(key, reply)? {
                    true => Ok(()),
                    false => Err(Error::not_found(key, "remove(x): x not in list")),
                })
        });
        M::run(self.base.client(), op)
    }

    /// The number of elements (`LLEN`).
    ///
    /// Returns `Result<usize>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let l: pottery::sync::RedisList<i64> = pottery::sync::RedisList::new(&client, "l");
    /// l.extend([1, 2, 3, 4])?;
    /// assert_eq!(l.len()?, 4);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn len(&self) -> M::Output<'_, usize> {
        M::run(
            self.base.client(),
            Ok(self.base.op(self.base.cmd("LLEN"), decode::count)),
        )
    }

    /// Whether the list has no elements.
    ///
    /// Returns `Result<bool>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let l: pottery::sync::RedisList<i64> = pottery::sync::RedisList::new(&client, "l");
    /// assert!(l.is_empty()?);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn is_empty(&self) -> M::Output<'_, bool> {
        let op = self.base.op(self.base.cmd("LLEN"), |key, reply| {
            Ok(decode::count(key, reply)? == 0)
        });
        M::run(self.base.client(), Ok(op))
    }

    /// Removes and returns the last element (`RPOP`); `None` if the list is empty.
    ///
    /// An element that does not decode is removed all the same, and handed back
    /// whole in the error ([`Error::removed_raw`](crate::Error::removed_raw)).
    ///
    /// Returns `Result<Option<T>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let l: pottery::sync::RedisList<i64> = pottery::sync::RedisList::new(&client, "l");
    /// l.extend([3, 4])?;
    /// assert_eq!(l.pop()?, Some(4));
    /// assert_eq!(l.pop()?, Some(3));
    /// assert_eq!(l.pop()?, None);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn pop(&self) -> M::Output<'_, Option<T>> {
        M::run(self.base.client(), Ok(self.taken_op(self.base.cmd("RPOP"))))
    }

    /// Removes and returns the first element (`LPOP`); `None` if the list is empty.
    ///
    /// An element that does not decode is removed all the same, and handed back
    /// whole in the error ([`Error::removed_raw`](crate::Error::removed_raw)).
    ///
    /// Returns `Result<Option<T>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let l: pottery::sync::RedisList<i64> = pottery::sync::RedisList::new(&client, "l");
    /// l.extend([3, 4])?;
    /// assert_eq!(l.pop_front()?, Some(3));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn pop_front(&self) -> M::Output<'_, Option<T>> {
        M::run(self.base.client(), Ok(self.taken_op(self.base.cmd("LPOP"))))
    }

    /// Appends `value` at the end (`RPUSH`): `Vec::push`, Python's `append`.
    ///
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let l: pottery::sync::RedisList<i64> = pottery::sync::RedisList::new(&client, "l");
    /// l.push(216)?;
    /// assert_eq!(l.to_vec()?, [216]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn push(&self, value: impl EncodeAs<T>) -> M::Output<'_, ()> {
        self.push_with("RPUSH", &value)
    }

    /// Python's name for [`push`](Self::push).
    ///
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let l: pottery::sync::RedisList<i64> = pottery::sync::RedisList::new(&client, "l");
    /// l.append(7)?;
    /// assert_eq!(l.get(-1)?, Some(7));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn append(&self, value: impl EncodeAs<T>) -> M::Output<'_, ()> {
        self.push_with("RPUSH", &value)
    }

    /// Inserts `value` at the front (`LPUSH`).
    ///
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// # let l: pottery::sync::RedisList<i64> = pottery::sync::RedisList::new(&client, "l");
    /// l.push(2)?;
    /// l.push_front(1)?;
    /// assert_eq!(l.to_vec()?, [1, 2]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn push_front(&self, value: impl EncodeAs<T>) -> M::Output<'_, ()> {
        self.push_with("LPUSH", &value)
    }

    fn push_with<V: Serialize + ?Sized>(&self, command: &str, value: &V) -> M::Output<'_, ()> {
        M::run(self.base.client(), self.push_op(command, value))
    }

    /// `command key value` (`RPUSH`, `LPUSH`; also fenced).
    pub(crate) fn push_op<V: Serialize + ?Sized>(
        &self,
        command: &str,
        value: &V,
    ) -> Result<Op<()>> {
        self.base.encode(value).map(|value| {
            self.base
                .op(self.base.cmd_with(command, value), |_, _| Ok(()))
        })
    }
}
