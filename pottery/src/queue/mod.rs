//! [`RedisSimpleQueue`]: Redis stream used as a first-in, first-out queue shared by processes.
//!
//! `mod.rs` holds the operations on one item, `bulk.rs` those on many at once,
//! `flow.rs` the waits (one plan for both modes).

mod bulk;
mod flow;

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use redis::Value;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::codec::{Codec, EncodeAs, Json};
use crate::container::Base;
use crate::decode;
use crate::engine::ModeExt;
use crate::engine::Op;
use crate::engine::{Blocking, Deadline, Mode};
use crate::error::{Error, Result, Taken};
use crate::lua;

/// The stream field holding an item, as in Python's pottery.
const ITEM_FIELD: &[u8] = b"item";

/// Ties the element and mode types to the structure without owning any.
type Types<T, M> = PhantomData<fn() -> (T, M)>;

/// A Redis stream used as a first-in, first-out queue shared by processes; Python
/// pottery 3.0.1's `RedisSimpleQueue`.
///
/// [`put`](Self::put) appends `XADD key * item <encoded item>`, exactly as pottery
/// does. Getting takes the oldest entry and deletes it in one Lua script, so with
/// any number of consumers, in any number of processes, Rust or Python, no item
/// is delivered to two of them.
///
/// # Delivery: at most once
///
/// An item is deleted from the stream when it is claimed, before the consumer
/// has done anything with it, so delivery is **at most once**, as with Python's
/// pottery:
/// - a consumer that dies (or fails) after a `get` returned loses that item;
/// - a claim whose reply is lost (a timeout, a broken connection) fails with
///   [`OutcomeUnknown`](crate::ErrorKind::OutcomeUnknown): the item may have been
///   taken, and then it is gone, though no one received it;
/// - an item that does not decode is taken all the same: the
///   [`Decode`](crate::ErrorKind::Decode) error holds it whole
///   ([`Error::removed_raw`](crate::Error::removed_raw)), for the caller to keep;
///   so does an entry without an `item` field (not written by a queue), whose
///   fields and values are in the error.
///
/// Use it where losing an item now and then is acceptable (or where the
/// producer re-sends what was not done), or to share a queue with Python
/// pottery. Work that must not be lost needs acknowledged delivery, with
/// leases and retries: [`RedisWorkQueue`](crate::RedisWorkQueue) (at least
/// once), whose producers write the same entries as `put`.
///
/// The three ways to get, like Python's `queue.Queue`:
/// - [`get_nowait`](Self::get_nowait): `None` at once if the queue is empty;
/// - [`get_timeout`](Self::get_timeout): waits up to a duration, then `None`
///   (where Python raises `QueueEmptyError`); the timeout is honoured to the
///   millisecond (pottery floors it to whole seconds and passes them as milliseconds);
/// - [`get`](Self::get): waits as long as it takes.
///
/// Waiting does not poll: it blocks in `XREAD BLOCK` until the stream holds an
/// entry, then claims it, and blocks again if another consumer was faster. The
/// blocked `XREAD` runs on a pooled blocking connection, in slices of at most
/// 700 ms (keep the client's response timeout above 1 s); with the async API it
/// runs on Tokio's blocking thread pool, because a blocked command on the shared
/// multiplexed connection would hold up every other request of the client. If an
/// async wait is dropped, its current slice still ends on its own (it only reads).
///
/// # Deadlines
///
/// `put`, `get_nowait`, `qsize` and `is_empty` take one round trip, within the
/// client's response timeout. `get_timeout(t)` returns within `t` plus one
/// response timeout (the claim after the last slice); `Duration::MAX` waits
/// as long as [`get`](Self::get), which has no limit.
///
/// Use it through [`crate::sync::RedisSimpleQueue`] (methods return `Result`) or
/// [`crate::future::RedisSimpleQueue`] (methods return futures).
///
/// # Example
///
/// ```
/// use pottery::{Client, sync::RedisSimpleQueue};
/// use std::time::Duration;
///
/// # let server = pottery_testkit::Server::start();
/// # let url = server.url();
/// let client = Client::open(&url)?;
/// let jobs: RedisSimpleQueue<String> = RedisSimpleQueue::new(&client, "jobs");
/// jobs.put("resize photo.jpg")?;
/// assert_eq!(jobs.qsize()?, 1);
/// assert_eq!(jobs.get()?, "resize photo.jpg");
/// assert_eq!(jobs.get_timeout(Duration::from_millis(10))?, None);
/// # Ok::<(), pottery::Error>(())
/// ```
pub struct RedisSimpleQueue<T, C = Json, M = Blocking> {
    base: Base<C>,
    types: Types<T, M>,
}

crate::container::container_basics!(RedisSimpleQueue<T>, "stream", "<String>");

impl<T, C, M> RedisSimpleQueue<T, C, M>
where
    T: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// Appends `item` (`XADD key * item <encoded item>`) and returns the entry's
    /// stream id. Never blocks: the queue has no size limit.
    ///
    /// Returns `Result<String>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let q: pottery::sync::RedisSimpleQueue<i64> = pottery::sync::RedisSimpleQueue::new(&pottery::Client::open(&server.url())?, "q");
    /// let id = q.put(42)?;
    /// assert!(id.contains('-'));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn put(&self, item: impl EncodeAs<T>) -> M::Output<'_, String> {
        let op = self.base.encode(&item).map(|encoded| {
            let cmd = self.base.cmd_with("XADD", ("*", ITEM_FIELD, encoded));
            self.base.op(cmd, |key, reply| {
                let raw = decode::bytes(key, reply)?.unwrap_or_default();
                String::from_utf8(raw).map_err(|e| Error::unexpected_reply(key, "XADD", e))
            })
        });
        M::run(self.base.client(), op)
    }

    /// Takes the oldest item if there is one, without waiting: one round trip.
    /// At most once (see [the type](Self#delivery-at-most-once)): a lost reply
    /// is an [`OutcomeUnknown`](crate::ErrorKind::OutcomeUnknown) error, and an
    /// item that does not decode is taken, whole, into the
    /// [`Decode`](crate::ErrorKind::Decode) error.
    ///
    /// Returns `Result<Option<T>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let q: pottery::sync::RedisSimpleQueue<i64> = pottery::sync::RedisSimpleQueue::new(&pottery::Client::open(&server.url())?, "q");
    /// assert_eq!(q.get_nowait()?, None);
    /// q.put(1)?;
    /// assert_eq!(q.get_nowait()?, Some(1));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn get_nowait(&self) -> M::Output<'_, Option<T>> {
        M::run(self.base.client(), Ok(claim_op(&self.base)))
    }

    /// The number of items (`XLEN`); other processes may change it right after.
    ///
    /// Returns `Result<usize>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let q: pottery::sync::RedisSimpleQueue<i64> = pottery::sync::RedisSimpleQueue::new(&pottery::Client::open(&server.url())?, "q");
    /// assert_eq!(q.qsize()?, 0);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn qsize(&self) -> M::Output<'_, usize> {
        M::run(
            self.base.client(),
            Ok(self.base.op(self.base.cmd("XLEN"), decode::count)),
        )
    }

    /// Whether the queue has no items (Python's `empty()`).
    ///
    /// Returns `Result<bool>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let q: pottery::sync::RedisSimpleQueue<i64> = pottery::sync::RedisSimpleQueue::new(&pottery::Client::open(&server.url())?, "q");
    /// assert!(q.is_empty()?);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn is_empty(&self) -> M::Output<'_, bool> {
        let op = self.base.op(self.base.cmd("XLEN"), |key, reply| {
            Ok(decode::count(key, reply)? == 0)
        });
        M::run(self.base.client(), Ok(op))
    }

    /// Takes the oldest item, waiting as long as it takes for one (Python's
    /// `get()`); no deadline. At most once, like [`get_nowait`](Self::get_nowait).
    ///
    /// Returns `Result<T>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let q: pottery::sync::RedisSimpleQueue<i64> = pottery::sync::RedisSimpleQueue::new(&pottery::Client::open(&server.url())?, "q");
    /// let producer = q.clone();
    /// std::thread::spawn(move || producer.put(7));
    /// assert_eq!(q.get()?, 7);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn get(&self) -> M::Output<'_, T> {
        self.wait(Duration::MAX, |key, item| {
            item.ok_or_else(|| Error::not_found(key, "no item (the wait ended without one)"))
        })
    }

    /// Takes the oldest item, waiting up to `timeout` for one; `None` if none came
    /// (Python's `get(timeout=...)`, which raises `QueueEmptyError` instead).
    /// Returns within `timeout` plus the client's response timeout (the last
    /// claim); `Duration::MAX` waits as long as it takes. At most once, like
    /// [`get_nowait`](Self::get_nowait).
    ///
    /// Returns `Result<Option<T>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let q: pottery::sync::RedisSimpleQueue<i64> = pottery::sync::RedisSimpleQueue::new(&pottery::Client::open(&server.url())?, "q");
    /// use std::time::Duration;
    /// assert_eq!(q.get_timeout(Duration::from_millis(50))?, None);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn get_timeout(&self, timeout: Duration) -> M::Output<'_, Option<T>> {
        self.wait(timeout, |_, item| Ok(item))
    }

    /// The wait of `get`/`get_timeout`: one plan for both modes, whose whole
    /// deadline is the wait plus one response timeout (for the last claim).
    fn wait<U: Send + 'static>(
        &self,
        timeout: Duration,
        finish: fn(&str, Option<T>) -> Result<U>,
    ) -> M::Output<'_, U> {
        let base = self.base.clone();
        self.wait_with(timeout, Box::new(move || claim_op(&base)), finish)
    }

    /// A wait that claims with `claim` (one item, or a batch of them).
    fn wait_with<I: Send + 'static, U: Send + 'static>(
        &self,
        timeout: Duration,
        claim: Box<dyn Fn() -> Op<Option<I>> + Send + Sync>,
        finish: fn(&str, Option<I>) -> Result<U>,
    ) -> M::Output<'_, U> {
        let client = self.base.client();
        let wait = flow::Wait {
            client: client.clone(),
            key: self.base.key_shared(),
            claim,
            until: Deadline::after(timeout),
            finish,
        };
        let deadline = Deadline::after(timeout.saturating_add(client.response_timeout()));
        M::plan(flow::wait(Arc::new(wait)), deadline)
    }
}

/// The claim script: the oldest item, removed; `None` if the queue is empty.
fn claim_op<T: DeserializeOwned + Send + 'static, C: Codec>(base: &Base<C>) -> Op<Option<T>> {
    let codec = base.codec().clone();
    base.op(base.script(&lua::queue::CLAIM, &[]), move |key, reply| {
        if reply == Value::Nil {
            return Ok(None);
        }
        entry_item(&codec, key, reply).map(Some)
    })
}

/// The item of a claimed stream entry `[id, [field, value, ...]]`. The entry is
/// gone from the stream: whatever fails, the error holds what it held.
fn entry_item<T: DeserializeOwned, C: Codec>(codec: &C, key: &str, entry: Value) -> Result<T> {
    let mut parts = decode::array(key, entry)?.into_iter();
    let (Some(_id), Some(fields)) = (parts.next(), parts.next()) else {
        return Err(Error::unexpected_reply(
            key,
            "XRANGE",
            "not an [id, fields] entry",
        ));
    };
    let mut fields = decode::raw_values(key, fields)?;
    let item = fields
        .chunks_exact(2)
        .position(|pair| pair.first().map(Vec::as_slice) == Some(ITEM_FIELD));
    match item {
        Some(i) => {
            let raw = fields.swap_remove(2 * i + 1);
            decode::taken(codec, key, raw, Taken::Removed)
        }
        None => Err(Error::malformed_taken(
            key,
            fields,
            "a stream entry without an `item` field (not written by a queue)",
        )),
    }
}
