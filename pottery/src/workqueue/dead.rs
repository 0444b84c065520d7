//! The dead letters of a [`RedisWorkQueue`]: items that used up
//! `max_deliveries`, or did not decode, kept whole in the stream `B:dead`
//! (never trimmed: a dead letter leaves only by `requeue_dead` or
//! `drop_dead`).

use std::time::{Duration, SystemTime};

use redis::Value;
use serde::de::DeserializeOwned;

use super::flow::{pairs, text};
use super::{ItemId, RedisWorkQueue};
use crate::codec::Codec;
use crate::decode;
use crate::engine::{Mode, ModeExt, Op};
use crate::lua;

/// An item moved to the dead letters, with its history.
///
/// ```
/// # let server = pottery_testkit::Server::start();
/// # let client = pottery::Client::open(&server.url())?;
/// let q: pottery::sync::RedisWorkQueue<i64> = pottery::RedisWorkQueue::builder(&client, "q").max_deliveries(1).build()?;
/// q.put(9)?;
/// q.receive()?.nack(std::time::Duration::ZERO)?; // its one delivery used
/// let dead = q.dead_letters(10)?;
/// assert_eq!(dead.len(), 1);
/// assert_eq!(dead[0].item.as_ref().ok(), Some(&9));
/// assert_eq!((dead[0].deliveries, dead[0].reason.as_str()), (1, "max_deliveries"));
/// # Ok::<(), pottery::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct DeadLetter<T> {
    /// Its id in the dead-letter stream (for `requeue_dead` and `drop_dead`).
    pub id: ItemId,
    /// The item, or its raw bytes if they do not decode.
    pub item: Result<T, Vec<u8>>,
    /// How many times it was delivered.
    pub deliveries: u32,
    /// Why: `max_deliveries`, `decode` (the item did not decode), or
    /// `malformed` (a delayed zset member not in the documented format).
    pub reason: String,
    /// The id the item was first known by: its first stream id, or the token
    /// of a delayed put.
    pub original_id: ItemId,
    /// The consumer that had it last.
    pub consumer: String,
    /// When it was first put (server clock), if `original_id` is a stream id.
    pub put_at: Option<SystemTime>,
    /// When it was dead-lettered (server clock).
    pub dead_at: Option<SystemTime>,
}

fn at(id: &ItemId) -> Option<SystemTime> {
    SystemTime::UNIX_EPOCH.checked_add(Duration::from_millis(id.millis()?))
}

impl<T, C, M> RedisWorkQueue<T, C, M>
where
    T: DeserializeOwned + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// The `n` oldest dead letters (one `XRANGE`, one round trip), oldest first.
    ///
    /// Returns `Result<Vec<DeadLetter<T>>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let q: pottery::sync::RedisWorkQueue<i64> = pottery::sync::RedisWorkQueue::new(&pottery::Client::open(&server.url())?, "q");
    /// assert!(q.dead_letters(10)?.is_empty());
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn dead_letters(&self, n: usize) -> M::Output<'_, Vec<DeadLetter<T>>> {
        if n == 0 {
            return M::ready(Ok(Vec::new()));
        }
        let dead = &self.shared().dead;
        let mut cmd = redis::cmd("XRANGE");
        let count = i64::try_from(n).unwrap_or(i64::MAX);
        cmd.arg(dead).arg("-").arg("+").arg("COUNT").arg(count);
        let codec = self.base.codec().clone();
        let op = Op::new(dead.as_str(), "stream", cmd, move |key, reply| {
            decode::array(key, reply)?
                .into_iter()
                .map(|entry| dead_letter(&codec, key, entry))
                .collect()
        })
        .of("RedisWorkQueue");
        M::run(self.base.client(), Ok(op))
    }

    /// Moves dead letters back into the queue (`ids`: their
    /// [`DeadLetter::id`]s, `&[ItemId]` or any strings), each as a new item
    /// with a fresh delivery count; ids no longer there are skipped. One script, one
    /// round trip; returns how many moved.
    ///
    /// Returns `Result<usize>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let q: pottery::sync::RedisWorkQueue<i64> = pottery::RedisWorkQueue::builder(&client, "q").max_deliveries(1).build()?;
    /// q.put(9)?;
    /// q.receive()?.nack(std::time::Duration::ZERO)?;
    /// let ids: Vec<_> = q.dead_letters(10)?.into_iter().map(|d| d.id).collect();
    /// assert_eq!(q.requeue_dead(&ids)?, 1);
    /// let again = q.receive()?;
    /// assert_eq!((*again.item(), again.deliveries()), (9, 1));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn requeue_dead<I>(&self, ids: I) -> M::Output<'_, usize>
    where
        I: IntoIterator<Item: AsRef<str>>,
    {
        let args: Vec<Vec<u8>> = ids
            .into_iter()
            .map(|id| id.as_ref().as_bytes().to_vec())
            .collect();
        if args.is_empty() {
            return M::ready(Ok(0));
        }
        let shared = self.shared();
        let request = shared.script(
            &lua::workqueue::REQUEUE,
            &[&shared.key, &shared.dead],
            &args,
        );
        let op = shared
            .op(request, decode::count)
            .touching(shared.dead.clone());
        M::run(self.base.client(), Ok(op))
    }

    /// Deletes dead letters (`XDEL`, one round trip); returns how many were there.
    ///
    /// Returns `Result<usize>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let q: pottery::sync::RedisWorkQueue<i64> = pottery::sync::RedisWorkQueue::new(&pottery::Client::open(&server.url())?, "q");
    /// assert_eq!(q.drop_dead(&[pottery::ItemId::from("1-0")])?, 0);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn drop_dead<I>(&self, ids: I) -> M::Output<'_, usize>
    where
        I: IntoIterator<Item: AsRef<str>>,
    {
        let dead = &self.shared().dead;
        let mut cmd = redis::cmd("XDEL");
        cmd.arg(dead);
        let mut any = false;
        for id in ids {
            cmd.arg(id.as_ref());
            any = true;
        }
        if !any {
            return M::ready(Ok(0));
        }
        let op = Op::new(dead.as_str(), "stream", cmd, decode::count).of("RedisWorkQueue");
        M::run(self.base.client(), Ok(op))
    }
}

/// A dead-letter stream entry `[id, [field, value, ...]]`.
fn dead_letter<T: DeserializeOwned, C: Codec>(
    codec: &C,
    key: &str,
    entry: Value,
) -> crate::Result<DeadLetter<T>> {
    let mut parts = decode::array(key, entry)?.into_iter();
    let (Some(id), Some(fields)) = (parts.next(), parts.next()) else {
        return Err(crate::Error::unexpected_reply(
            key,
            "XRANGE",
            "not [id, fields]",
        ));
    };
    let id = ItemId::from(text(key, id)?);
    let mut raw = None;
    let (mut deliveries, mut reason, mut first, mut consumer) =
        (0, String::new(), String::new(), String::new());
    for (field, value) in pairs(key, fields)? {
        let value_text = || String::from_utf8_lossy(&value).into_owned();
        if field == b"item" {
            raw = Some(value);
            continue;
        }
        match field.as_slice() {
            b"deliveries" => deliveries = value_text().parse().unwrap_or(0),
            b"reason" => reason = value_text(),
            b"first" => first = value_text(),
            b"consumer" => consumer = value_text(),
            _ => {}
        }
    }
    let raw = raw.unwrap_or_default();
    let item = codec.decode(&raw).map_err(|_| raw);
    let original_id = if first.is_empty() {
        id.clone()
    } else {
        ItemId::from(first)
    };
    Ok(DeadLetter {
        put_at: at(&original_id),
        dead_at: at(&id),
        id,
        item,
        deliveries,
        reason,
        original_id,
        consumer,
    })
}
