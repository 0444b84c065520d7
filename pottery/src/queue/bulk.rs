//! The operations of [`RedisSimpleQueue`] on many items at once: one round
//! trip whatever their number. Ours: Python's pottery has no such methods;
//! the entries they write and take are those of `put` and `get`.

use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{RedisSimpleQueue, entry_item};
use crate::codec::{Codec, EncodeAs};
use crate::container::Base;
use crate::decode;
use crate::engine::{Mode, ModeExt, Op};
use crate::error::{Error, Result};
use crate::list::num_arg;
use crate::lua;

/// Items claimed in one round trip: each one decoded on its own, so that one
/// that does not decode (it is removed all the same) does not hide the others.
type Batch<T> = Vec<Result<T>>;

impl<T, C, M> RedisSimpleQueue<T, C, M>
where
    T: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// Appends every item, in order, as `put` would one by one, and returns
    /// their stream ids: one Lua script, so one round trip whatever their
    /// number, and no other producer's entry lands between them. No items, no
    /// round trip. If the reply is lost the error is
    /// [`OutcomeUnknown`](crate::ErrorKind::OutcomeUnknown): all or none of
    /// them were added.
    ///
    /// Returns `Result<Vec<String>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let q: pottery::sync::RedisSimpleQueue<i64> = pottery::sync::RedisSimpleQueue::new(&pottery::Client::open(&server.url())?, "q");
    /// let ids = q.put_many([1, 2, 3])?;
    /// assert_eq!(ids.len(), 3);
    /// assert_eq!(q.qsize()?, 3);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn put_many<I>(&self, items: I) -> M::Output<'_, Vec<String>>
    where
        I: IntoIterator<Item: EncodeAs<T>>,
    {
        let values = match self.base.encode_each(items) {
            Ok(values) if values.is_empty() => return M::ready(Ok(Vec::new())),
            Ok(values) => values,
            Err(err) => return M::ready(Err(err)),
        };
        let request = self.base.script(&lua::queue::PUT_MANY, &values);
        let op = self.base.op(request, |key, reply| {
            decode::array(key, reply)?
                .into_iter()
                .map(|id| {
                    let raw = decode::bytes(key, id)?.unwrap_or_default();
                    String::from_utf8(raw).map_err(|e| Error::unexpected_reply(key, "XADD", e))
                })
                .collect()
        });
        M::run(self.base.client(), Ok(op))
    }

    /// Takes up to `n` of the oldest items, without waiting: one round trip
    /// (one Lua script reads and deletes them), oldest first; empty if the
    /// queue is. Delivery is that of [`get_nowait`](Self::get_nowait): each
    /// item goes to one consumer at most, and a lost reply loses the batch.
    ///
    /// Each item is decoded on its own: one that does not decode is an `Err`
    /// in its place (it was removed with the others), the rest are `Ok`.
    ///
    /// Returns `Result<Vec<Result<T>>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let q: pottery::sync::RedisSimpleQueue<i64> = pottery::sync::RedisSimpleQueue::new(&pottery::Client::open(&server.url())?, "q");
    /// q.put_many([1, 2, 3])?;
    /// let batch = q.get_many_nowait(2)?.into_iter().collect::<pottery::Result<Vec<_>>>()?;
    /// assert_eq!(batch, [1, 2]);
    /// assert_eq!(q.get_many_nowait(10)?.len(), 1);
    /// assert!(q.get_many_nowait(10)?.is_empty());
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn get_many_nowait(&self, n: usize) -> M::Output<'_, Batch<T>> {
        if n == 0 {
            return M::ready(Ok(Vec::new()));
        }
        let op = claim_many_op(&self.base, n).map(Option::unwrap_or_default);
        M::run(self.base.client(), Ok(op))
    }

    /// Takes up to `n` of the oldest items, waiting up to `timeout` for the
    /// first one: the wait of [`get_timeout`](Self::get_timeout) (no polling),
    /// then the claim of [`get_many_nowait`](Self::get_many_nowait), which
    /// takes what the queue holds then, up to `n`. Empty if no item came in
    /// time. Returns within `timeout` plus the client's response timeout;
    /// `Duration::MAX` waits as long as it takes.
    ///
    /// Returns `Result<Vec<Result<T>>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let q: pottery::sync::RedisSimpleQueue<i64> = pottery::sync::RedisSimpleQueue::new(&pottery::Client::open(&server.url())?, "q");
    /// use std::time::Duration;
    /// let producer = q.clone();
    /// std::thread::spawn(move || producer.put_many([7, 8]));
    /// let mut got = Vec::new();
    /// while got.len() < 2 {
    ///     for item in q.get_many(10, Duration::from_secs(5))? {
    ///         got.push(item?);
    ///     }
    /// }
    /// assert_eq!(got, [7, 8]);
    /// assert!(q.get_many(10, Duration::from_millis(20))?.is_empty());
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn get_many(&self, n: usize, timeout: Duration) -> M::Output<'_, Batch<T>> {
        if n == 0 {
            return M::ready(Ok(Vec::new()));
        }
        let base = self.base.clone();
        let claim = Box::new(move || claim_many_op(&base, n));
        self.wait_with(timeout, claim, |_, batch| Ok(batch.unwrap_or_default()))
    }
}

/// The batch claim script: up to `n` of the oldest items, removed; `None` if
/// the queue is empty.
fn claim_many_op<T: DeserializeOwned + Send + 'static, C: Codec>(
    base: &Base<C>,
    n: usize,
) -> Op<Option<Batch<T>>> {
    let codec = base.codec().clone();
    let request = base.script(&lua::queue::CLAIM_MANY, &[num_arg(n)]);
    base.op(request, move |key, reply| {
        let entries = decode::array(key, reply)?;
        if entries.is_empty() {
            return Ok(None);
        }
        let items = entries
            .into_iter()
            .map(|entry| entry_item(&codec, key, entry))
            .collect();
        Ok(Some(items))
    })
}
