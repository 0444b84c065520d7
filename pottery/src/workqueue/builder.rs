//! [`RedisWorkQueueBuilder`]: a work queue's options.

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use super::{
    DEFAULT_DEDUP_WINDOW, DEFAULT_GROUP, DEFAULT_LEASE, DEFAULT_MAX_DELIVERIES, RedisWorkQueue,
    Shared, flow, lease,
};
use crate::client::Client;
use crate::codec::{Codec, Json};
use crate::container::Base;
use crate::engine::{Blocking, Mode};
use crate::error::{Error, Result};

/// The longest lease: a delivery renews long before it ends anyway.
const MAX_LEASE: Duration = Duration::from_secs(7 * 24 * 3600);

/// Options of a [`RedisWorkQueue`]: made by [`RedisWorkQueue::builder`],
/// finished by [`build`](Self::build).
///
/// ```
/// use pottery::{Client, RedisWorkQueue, sync};
/// use std::time::Duration;
///
/// let client = Client::open("redis://localhost")?;
/// let q: sync::RedisWorkQueue<u64> = RedisWorkQueue::builder(&client, "jobs")
///     .lease(Duration::from_secs(5))
///     .dedup_window(Duration::from_secs(600))
///     .build()?;
/// assert_eq!(q.lease(), Duration::from_secs(5));
/// # Ok::<(), pottery::Error>(())
/// ```
#[must_use]
pub struct RedisWorkQueueBuilder<T, C = Json, M = Blocking> {
    client: Client,
    key: String,
    codec: C,
    group: String,
    consumer: Option<String>,
    lease: Duration,
    max_deliveries: u32,
    dedup_window: Duration,
    types: PhantomData<fn() -> (T, M)>,
}

impl<T, C: Codec + Default, M: Mode> RedisWorkQueueBuilder<T, C, M> {
    pub(crate) fn new(client: &Client, key: &str) -> Self {
        RedisWorkQueueBuilder {
            client: client.clone(),
            key: key.to_owned(),
            codec: C::default(),
            group: DEFAULT_GROUP.to_owned(),
            consumer: None,
            lease: DEFAULT_LEASE,
            max_deliveries: DEFAULT_MAX_DELIVERIES,
            dedup_window: DEFAULT_DEDUP_WINDOW,
            types: PhantomData,
        }
    }
}

impl<T, C: Codec, M: Mode> RedisWorkQueueBuilder<T, C, M> {
    /// The consumer group (default `pottery`). Use one group per stream: an
    /// acked entry is deleted, for every group.
    ///
    /// ```
    /// # let client = pottery::Client::open("redis://localhost")?;
    /// let q: pottery::sync::RedisWorkQueue<u64> = pottery::RedisWorkQueue::builder(&client, "jobs").group("workers").build()?;
    /// assert_eq!(q.group(), "workers");
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn group(mut self, group: &str) -> Self {
        self.group = group.to_owned();
        self
    }

    /// This handle's consumer name (default: a random UUID per handle). Two
    /// handles may share a name: a delivery still learns when another took
    /// its item over.
    ///
    /// ```
    /// # let client = pottery::Client::open("redis://localhost")?;
    /// let q: pottery::sync::RedisWorkQueue<u64> = pottery::RedisWorkQueue::builder(&client, "jobs").consumer("w1").build()?;
    /// assert_eq!(q.consumer(), "w1");
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn consumer(mut self, consumer: &str) -> Self {
        self.consumer = Some(consumer.to_owned());
        self
    }

    /// How long a delivery's lease lasts without renewal (default 30 s; at
    /// least 3 ms, at most 7 days). A live delivery renews it every third of it; an item whose
    /// lease ran out goes to the next consumer that receives.
    ///
    /// ```
    /// # let client = pottery::Client::open("redis://localhost")?;
    /// let q: pottery::sync::RedisWorkQueue<u64> = pottery::RedisWorkQueue::builder(&client, "jobs").lease(std::time::Duration::from_secs(2)).build()?;
    /// assert_eq!(q.lease(), std::time::Duration::from_secs(2));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// How many deliveries an item gets (lease expiries and nacks count)
    /// before it moves to the dead letters (default 5; at least 1).
    ///
    /// ```
    /// # let client = pottery::Client::open("redis://localhost")?;
    /// let q = pottery::RedisWorkQueue::<u64>::builder(&client, "jobs").max_deliveries(3);
    /// let _: pottery::sync::RedisWorkQueue<u64> = q.build()?;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn max_deliveries(mut self, max: u32) -> Self {
        self.max_deliveries = max;
        self
    }

    /// How long [`put_unique`](RedisWorkQueue::put_unique) remembers an id
    /// (default 1 h).
    ///
    /// ```
    /// # let client = pottery::Client::open("redis://localhost")?;
    /// let q = pottery::RedisWorkQueue::<u64>::builder(&client, "jobs").dedup_window(std::time::Duration::from_secs(60));
    /// let _: pottery::sync::RedisWorkQueue<u64> = q.build()?;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn dedup_window(mut self, window: Duration) -> Self {
        self.dedup_window = window;
        self
    }

    /// Encodes items with `codec` (default [`Json`]).
    ///
    /// ```
    /// # let client = pottery::Client::open("redis://localhost")?;
    /// let q = pottery::RedisWorkQueue::<u64>::builder(&client, "jobs").codec(pottery::Json);
    /// let _: pottery::sync::RedisWorkQueue<u64> = q.build()?;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn codec<D: Codec>(self, codec: D) -> RedisWorkQueueBuilder<T, D, M> {
        RedisWorkQueueBuilder {
            client: self.client,
            key: self.key,
            codec,
            group: self.group,
            consumer: self.consumer,
            lease: self.lease,
            max_deliveries: self.max_deliveries,
            dedup_window: self.dedup_window,
            types: PhantomData,
        }
    }

    /// The queue; a [`Config`](crate::ErrorKind::Config) error for an empty
    /// group or consumer name, a lease under 3 ms or over 7 days, `max_deliveries` of 0 or
    /// a zero dedup window. Nothing is read or written yet.
    ///
    /// ```
    /// # let client = pottery::Client::open("redis://localhost")?;
    /// let bad = pottery::RedisWorkQueue::<u64>::builder(&client, "jobs").max_deliveries(0);
    /// let err = bad.build().map(|_: pottery::sync::RedisWorkQueue<u64>| ()).unwrap_err();
    /// assert_eq!(err.kind(), pottery::ErrorKind::Config);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn build(self) -> Result<RedisWorkQueue<T, C, M>> {
        if self.group.is_empty() || self.consumer.as_deref() == Some("") {
            return Err(
                Error::config("a work queue's group and consumer names must not be empty")
                    .or_key(&self.key),
            );
        }
        if self.lease < Duration::from_millis(3) || self.lease > MAX_LEASE {
            return Err(
                Error::config("a work queue's lease must be from 3 ms to 7 days").or_key(&self.key),
            );
        }
        if self.max_deliveries == 0 {
            return Err(
                Error::config("a work queue's max_deliveries must be at least 1").or_key(&self.key),
            );
        }
        if self.dedup_window.is_zero() {
            return Err(
                Error::config("a work queue's dedup window must be longer than zero")
                    .or_key(&self.key),
            );
        }
        Ok(self.assemble())
    }

    /// The queue, the options unchecked (the defaults are valid).
    pub(crate) fn assemble(self) -> RedisWorkQueue<T, C, M> {
        let base = Base::named(&self.client, &self.key, self.codec, "stream").of("RedisWorkQueue");
        let consumer = self
            .consumer
            .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
        let shared = Shared {
            client: self.client.clone(),
            key: base.key_shared(),
            delayed: base.companion_key(":delayed"),
            dead: base.companion_key(":dead"),
            counts: base.companion_key(":counts"),
            dedup: base.companion_key(":dedup:"),
            group: self.group,
            consumer,
            lease: self.lease,
            max_deliveries: self.max_deliveries,
            dedup_window: self.dedup_window,
            renewer: lease::Renewer::default(),
            quiet: flow::Quiet::default(),
        };
        RedisWorkQueue {
            base,
            shared: Arc::new(shared),
            types: PhantomData,
        }
    }
}
