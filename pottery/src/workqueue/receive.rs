//! The consumer side of [`RedisWorkQueue`]: receiving deliveries (the wait is
//! `flow.rs`), and what becomes of entries that do not decode.

use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;

use super::flow::{self, Entry, Fetch};
use super::{Delivery, ItemId, RedisWorkQueue, Shared, arg, lease};
use crate::codec::Codec;
use crate::decode;
use crate::engine::{Deadline, Mode, ModeExt, Op, Plan};
use crate::error::Error;
use crate::lua;

/// The most deliveries one receive asks for (`receive_many` caps `n` here).
const MAX_BATCH: usize = 10_000;

/// The reason of a dead letter whose item did not decode.
pub(crate) const REASON_DECODE: &str = "decode";

impl<T, C, M> RedisWorkQueue<T, C, M>
where
    T: DeserializeOwned + Send + 'static,
    C: Codec,
    M: Mode,
{
    /// Receives an item, waiting as long as it takes: without polling (see
    /// [the type](Self#waiting-deadlines)), no deadline.
    ///
    /// Returns `Result<Delivery<T>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let q: pottery::sync::RedisWorkQueue<i64> = pottery::sync::RedisWorkQueue::new(&pottery::Client::open(&server.url())?, "q");
    /// let producer = q.clone();
    /// std::thread::spawn(move || producer.put(7));
    /// let d = q.receive()?;
    /// assert_eq!(*d.item(), 7);
    /// d.ack()?;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn receive(&self) -> M::Output<'_, Delivery<T, M>> {
        let plan = self
            .deliveries(1, Deadline::NONE)
            .and_then(|mut got| match got.pop() {
                Some(delivery) => Plan::done(delivery),
                None => Plan::fail(Error::config(
                    "a receive without a deadline ended without an item",
                )),
            });
        M::plan(plan, Deadline::NONE)
    }

    /// Receives an item, waiting up to `timeout` for one; `None` if none came.
    /// Returns within `timeout` plus the client's response timeout (and up to
    /// 100 ms of the server's lateness); `Duration::MAX` waits as long as
    /// [`receive`](Self::receive).
    ///
    /// Returns `Result<Option<Delivery<T>>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let q: pottery::sync::RedisWorkQueue<i64> = pottery::sync::RedisWorkQueue::new(&pottery::Client::open(&server.url())?, "q");
    /// use std::time::Duration;
    /// assert!(q.receive_timeout(Duration::from_millis(20))?.is_none());
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn receive_timeout(&self, timeout: Duration) -> M::Output<'_, Option<Delivery<T, M>>> {
        let plan = self
            .deliveries(1, Deadline::after(timeout))
            .map(|mut got| Ok(got.pop()));
        M::plan(plan, self.wait_deadline(timeout))
    }

    /// Receives an item if one is ready now (new, or whose lease ran out, or
    /// delayed and due), without waiting: one round trip.
    ///
    /// Returns `Result<Option<Delivery<T>>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let q: pottery::sync::RedisWorkQueue<i64> = pottery::sync::RedisWorkQueue::new(&pottery::Client::open(&server.url())?, "q");
    /// assert!(q.try_receive()?.is_none());
    /// q.put(1)?;
    /// q.try_receive()?.expect("ready").ack()?;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn try_receive(&self) -> M::Output<'_, Option<Delivery<T, M>>> {
        let plan = self
            .deliveries(1, Deadline::after(Duration::ZERO))
            .map(|mut got| Ok(got.pop()));
        M::run_plan(self.base.client(), plan)
    }

    /// Receives up to `n` items ready now (at most 10,000), without waiting:
    /// one round trip (one script), oldest first; empty if none is ready. Each delivery has
    /// its own lease (renewed together).
    ///
    /// Returns `Result<Vec<Delivery<T>>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let q: pottery::sync::RedisWorkQueue<i64> = pottery::sync::RedisWorkQueue::new(&pottery::Client::open(&server.url())?, "q");
    /// q.put_many([1, 2, 3])?;
    /// let got = q.receive_many(2)?;
    /// assert_eq!(got.len(), 2);
    /// for d in got { d.ack()?; }
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn receive_many(&self, n: usize) -> M::Output<'_, Vec<Delivery<T, M>>> {
        if n == 0 {
            return M::ready(Ok(Vec::new()));
        }
        M::run_plan(
            self.base.client(),
            self.deliveries(n, Deadline::after(Duration::ZERO)),
        )
    }

    /// Receives up to `n` items, waiting up to `timeout` for the first: the
    /// wait of [`receive_timeout`](Self::receive_timeout), then what is ready
    /// then, up to `n`. Empty if nothing came in time.
    ///
    /// Returns `Result<Vec<Delivery<T>>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let q: pottery::sync::RedisWorkQueue<i64> = pottery::sync::RedisWorkQueue::new(&pottery::Client::open(&server.url())?, "q");
    /// use std::time::Duration;
    /// q.put_many([1, 2])?;
    /// let got = q.receive_many_timeout(10, Duration::from_secs(1))?;
    /// assert_eq!(got.len(), 2);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn receive_many_timeout(
        &self,
        n: usize,
        timeout: Duration,
    ) -> M::Output<'_, Vec<Delivery<T, M>>> {
        if n == 0 {
            return M::ready(Ok(Vec::new()));
        }
        M::plan(
            self.deliveries(n, Deadline::after(timeout)),
            self.wait_deadline(timeout),
        )
    }

    /// A wait's whole deadline: the wait, then one response timeout for the
    /// last request.
    fn wait_deadline(&self, timeout: Duration) -> Deadline {
        Deadline::after(timeout.saturating_add(self.base.client().response_timeout()))
    }

    /// Up to `want` deliveries, waiting until `until` for the first.
    fn deliveries(&self, want: usize, until: Deadline) -> Plan<Vec<Delivery<T, M>>> {
        let fetch = Arc::new(Fetch {
            shared: Arc::clone(self.shared()),
            want: want.min(MAX_BATCH),
            until,
            read_first: !is_blocking::<M>(),
        });
        deliver(fetch, self.base.codec().clone())
    }
}

/// Whether `M` is the blocking mode, whose block runs on the calling thread
/// (the async mode's is a hop to Tokio's blocking pool).
fn is_blocking<M: Mode>() -> bool {
    std::any::TypeId::of::<M>() == std::any::TypeId::of::<crate::engine::Blocking>()
}

/// Fetches entries and decodes them; those that do not decode are
/// dead-lettered (then, if none was left, it fetches again).
fn deliver<T, C, M>(fetch: Arc<Fetch>, codec: C) -> Plan<Vec<Delivery<T, M>>>
where
    T: DeserializeOwned + Send + 'static,
    C: Codec,
    M: Mode,
{
    flow::fetch(Arc::clone(&fetch)).and_then(move |entries| {
        let mut good = Vec::with_capacity(entries.len());
        let mut bad = Vec::new();
        for entry in entries {
            let decoded = entry.field(b"item").map(|raw| codec.decode::<T>(raw));
            match decoded {
                Some(Ok(item)) => {
                    let lease = lease::hold(&fetch.shared, &entry.id, entry.count, entry.sent);
                    let deliveries = entry.deliveries();
                    good.push(Delivery::new(item, ItemId::from(entry.id), deliveries, entry.count, lease));
                }
                _ => bad.push(entry),
            }
        }
        if bad.is_empty() {
            return Plan::done(good);
        }
        let client = fetch.shared.client.clone();
        let op = bury_op(&fetch.shared, &bad);
        Plan::run(client, op, move |buried| {
            if let Err(err) = buried {
                // They stay in flight, and come back after their lease.
                crate::trace::warn_event!(key = &*fetch.shared.key, error = %err, "pottery: a work queue could not dead-letter undecodable items");
                if good.is_empty() {
                    return Plan::fail(err);
                }
            }
            if good.is_empty() {
                deliver(fetch, codec)
            } else {
                Plan::done(good)
            }
        })
    })
}

/// Dead-letters `entries` (reason `decode`), each if it is still ours.
fn bury_op(shared: &Shared, entries: &[Entry]) -> Op<usize> {
    let mut args = shared.who();
    args.push(REASON_DECODE.as_bytes().to_vec());
    for entry in entries {
        args.push(entry.id.as_bytes().to_vec());
        args.push(arg(entry.count));
    }
    let request = shared.script(&lua::workqueue::BURY, &[&shared.key, &shared.dead], &args);
    shared
        .op(request, decode::count)
        .touching(shared.dead.clone())
}
