//! [`RedisDeque`]: a Redis list that behaves like a `VecDeque<T>` with an optional
//! maximum length.
//!
//! A deque is a [`RedisList`] (same key layout, same operations where the
//! semantics match: the deque holds one and delegates to it) plus a `maxlen`
//! kept in the client, as in pottery. `mod.rs` holds the constructors and the
//! writes that respect `maxlen`; `read.rs` the delegated operations and trait impls.

mod read;

use std::sync::LazyLock;

use redis::Script;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::base::Base;
use crate::client::Client;
use crate::codec::{Codec, EncodeAs, Json};
use crate::container::Container;
use crate::decode;
use crate::engine::ModeExt;
use crate::engine::{Blocking, Mode};
use crate::error::Error;
use crate::list::{RedisList, create_op, num_arg};

/// `ARGV`: side (`L` or `R`), maxlen, values... Pushes the values on that side,
/// then trims the other side down to maxlen, in one step: no writer that uses it
/// can make the list longer than maxlen. Returns the new length.
static PUSH_TRIM: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "local key = KEYS[1]
         local cmd = ARGV[1] == 'L' and 'LPUSH' or 'RPUSH'
         local max = tonumber(ARGV[2])
         for i = 3, #ARGV, 1000 do
           redis.call(cmd, key, unpack(ARGV, i, math.min(i + 999, #ARGV)))
         end
         local n = redis.call('LLEN', key)
         if n <= max then return n end
         if max == 0 then redis.call('DEL', key)
         elseif ARGV[1] == 'L' then redis.call('LTRIM', key, 0, max - 1)
         else redis.call('LTRIM', key, n - max, -1) end
         return max",
    )
});

/// `ARGV`: |n| in decimal, sign (`-` or `+`). Rotates `n` steps to the right
/// (left if negative) for any `n`, reduced exactly modulo the length (digit by
/// digit, so huge `n` lose no precision), moving the fewer elements with `LMOVE`.
static ROTATE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "local key = KEYS[1]
         local n = redis.call('LLEN', key)
         if n < 2 then return 0 end
         local r = 0
         for i = 1, #ARGV[1] do r = (r * 10 + tonumber(string.sub(ARGV[1], i, i))) % n end
         if ARGV[2] == '-' then r = (n - r) % n end
         if r == 0 then return 0 end
         if r <= n - r then
           for i = 1, r do redis.call('LMOVE', key, key, 'RIGHT', 'LEFT') end
         else
           for i = 1, n - r do redis.call('LMOVE', key, key, 'LEFT', 'RIGHT') end
         end
         return r",
    )
});

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
        Self::from_base(Base::temporary(client, C::default(), "list"))
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
        Self::from_base(Base::named(client, key, codec, "list"))
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

    fn base(&self) -> &Base<C> {
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
fn full(key: &str, what: &str, maxlen: usize) -> Error {
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

    /// Creates a deque at `key` holding `items` (only the last `maxlen` of them
    /// when bounded, as Python's `deque(items, maxlen)`), atomically; a
    /// [`KeyExists`](crate::ErrorKind::KeyExists) error if `key` exists already.
    /// When nothing is to be stored nothing is checked or written.
    ///
    /// ```
    /// use pottery::sync::RedisDeque;
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d = RedisDeque::<i64>::create(&client, "d", [1, 2, 3, 4, 5, 6], Some(3))?;
    /// assert_eq!(d.to_vec()?, [4, 5, 6]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn create<I>(
        client: &Client,
        key: &str,
        items: I,
        maxlen: Option<usize>,
    ) -> M::Output<'static, Self>
    where
        C: Default,
        I: IntoIterator<Item: EncodeAs<T>>,
    {
        let mut deque = Self::new(client, key);
        deque.maxlen = maxlen;
        let values = match deque.base().encode_each(items) {
            Ok(values) => keep_last(values, maxlen),
            Err(err) => return M::ready(Err(err)),
        };
        if values.is_empty() {
            return M::ready(Ok(deque));
        }
        M::run_owned(client.clone(), Ok(create_op(key, &values, || deque)))
    }

    /// Appends `value` at the back (Python's `append`); with a maxlen, drops from
    /// the front what no longer fits, in the same atomic step.
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

    /// Appends every element of `items` at the back, in one atomic round trip,
    /// trimming the front to maxlen.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::RedisDeque<String> = pottery::sync::RedisDeque::with_maxlen(&client, "d", 4);
    /// d.extend(["g", "h", "i", "j", "k", "l"])?;
    /// assert_eq!(d.to_vec()?, ["i", "j", "k", "l"]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn extend<I>(&self, items: I) -> M::Output<'_, ()>
    where
        I: IntoIterator<Item: EncodeAs<T>>,
    {
        self.push_side(Side::Back, items)
    }

    /// Pushes every element of `items` at the front one after the other, so they
    /// end up in reverse order, as Python's `extendleft`; one atomic round trip,
    /// trimming the back to maxlen.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::RedisDeque<String> = pottery::sync::RedisDeque::new(&client, "d");
    /// d.extend_front(["a", "b", "c"])?;
    /// assert_eq!(d.to_vec()?, ["c", "b", "a"]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn extend_front<I>(&self, items: I) -> M::Output<'_, ()>
    where
        I: IntoIterator<Item: EncodeAs<T>>,
    {
        self.push_side(Side::Front, items)
    }

    fn push_side<I>(&self, side: Side, items: I) -> M::Output<'_, ()>
    where
        I: IntoIterator<Item: EncodeAs<T>>,
    {
        let Some(maxlen) = self.maxlen else {
            return self.list.push_all(side.command(), items);
        };
        let values = match self.base().encode_each(items) {
            Ok(values) if values.is_empty() => return M::ready(Ok(())),
            // Only the last `maxlen` pushed can remain, on either side.
            Ok(values) => keep_last(values, Some(maxlen)),
            Err(err) => return M::ready(Err(err)),
        };
        let mut args = vec![side.flag().to_vec(), num_arg(maxlen)];
        args.extend(values);
        let request = self.base().script(&PUSH_TRIM, &args);
        M::run(
            self.base().client(),
            Ok(self.base().op(request, |_, _| Ok(()))),
        )
    }

    /// Inserts `value` before `index` (Python's `deque.insert`: negative counts
    /// from the end, out of range inserts at the nearer end), atomically; a
    /// [`Config`](crate::ErrorKind::Config) error if the deque is already at its
    /// maxlen, as Python raises `IndexError`.
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
    /// `VecDeque::rotate_right(n mod len)`. One atomic Lua script moving at most
    /// half the elements.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::RedisDeque<i64> = pottery::sync::RedisDeque::new(&client, "d");
    /// d.extend(0..5)?;
    /// d.rotate(2)?;
    /// assert_eq!(d.to_vec()?, [3, 4, 0, 1, 2]);
    /// d.rotate(-12)?; // 12 = 2 * 5 + 2
    /// assert_eq!(d.to_vec()?, [0, 1, 2, 3, 4]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn rotate(&self, n: isize) -> M::Output<'_, ()> {
        if n == 0 {
            return M::ready(Ok(()));
        }
        let sign = if n < 0 { b"-" } else { b"+" };
        let args = [num_arg(n.unsigned_abs()), sign.to_vec()];
        let request = self.base().script(&ROTATE, &args);
        M::run(
            self.base().client(),
            Ok(self.base().op(request, |_, _| Ok(()))),
        )
    }
}

/// The end a push goes to.
#[derive(Clone, Copy)]
enum Side {
    Front,
    Back,
}

impl Side {
    fn command(self) -> &'static str {
        match self {
            Side::Front => "LPUSH",
            Side::Back => "RPUSH",
        }
    }

    fn flag(self) -> &'static [u8] {
        match self {
            Side::Front => b"L",
            Side::Back => b"R",
        }
    }
}

/// The last `maxlen` of `values` (all of them when unbounded).
fn keep_last(mut values: Vec<Vec<u8>>, maxlen: Option<usize>) -> Vec<Vec<u8>> {
    if let Some(max) = maxlen {
        let extra = values.len().saturating_sub(max);
        values.drain(..extra);
    }
    values
}

impl<T, C: Codec, M: Mode> Clone for RedisDeque<T, C, M> {
    fn clone(&self) -> Self {
        RedisDeque {
            list: self.list.clone(),
            maxlen: self.maxlen,
        }
    }
}

impl<T, C: Codec, M: Mode> Container for RedisDeque<T, C, M> {
    type Mode = M;

    fn key(&self) -> &str {
        self.base().key()
    }

    fn client(&self) -> &Client {
        self.base().client()
    }

    fn redis_type(&self) -> &'static str {
        self.base().redis_type()
    }
}
