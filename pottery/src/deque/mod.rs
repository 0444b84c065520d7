//! [`RedisDeque`]: a Redis list that behaves like a `VecDeque<T>` with an optional
//! maximum length.
//!
//! A deque is a [`RedisList`] (same key layout, same operations where the
//! semantics match: the deque holds one and delegates to it) plus a `maxlen`
//! kept in the client, as in pottery. `mod.rs` holds the type, its
//! constructors and single-element operations; `bulk.rs` creation, the bulk
//! pushes that trim to `maxlen`, and reversal; `iter.rs` iteration, copies,
//! comparison and `repr`; `impls.rs` the trait impls.

mod bulk;
mod impls;
mod iter;

pub(crate) use bulk::Side;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::client::Client;
use crate::codec::{Codec, EncodeAs, Json};
use crate::container::Base;
use crate::decode;
use crate::engine::ModeExt;
use crate::engine::{Blocking, Mode};
use crate::error::Error;
use crate::list::RedisList;

/// A Redis list that behaves like a `VecDeque<T>` with an optional maximum length;
/// Python pottery's `RedisDeque`.
///
/// The layout is [`RedisList`]'s. With a `maxlen`, every push trims the opposite
/// end in the same Lua script, so the deque never holds more than `maxlen`
/// elements, whatever other writers (using this crate) do concurrently. Like in
/// pottery, `maxlen` is not stored in Redis: every process must use the same one.
///
/// Use it through [`crate::sync::RedisDeque`] (methods return `Result`) or
/// [`crate::future::RedisDeque`] (methods return futures).
///
/// # Example
///
/// ```
/// use pottery::{Client, sync::RedisDeque};
///
/// # let server = pottery_testkit::Server::start();
/// # let url = server.url();
/// let client = Client::open(&url)?;
/// let recent: RedisDeque<i64> = RedisDeque::with_maxlen(&client, "recent", 3);
/// recent.extend([1, 2, 3, 4])?;
/// assert_eq!(recent.to_vec()?, [2, 3, 4]);
/// recent.push_front(0)?;
/// assert_eq!(recent.to_vec()?, [0, 2, 3]);
/// recent.rotate(1)?;
/// assert_eq!(recent.pop_front()?, Some(3));
/// # Ok::<(), pottery::Error>(())
/// ```
pub struct RedisDeque<T, C = Json, M = Blocking> {
    list: RedisList<T, C, M>,
    maxlen: Option<usize>,
}

impl<T, C: Codec + Default, M: Mode> RedisDeque<T, C, M> {
    /// An unbounded RedisDeque at `key`: nothing is read or written until you use it.
    ///
    /// ```
    /// let client = pottery::Client::open("redis://localhost")?;
    /// let s: pottery::sync::RedisDeque<String> = pottery::sync::RedisDeque::new(&client, "k");
    /// assert_eq!(s.key(), "k");
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn new(client: &Client, key: &str) -> Self {
        Self::with_codec(client, key, C::default())
    }

    /// A RedisDeque at `key` holding at most `maxlen` elements: pushes trim the
    /// opposite end. Nothing is read: see [`open`](Self::open) to check that the
    /// stored list fits.
    ///
    /// ```
    /// let client = pottery::Client::open("redis://localhost")?;
    /// let d: pottery::sync::RedisDeque<String> = pottery::sync::RedisDeque::with_maxlen(&client, "k", 3);
    /// assert_eq!(d.maxlen(), Some(3));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn with_maxlen(client: &Client, key: &str, maxlen: usize) -> Self {
        Self::new(client, key).bounded(maxlen)
    }

    /// A RedisDeque at a fresh random key (`pottery:<uuid4>`), deleted when it and all
    /// its clones are dropped.
    ///
    /// ```
    /// let client = pottery::Client::open("redis://localhost")?;
    /// let s: pottery::sync::RedisDeque<String> = pottery::sync::RedisDeque::temporary(&client);
    /// assert!(s.key().starts_with("pottery:"));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn temporary(client: &Client) -> Self {
        Self::from_base(Base::temporary(client, C::default(), "list").of("RedisDeque"))
    }
}

impl<T, C: Codec, M: Mode> RedisDeque<T, C, M> {
    /// A RedisDeque at `key` that encodes with `codec`.
    ///
    /// ```
    /// use pottery::{Client, Json, sync::RedisDeque};
    /// let client = Client::open("redis://localhost")?;
    /// let s: RedisDeque<String> = RedisDeque::with_codec(&client, "k", Json);
    /// # let _ = s;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn with_codec(client: &Client, key: &str, codec: C) -> Self {
        Self::from_base(Base::named(client, key, codec, "list").of("RedisDeque"))
    }

    /// The same deque, holding at most `maxlen` elements from now on (for a
    /// [`temporary`](Self::temporary) one, say).
    ///
    /// ```
    /// let client = pottery::Client::open("redis://localhost")?;
    /// let d: pottery::sync::RedisDeque<String> = pottery::sync::RedisDeque::temporary(&client).bounded(3);
    /// assert_eq!(d.maxlen(), Some(3));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn bounded(mut self, maxlen: usize) -> Self {
        self.maxlen = Some(maxlen);
        self
    }

    fn from_base(base: Base<C>) -> Self {
        RedisDeque {
            list: RedisList::from_base(base),
            maxlen: None,
        }
    }

    pub(crate) fn base(&self) -> &Base<C> {
        self.list.base()
    }

    /// The Redis key holding the RedisDeque.
    ///
    /// ```
    /// let client = pottery::Client::open("redis://localhost")?;
    /// let s: pottery::sync::RedisDeque<String> = pottery::sync::RedisDeque::new(&client, "k");
    /// assert_eq!(s.key(), "k");
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn key(&self) -> &str {
        self.base().key()
    }

    /// The maximum length, or `None` if unbounded. It cannot change: make another
    /// deque on the same key to use another one.
    ///
    /// ```
    /// let client = pottery::Client::open("redis://localhost")?;
    /// let d: pottery::sync::RedisDeque<i64> = pottery::sync::RedisDeque::new(&client, "k");
    /// assert_eq!(d.maxlen(), None);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn maxlen(&self) -> Option<usize> {
        self.maxlen
    }
}

/// The error of a deque that holds or would hold more than its maxlen.
pub(super) fn full(key: &str, what: &str, maxlen: usize) -> Error {
    Error::config(format!("RedisDeque `{key}` {what} (maxlen {maxlen})"))
}

impl<T, C, M> RedisDeque<T, C, M>
where
    T: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// A deque at an existing `key` with `maxlen`, after checking (`LLEN`) that the
    /// stored list fits; a [`Config`](crate::ErrorKind::Config) error if it holds
    /// more, as Python's pottery raises `IndexError`.
    ///
    /// Returns `Result<Self>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// use pottery::sync::RedisDeque;
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// RedisDeque::<String>::create(&client, "d", ["g", "h", "i"], None)?;
    /// assert!(RedisDeque::<String>::open(&client, "d", 3).is_ok());
    /// assert_eq!(RedisDeque::<String>::open(&client, "d", 2).unwrap_err().kind(), pottery::ErrorKind::Config);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn open(client: &Client, key: &str, maxlen: usize) -> M::Output<'static, Self>
    where
        C: Default,
    {
        let deque = Self::with_maxlen(client, key, maxlen);
        let base = deque.base().clone();
        let op = base.op(base.cmd("LLEN"), move |key, reply| {
            match decode::count(key, reply)? <= maxlen {
                true => Ok(deque),
                false => Err(full(key, "holds more than its maximum size", maxlen)),
            }
        });
        M::run_owned(client.clone(), Ok(op))
    }

    /// Appends `value` at the back (Python's `append`); with a maxlen, drops from
    /// the front what no longer fits, in the same atomic step.
    ///
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::RedisDeque<String> = pottery::sync::RedisDeque::with_maxlen(&client, "d", 2);
    /// d.push_back("g")?;
    /// d.push_back("h")?;
    /// d.push_back("i")?;
    /// assert_eq!(d.to_vec()?, ["h", "i"]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn push_back(&self, value: impl EncodeAs<T>) -> M::Output<'_, ()> {
        self.push_side(Side::Back, [value])
    }

    /// Inserts `value` at the front (Python's `appendleft`); with a maxlen, drops
    /// from the back what no longer fits, in the same atomic step.
    ///
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::RedisDeque<String> = pottery::sync::RedisDeque::with_maxlen(&client, "d", 2);
    /// d.extend(["h", "i"])?;
    /// d.push_front("g")?;
    /// assert_eq!(d.to_vec()?, ["g", "h"]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn push_front(&self, value: impl EncodeAs<T>) -> M::Output<'_, ()> {
        self.push_side(Side::Front, [value])
    }

    /// Inserts `value` before `index` (Python's `deque.insert`: negative counts
    /// from the end, out of range inserts at the nearer end), atomically; a
    /// [`Config`](crate::ErrorKind::Config) error if the deque is already at its
    /// maxlen, as Python raises `IndexError`.
    ///
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::RedisDeque<String> = pottery::sync::RedisDeque::with_maxlen(&client, "d", 3);
    /// d.extend(["g", "i"])?;
    /// d.insert(1, "h")?;
    /// assert_eq!(d.to_vec()?, ["g", "h", "i"]);
    /// assert_eq!(d.insert(3, "j").unwrap_err().kind(), pottery::ErrorKind::Config);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn insert(&self, index: isize, value: impl EncodeAs<T>) -> M::Output<'_, ()> {
        let maxlen = self.maxlen;
        let op = self
            .list
            .insert_op(index, &value, maxlen, move |key, fitted| match fitted {
                true => Ok(()),
                false => Err(full(
                    key,
                    "already at its maximum size",
                    maxlen.unwrap_or_default(),
                )),
            });
        M::run(self.base().client(), op)
    }

    /// Rotates `n` steps to the right (to the left if `n` is negative), like
    /// Python's `deque.rotate(n)`, for any `n`: `rotate(n)` is
    /// Removes and returns the last element (`RPOP`); `None` if empty.
    ///
    /// An element that does not decode is removed all the same, and handed back
    /// whole in the error ([`Error::removed_raw`](crate::Error::removed_raw)).
    ///
    /// Returns `Result<Option<T>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
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
    /// An element that does not decode is removed all the same, and handed back
    /// whole in the error ([`Error::removed_raw`](crate::Error::removed_raw)).
    ///
    /// Returns `Result<Option<T>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
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
    /// Returns `Result<Option<T>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
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
    /// Returns `Result<Option<T>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
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
    /// Returns `Result<Option<T>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
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
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
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
    /// An element that does not decode is removed all the same, and handed back
    /// whole in the error ([`Error::removed_raw`](crate::Error::removed_raw)).
    ///
    /// Returns `Result<Option<T>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
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
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
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
    /// Returns `Result<bool>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
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
    /// Returns `Result<usize>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
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
    /// Returns `Result<Option<usize>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
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
    /// Returns `Result<usize>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
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
    /// Returns `Result<bool>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
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
}
