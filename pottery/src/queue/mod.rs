//! [`RedisSimpleQueue`]: Redis stream used as a first-in, first-out queue shared by processes.
//!
//! `mod.rs` holds the operations, `wait.rs` the blocking waits.

mod wait;

use std::marker::PhantomData;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use redis::{Script, Value};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::codec::{Codec, EncodeAs, Json};
use crate::container::Base;
use crate::decode;
use crate::engine::ModeExt;
use crate::engine::Op;
use crate::engine::{Blocking, Mode};
use crate::error::{Error, Result};

use wait::QueueWait;

/// Takes the oldest entry: reads it and deletes it in one step, so each entry goes
/// to exactly one consumer, ours or Python pottery's (whose `WATCH`ed transaction
/// aborts when we delete first). Replies `[id, [field, value, ...]]` or nil.
static CLAIM: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "local e = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)
         if #e == 0 then return false end
         redis.call('XDEL', KEYS[1], e[1][1])
         return e[1]",
    )
});

/// The stream field holding an item, as in Python's pottery.
const ITEM_FIELD: &[u8] = b"item";

/// Ties the element and mode types to the structure without owning any.
type Types<T, M> = PhantomData<fn() -> (T, M)>;

/// A Redis stream used as a first-in, first-out queue shared by processes; Python
/// pottery 3.0.1's `RedisSimpleQueue`.
///
/// [`put`](Self::put) appends `XADD key * item <encoded item>`, exactly as pottery
/// does. Getting takes the oldest entry and deletes it in one Lua script, so with
/// any number of consumers, in any number of processes, Rust or Python, each item
/// is delivered to exactly one of them.
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
///
/// Use it through [`crate::sync::RedisSimpleQueue`] (methods return `Result`) or
/// [`crate::future::RedisSimpleQueue`] (methods return futures).
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
        M::run(self.base.client(), Ok(self.claim_op()))
    }

    /// The number of items (`XLEN`); other processes may change it right after.
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

    /// The `CLAIM` script: the oldest item, removed; `None` if the queue is empty.
    fn claim_op(&self) -> Op<Option<T>> {
        let codec = self.base.codec().clone();
        self.base
            .op(self.base.script(&CLAIM, &[]), move |key, reply| {
                if reply == Value::Nil {
                    return Ok(None);
                }
                let mut parts = decode::array(key, reply)?.into_iter();
                let (Some(_id), Some(fields)) = (parts.next(), parts.next()) else {
                    return Err(Error::unexpected_reply(
                        key,
                        "XRANGE",
                        "not an [id, fields] entry",
                    ));
                };
                let mut fields = decode::array(key, fields)?.into_iter();
                while let (Some(name), Some(value)) = (fields.next(), fields.next()) {
                    if decode::bytes(key, name)?.as_deref() == Some(ITEM_FIELD) {
                        let raw = decode::bytes(key, value)?.unwrap_or_default();
                        return decode::value(&codec, key, &raw).map(Some);
                    }
                }
                Err(Error::decode(
                    key,
                    b"",
                    "a queue entry without an `item` field (removed)",
                ))
            })
    }
}

impl<T, C, M> RedisSimpleQueue<T, C, M>
where
    T: Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
    M: QueueWait,
{
    /// Takes the oldest item, waiting as long as it takes for one (Python's `get()`).
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
        self.wait(None, |key, item| {
            item.ok_or_else(|| Error::not_found(key, "no item (the wait ended without one)"))
        })
    }

    /// Takes the oldest item, waiting up to `timeout` for one; `None` if none came
    /// (Python's `get(timeout=...)`, which raises `QueueEmptyError` instead).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let q: pottery::sync::RedisSimpleQueue<i64> = pottery::sync::RedisSimpleQueue::new(&pottery::Client::open(&server.url())?, "q");
    /// use std::time::Duration;
    /// assert_eq!(q.get_timeout(Duration::from_millis(50))?, None);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn get_timeout(&self, timeout: Duration) -> M::Output<'_, Option<T>> {
        // A timeout too large to add to now waits forever.
        self.wait(Instant::now().checked_add(timeout), |_, item| Ok(item))
    }

    fn wait<U: Send + 'static>(
        &self,
        deadline: Option<Instant>,
        finish: fn(&str, Option<T>) -> Result<U>,
    ) -> M::Output<'_, U> {
        let claim = Box::new(move || self.claim_op());
        M::wait_claim(
            self.base.client(),
            self.base.key_shared(),
            claim,
            deadline,
            finish,
        )
    }
}
