//! The operations of [`RedisDeque`] on many elements at once: creation, the
//! pushes that trim to `maxlen` in the same atomic script, truncation, `retain`
//! and `drain` (the list's), reversal and rotation.

use std::ops::RangeBounds;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::RedisDeque;
use crate::client::Client;
use crate::codec::{Codec, EncodeAs};
use crate::engine::{Mode, ModeExt, Op, run_some};
use crate::error::Result;
use crate::list::{create_op, num_arg};
use crate::lua::{self, Lua};

impl<T, C, M> RedisDeque<T, C, M>
where
    T: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// Creates a deque at `key` holding `items` (only the last `maxlen` of them
    /// when bounded, as Python's `deque(items, maxlen)`), atomically; a
    /// [`KeyExists`](crate::ErrorKind::KeyExists) error if `key` exists already.
    /// When nothing is to be stored nothing is checked or written.
    ///
    /// Returns `Result<Self>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
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

    /// Appends every element of `items` at the back, in one atomic round trip,
    /// trimming the front to maxlen.
    ///
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
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
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
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

    /// Writes through this deque's fence with `token` (see
    /// [`Fenced`](crate::Fenced)): each is refused with
    /// [`StaleFence`](crate::ErrorKind::StaleFence), changing nothing, if a
    /// larger token already wrote through it. A bounded deque's fenced pushes
    /// trim to its maxlen as its own pushes do.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::RedisDeque<i64> = pottery::sync::RedisDeque::with_maxlen(&client, "d", 2);
    /// d.fenced(2).extend([1, 2, 3])?;
    /// assert!(d.fenced(1).push_back(0).is_err());
    /// assert_eq!(d.to_vec()?, [2, 3]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn fenced(&self, token: impl Into<crate::FenceToken>) -> crate::Fenced<'_, Self> {
        crate::Fenced::new(self, token.into())
    }

    /// The list this deque is.
    pub(crate) fn as_list(&self) -> &crate::RedisList<T, C, M> {
        &self.list
    }

    pub(super) fn push_side<I>(&self, side: Side, items: I) -> M::Output<'_, ()>
    where
        I: IntoIterator<Item: EncodeAs<T>>,
    {
        run_some::<M, _>(
            self.base().client(),
            self.push_side_op(side, items, &lua::deque::PUSH_TRIM),
        )
    }

    /// The push of `items` on `side`: the list's push when unbounded, else
    /// `trim` (`deque/push_trim.lua` or its fenced twin) trimming the other
    /// side to maxlen; `None` when there is nothing to push.
    pub(crate) fn push_side_op<I>(
        &self,
        side: Side,
        items: I,
        trim: &'static Lua,
    ) -> Result<Option<Op<()>>>
    where
        I: IntoIterator<Item: EncodeAs<T>>,
    {
        let Some(maxlen) = self.maxlen else {
            return self.list.push_all_op(side.command(), items);
        };
        let values = self.base().encode_each(items)?;
        if values.is_empty() {
            return Ok(None);
        }
        // Only the last `maxlen` pushed can remain, on either side.
        let values = keep_last(values, Some(maxlen));
        let mut args = vec![side.flag().to_vec(), num_arg(maxlen)];
        args.extend(values);
        let request = self.base().script(trim, &args);
        Ok(Some(self.base().op(request, |_, _| Ok(()))))
    }

    /// Keeps the first `len` elements and removes the rest (`LTRIM`):
    /// `VecDeque::truncate`; see [`RedisList::truncate`](crate::RedisList::truncate).
    /// Ours: Python's deque has no such method.
    ///
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::RedisDeque<i64> = pottery::sync::RedisDeque::new(&client, "d");
    /// d.extend([1, 2, 3])?;
    /// d.truncate(1)?;
    /// assert_eq!(d.to_vec()?, [1]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn truncate(&self, len: usize) -> M::Output<'_, ()> {
        self.list.truncate(len)
    }

    /// Keeps only the elements for which `keep` returns `true` and returns how
    /// many were removed: `VecDeque::retain`, atomic, re-reading on a
    /// concurrent change; see [`RedisList::retain`](crate::RedisList::retain)
    /// for how and its size limits. Ours: Python's deque has no such method.
    ///
    /// Returns `Result<usize>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::RedisDeque<i64> = pottery::sync::RedisDeque::new(&client, "d");
    /// d.extend(0..6)?;
    /// assert_eq!(d.retain(|n| n % 2 == 1)?, 3);
    /// assert_eq!(d.to_vec()?, [1, 3, 5]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn retain<F>(&self, keep: F) -> M::Output<'_, usize>
    where
        F: FnMut(&T) -> bool + Send + 'static,
    {
        self.list.retain(keep)
    }

    /// Removes the elements in `range` and returns them, in one atomic script:
    /// `VecDeque::drain`, with Python's negative and clamped bounds; see
    /// [`RedisList::drain`](crate::RedisList::drain).
    ///
    /// Returns `Result<Vec<T>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::RedisDeque<i64> = pottery::sync::RedisDeque::new(&client, "d");
    /// d.extend(0..6)?;
    /// assert_eq!(d.drain(..2)?, [0, 1]);
    /// assert_eq!(d.drain(-1..)?, [5]);
    /// assert_eq!(d.to_vec()?, [2, 3, 4]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn drain(&self, range: impl RangeBounds<isize>) -> M::Output<'_, Vec<T>> {
        self.list.drain(range)
    }

    /// Reverses the deque in place, atomically.
    ///
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let d: pottery::sync::RedisDeque<i64> = pottery::sync::RedisDeque::new(&client, "d");
    /// d.extend([5, 6])?;
    /// d.reverse()?;
    /// assert_eq!(d.to_vec()?, [6, 5]);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn reverse(&self) -> M::Output<'_, ()> {
        self.list.reverse()
    }

    /// `VecDeque::rotate_right(n mod len)`. One atomic Lua script moving at most
    /// half the elements.
    ///
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
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
        let request = self.base().script(&lua::deque::ROTATE, &args);
        M::run(
            self.base().client(),
            Ok(self.base().op(request, |_, _| Ok(()))),
        )
    }
}

/// The end a push goes to.
/// Which end of a deque a push goes to.
#[derive(Clone, Copy)]
pub(crate) enum Side {
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
