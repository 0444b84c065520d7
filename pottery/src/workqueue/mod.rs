//! [`RedisWorkQueue`]: a reliable work queue on a Redis stream and its
//! consumer group: acknowledged delivery, leases, retries, delays, dead letters.
//!
//! `mod.rs` holds the type and what its handles share; `builder.rs` the
//! options; `put.rs` the producer side; `receive.rs` and `flow.rs` receiving
//! (one plan for both modes); `delivery.rs` a received item (ack, nack);
//! `lease.rs` the background renewal of leases; `dead.rs` the dead letters;
//! `stats.rs` the counts. The scripts are in `lua/workqueue/`; the storage
//! layout is `layout.md`.

mod builder;
mod dead;
mod delivery;
mod flow;
mod lease;
mod put;
mod receive;
mod stats;

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use crate::client::Client;
use crate::codec::{Codec, Json};
use crate::container::Base;
use crate::engine::{Blocking, Mode, Op, Request, ScriptSource};
use crate::error::Result;

pub use builder::RedisWorkQueueBuilder;
pub use dead::DeadLetter;
pub use delivery::Delivery;
pub use put::{ItemId, PutOutcome};
pub use stats::WorkQueueStats;

/// The consumer group a queue uses unless told.
pub(crate) const DEFAULT_GROUP: &str = "pottery";
/// How long a delivery's lease lasts unless told (renewed while it lives).
pub(crate) const DEFAULT_LEASE: Duration = Duration::from_secs(30);
/// Deliveries of one item before it is dead-lettered, unless told.
pub(crate) const DEFAULT_MAX_DELIVERIES: u32 = 5;
/// How long a `put_unique` id is remembered unless told.
pub(crate) const DEFAULT_DEDUP_WINDOW: Duration = Duration::from_secs(3600);

/// Ties the element and mode types to the structure without owning any.
type Types<T, M> = PhantomData<fn() -> (T, M)>;

/// A reliable work queue shared by processes: every item put is acknowledged
/// by a consumer or ends in the dead letters (**at least once**), on a Redis
/// stream with a consumer group, blocking and async.
///
/// A consumer [`receive`](Self::receive)s a [`Delivery`]: the item and a
/// *lease* on it. While the delivery lives, its lease is renewed in the
/// background (like a [`Redlock`](crate::Redlock)'s watchdog), so a slow
/// consumer keeps its item; no other consumer gets it. The consumer then
/// [`ack`](Delivery::ack)s it (the item is done and deleted) or
/// [`nack`](Delivery::nack)s it (to be delivered again after a pause). If the
/// consumer dies, hangs or drops the delivery, the lease runs out and the next
/// `receive` of any consumer takes the item over, counting its deliveries;
/// after `max_deliveries` it is moved to the dead letters, with its history,
/// where it can be listed, re-queued or dropped.
///
/// # The guarantee
///
/// - Every item put is acked by some consumer or ends in the dead letters; a
///   lost reply never loses an item (it is redelivered after its lease).
/// - An item is held by one live consumer at a time: a delivery whose lease
///   was taken over learns it ([`lease_lost`](Delivery::lease_lost), and its
///   `ack` fails with [`LeaseLost`](crate::ErrorKind::LeaseLost), changing
///   nothing), even under the same consumer name.
/// - Duplicates (an item processed twice) come only from a lost lease or a
///   lost ack reply, and late acks are counted
///   ([`WorkQueueStats::late_acks`]).
///
/// # Which queue
///
/// [`RedisSimpleQueue`](crate::RedisSimpleQueue) is Python pottery's queue:
/// byte-compatible with it, and at most once (an item is deleted when taken).
/// Use this one for work that must not be lost. Its producers write the same
/// entries (`XADD K * item <encoded>`): a Python `RedisSimpleQueue.put` feeds
/// a `RedisWorkQueue` at the same key.
///
/// # Waiting, deadlines
///
/// `receive` does not poll: after one script (delayed items due, expired
/// leases, new entries) it blocks in `XREADGROUP ... BLOCK`, which an `XADD`
/// wakes, so an item put for an idle consumer reaches it in about one round
/// trip. The script says when it next has more to do than read new entries
/// (a delayed item due, the next look for expired leases); until then, and
/// for 100 ms at most, a handle's receives are plain `XREADGROUP`s. A
/// block lasts at most a quarter second (and a third of the lease), and ends
/// when the next delayed item is due, as far as the script knew. So a
/// delayed item (or a nacked one) is delivered on time if it was waiting
/// when a consumer's last script ran, and at most about a quarter second late
/// otherwise; an expired lease is taken over by a receiving consumer within
/// a quarter lease (half a second at most) after it ran out. The block runs
/// on a pooled blocking connection (Tokio's blocking pool in async mode), like
/// `RedisSimpleQueue`'s wait. `receive_timeout(t)` returns within `t` plus
/// the client's response timeout (and the server's up to 100 ms of lateness
/// on the last block); `Duration::MAX` waits as long as `receive`. Dropping
/// an async `receive` before it returns may leave an item delivered to
/// nobody: it comes back after its lease, like one whose reply was lost.
///
/// # Storage layout
///
#[doc = include_str!("layout.md")]
///
/// # Example
///
/// ```
/// use pottery::{Client, sync::RedisWorkQueue};
/// use std::time::Duration;
///
/// # let server = pottery_testkit::Server::start();
/// # let url = server.url();
/// let client = Client::open(&url)?;
/// let jobs: RedisWorkQueue<String> = RedisWorkQueue::new(&client, "jobs");
/// jobs.put(&"resize photo.jpg".to_owned())?;
/// let job = jobs.receive()?;
/// assert_eq!(job.item(), "resize photo.jpg");
/// job.ack()?;
/// assert!(jobs.receive_timeout(Duration::from_millis(10))?.is_none());
/// # Ok::<(), pottery::Error>(())
/// ```
pub struct RedisWorkQueue<T, C = Json, M = Blocking> {
    base: Base<C>,
    shared: Arc<Shared>,
    types: Types<T, M>,
}

/// What every handle of one queue (its clones) and its deliveries share: the
/// keys, the group and consumer, the options, the lease renewer.
pub(crate) struct Shared {
    pub(crate) client: Client,
    pub(crate) key: Arc<str>,
    pub(crate) delayed: String,
    pub(crate) dead: String,
    pub(crate) counts: String,
    /// `B:dedup:`, the start of every dedup key.
    pub(crate) dedup: String,
    pub(crate) group: String,
    pub(crate) consumer: String,
    pub(crate) lease: Duration,
    pub(crate) max_deliveries: u32,
    pub(crate) dedup_window: Duration,
    pub(crate) renewer: lease::Renewer,
    /// When its waits may block without the receive script.
    pub(crate) quiet: flow::Quiet,
}

impl Shared {
    /// A script call on `keys` (the stream first) with `args`.
    pub(crate) fn script(
        &self,
        script: impl ScriptSource,
        keys: &[&str],
        args: &[Vec<u8>],
    ) -> Request {
        let keys: Vec<&[u8]> = keys.iter().map(|k| k.as_bytes()).collect();
        Request::script(script, &keys, args)
    }

    /// An operation on the stream.
    pub(crate) fn op<T>(
        &self,
        request: impl Into<Request>,
        decode: impl FnOnce(&str, redis::Value) -> Result<T> + Send + 'static,
    ) -> Op<T> {
        Op::new(self.key.clone(), "stream", request, decode).of("RedisWorkQueue")
    }

    /// The group and consumer, the first arguments of most scripts.
    pub(crate) fn who(&self) -> Vec<Vec<u8>> {
        vec![
            self.group.as_bytes().to_vec(),
            self.consumer.as_bytes().to_vec(),
        ]
    }
}

/// A number as a script argument.
pub(crate) fn arg(n: impl fmt::Display) -> Vec<u8> {
    n.to_string().into_bytes()
}

/// The longest duration a script is given, in ms (about 35,000 years): exact
/// in Lua's doubles, and a valid `PX` for Redis, so `Duration::MAX` is safe.
const MAX_MS: u64 = 1 << 50;

/// A duration in whole milliseconds as a script argument (0 stays 0; capped
/// at [`MAX_MS`]).
pub(crate) fn ms_arg(d: Duration) -> Vec<u8> {
    arg(u64::try_from(d.as_millis()).unwrap_or(u64::MAX).min(MAX_MS))
}

impl<T, C: Codec + Default, M: Mode> RedisWorkQueue<T, C, M> {
    /// A work queue at `key` with the defaults: group `pottery`, a random
    /// consumer name per handle (its clones share it), a 30 s lease, 5
    /// deliveries before the dead letters, a 1 h dedup window. Nothing is read
    /// or written until you use it. [`builder`](Self::builder) sets them.
    ///
    /// ```
    /// let client = pottery::Client::open("redis://localhost")?;
    /// let q: pottery::sync::RedisWorkQueue<String> = pottery::sync::RedisWorkQueue::new(&client, "jobs");
    /// assert_eq!(q.key(), "jobs");
    /// assert_eq!(q.group(), "pottery");
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn new(client: &Client, key: &str) -> Self {
        builder::RedisWorkQueueBuilder::new(client, key).assemble()
    }

    /// A builder for a work queue at `key`, to set the group, consumer name,
    /// lease, `max_deliveries`, dedup window or codec.
    ///
    /// ```
    /// use pottery::{Client, RedisWorkQueue, sync};
    /// use std::time::Duration;
    ///
    /// let client = Client::open("redis://localhost")?;
    /// let q: sync::RedisWorkQueue<String> = RedisWorkQueue::builder(&client, "jobs")
    ///     .group("workers")
    ///     .consumer("w1")
    ///     .lease(Duration::from_secs(10))
    ///     .max_deliveries(3)
    ///     .build()?;
    /// assert_eq!(q.consumer(), "w1");
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn builder(client: &Client, key: &str) -> RedisWorkQueueBuilder<T, C, M> {
        builder::RedisWorkQueueBuilder::new(client, key)
    }
}

impl<T, C: Codec, M: Mode> RedisWorkQueue<T, C, M> {
    /// The stream's key.
    ///
    /// ```
    /// let client = pottery::Client::open("redis://localhost")?;
    /// let q: pottery::sync::RedisWorkQueue<String> = pottery::sync::RedisWorkQueue::new(&client, "jobs");
    /// assert_eq!(q.key(), "jobs");
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn key(&self) -> &str {
        self.base.key()
    }

    /// The consumer group's name.
    ///
    /// ```
    /// let client = pottery::Client::open("redis://localhost")?;
    /// let q: pottery::sync::RedisWorkQueue<String> = pottery::sync::RedisWorkQueue::new(&client, "jobs");
    /// assert_eq!(q.group(), "pottery");
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn group(&self) -> &str {
        &self.shared.group
    }

    /// This handle's consumer name (shared by its clones).
    ///
    /// ```
    /// let client = pottery::Client::open("redis://localhost")?;
    /// let q: pottery::sync::RedisWorkQueue<String> = pottery::sync::RedisWorkQueue::new(&client, "jobs");
    /// assert_eq!(q.consumer(), q.clone().consumer());
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn consumer(&self) -> &str {
        &self.shared.consumer
    }

    /// The lease a delivery holds (renewed while it lives).
    ///
    /// ```
    /// let client = pottery::Client::open("redis://localhost")?;
    /// let q: pottery::sync::RedisWorkQueue<String> = pottery::sync::RedisWorkQueue::new(&client, "jobs");
    /// assert_eq!(q.lease(), std::time::Duration::from_secs(30));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn lease(&self) -> Duration {
        self.shared.lease
    }

    /// The client the queue talks through.
    ///
    /// ```
    /// let client = pottery::Client::open("redis://localhost")?;
    /// let q: pottery::sync::RedisWorkQueue<String> = pottery::sync::RedisWorkQueue::new(&client, "jobs");
    /// let _ = q.client();
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn client(&self) -> &Client {
        self.base.client()
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }
}

impl<T, C: Codec, M: Mode> Clone for RedisWorkQueue<T, C, M> {
    fn clone(&self) -> Self {
        RedisWorkQueue {
            base: self.base.clone(),
            shared: Arc::clone(&self.shared),
            types: PhantomData,
        }
    }
}

impl<T, C: Codec, M: Mode> fmt::Debug for RedisWorkQueue<T, C, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisWorkQueue")
            .field("key", &self.base.key())
            .field("group", &self.shared.group)
            .field("consumer", &self.shared.consumer)
            .finish()
    }
}
