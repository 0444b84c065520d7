//! The producer side of [`RedisWorkQueue`]: each put is one round trip.

use std::fmt;
use std::time::Duration;

use redis::Value;
use serde::Serialize;

use super::{RedisWorkQueue, ms_arg};
use crate::codec::{Codec, EncodeAs};
use crate::decode;
use crate::engine::{Mode, ModeExt};
use crate::error::{Error, Result};
use crate::lua;

/// An item's id: the stream entry id (`<ms>-<seq>`) of a put or a delivery,
/// the token of a delayed put, or a dead letter's id in the dead-letter
/// stream.
///
/// ```
/// let id = pottery::ItemId::from("1700000000000-0");
/// assert_eq!(id.as_str(), "1700000000000-0");
/// assert_eq!(id.to_string(), "1700000000000-0");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ItemId(String);

impl ItemId {
    /// The id as text.
    ///
    /// ```
    /// assert_eq!(pottery::ItemId::from("1-0").as_str(), "1-0");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The milliseconds part of a stream id (when the entry was added, on the
    /// server's clock); `None` for a token.
    pub(crate) fn millis(&self) -> Option<u64> {
        self.0.split_once('-')?.0.parse().ok()
    }
}

impl fmt::Display for ItemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for ItemId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<String> for ItemId {
    fn from(id: String) -> Self {
        ItemId(id)
    }
}

impl From<&str> for ItemId {
    fn from(id: &str) -> Self {
        ItemId(id.to_owned())
    }
}

/// What [`RedisWorkQueue::put_unique`] did.
///
/// ```
/// let added = pottery::PutOutcome::Added(pottery::ItemId::from("1-0"));
/// assert!(added.is_added());
/// assert!(!pottery::PutOutcome::Duplicate.is_added());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PutOutcome {
    /// The item was added, with this id.
    Added(ItemId),
    /// An item with the same dedup id was put within the window: nothing changed.
    Duplicate,
}

impl PutOutcome {
    /// Whether the item was added.
    ///
    /// ```
    /// assert!(!pottery::PutOutcome::Duplicate.is_added());
    /// ```
    pub fn is_added(&self) -> bool {
        matches!(self, PutOutcome::Added(_))
    }
}

/// A stream id reply.
pub(crate) fn id_reply(key: &str, reply: Value) -> Result<ItemId> {
    let raw = decode::bytes(key, reply)?.unwrap_or_default();
    String::from_utf8(raw)
        .map(ItemId)
        .map_err(|e| Error::unexpected_reply(key, "XADD", e))
}

impl<T, C, M> RedisWorkQueue<T, C, M>
where
    T: Serialize + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// Appends `item` (`XADD key * item <encoded>`, what Python pottery's
    /// `RedisSimpleQueue.put` writes) and returns its id: one round trip. A
    /// lost reply is [`OutcomeUnknown`](crate::ErrorKind::OutcomeUnknown):
    /// the item may have been added; [`put_unique`](Self::put_unique) makes a
    /// retry safe.
    ///
    /// Returns `Result<ItemId>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let q: pottery::sync::RedisWorkQueue<i64> = pottery::sync::RedisWorkQueue::new(&pottery::Client::open(&server.url())?, "q");
    /// let id = q.put(42)?;
    /// assert!(id.as_str().contains('-'));
    /// assert_eq!(q.stats()?.ready, 1);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn put(&self, item: impl EncodeAs<T>) -> M::Output<'_, ItemId> {
        let op = self.base.encode(&item).map(|encoded| {
            let cmd = self.base.cmd_with("XADD", ("*", "item", encoded));
            self.base.op(cmd, id_reply)
        });
        M::run(self.base.client(), op)
    }

    /// Appends every item, in order, and returns their ids: one script, so
    /// one round trip whatever their number, all or none added (a lost reply
    /// is [`OutcomeUnknown`](crate::ErrorKind::OutcomeUnknown)). No items, no
    /// round trip.
    ///
    /// Returns `Result<Vec<ItemId>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let q: pottery::sync::RedisWorkQueue<i64> = pottery::sync::RedisWorkQueue::new(&pottery::Client::open(&server.url())?, "q");
    /// let ids = q.put_many([1, 2, 3])?;
    /// assert_eq!(ids.len(), 3);
    /// assert_eq!(q.stats()?.ready, 3);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn put_many<I>(&self, items: I) -> M::Output<'_, Vec<ItemId>>
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
                .map(|id| id_reply(key, id))
                .collect()
        });
        M::run(self.base.client(), Ok(op))
    }

    /// Adds `item` to be delivered no earlier than `delay` after the put, on
    /// the server's clock (Redis `TIME`): it waits in the delayed zset, and a
    /// `receive` moves it into the stream once due; an idle consumer notices
    /// within a quarter second. One round trip. The id returned is the item's
    /// token (a UUID), not a stream id: the delivery has a stream id of its
    /// own. A zero delay appends it at once.
    ///
    /// Returns `Result<ItemId>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let q: pottery::sync::RedisWorkQueue<i64> = pottery::sync::RedisWorkQueue::new(&pottery::Client::open(&server.url())?, "q");
    /// use std::time::Duration;
    /// q.put_delayed(7, Duration::from_millis(200))?;
    /// assert_eq!(q.stats()?.delayed, 1);
    /// assert!(q.try_receive()?.is_none()); // not yet
    /// let d = q.receive_timeout(Duration::from_secs(5))?.expect("due by then");
    /// assert_eq!(*d.item(), 7);
    /// d.ack()?;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn put_delayed(&self, item: impl EncodeAs<T>, delay: Duration) -> M::Output<'_, ItemId> {
        let encoded = match self.base.encode(&item) {
            Ok(encoded) => encoded,
            Err(err) => return M::ready(Err(err)),
        };
        let token = uuid::Uuid::new_v4().simple().to_string();
        let shared = &self.shared;
        let args = [ms_arg(delay), token.clone().into_bytes(), encoded];
        let request = shared.script(
            &lua::workqueue::PUT_DELAYED,
            &[&shared.key, &shared.delayed],
            &args,
        );
        let op = shared
            .op(request, move |_, _| Ok(ItemId(token)))
            .touching(shared.delayed.clone());
        M::run(self.base.client(), Ok(op))
    }

    /// Adds `item` unless an item with the same `dedup_id` was put within the
    /// dedup window (default 1 h): then nothing changes and the outcome is
    /// [`Duplicate`](PutOutcome::Duplicate). One script: the check and the
    /// append are one step. So a put whose reply was lost
    /// ([`OutcomeUnknown`](crate::ErrorKind::OutcomeUnknown)) can be retried
    /// with the same id, safely. The id is remembered in `B:dedup:<id>`.
    ///
    /// Returns `Result<PutOutcome>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let q: pottery::sync::RedisWorkQueue<i64> = pottery::sync::RedisWorkQueue::new(&pottery::Client::open(&server.url())?, "q");
    /// use pottery::PutOutcome;
    /// assert!(q.put_unique(1, "order-42")?.is_added());
    /// assert_eq!(q.put_unique(1, "order-42")?, PutOutcome::Duplicate);
    /// assert_eq!(q.stats()?.ready, 1);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn put_unique(&self, item: impl EncodeAs<T>, dedup_id: &str) -> M::Output<'_, PutOutcome> {
        let encoded = match self.base.encode(&item) {
            Ok(encoded) => encoded,
            Err(err) => return M::ready(Err(err)),
        };
        let shared = &self.shared;
        let dedup = format!("{}{dedup_id}", shared.dedup);
        let args = [ms_arg(shared.dedup_window), encoded];
        let request = shared.script(&lua::workqueue::PUT_UNIQUE, &[&shared.key, &dedup], &args);
        let op = shared
            .op(request, |key, reply| match reply {
                Value::Nil => Ok(PutOutcome::Duplicate),
                reply => id_reply(key, reply).map(PutOutcome::Added),
            })
            .touching(dedup);
        M::run(self.base.client(), Ok(op))
    }
}
