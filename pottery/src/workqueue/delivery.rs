//! [`Delivery`]: an item received from a [`RedisWorkQueue`](super::RedisWorkQueue),
//! with its lease.

use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use super::lease::LeaseGuard;
use super::{ItemId, arg, ms_arg};
use crate::decode;
use crate::engine::{Blocking, Deadline, Mode, ModeExt, Op, Plan};
use crate::error::{Error, Result};
use crate::lua;

/// An item received from a [`RedisWorkQueue`](super::RedisWorkQueue), and the
/// lease on it: no other consumer gets the item while the lease holds, and it
/// is renewed in the background (every third of the lease) while the
/// delivery lives.
///
/// End it with [`ack`](Self::ack) (done: the item is deleted) or
/// [`nack`](Self::nack) (deliver it again later). A delivery dropped without
/// either (a panic in the handler, say) stops renewing: the item goes to
/// another consumer once its lease runs out, as if this consumer had died;
/// no round trip is made on drop. [`into_item`](Self::into_item) gives up
/// the lease the same way.
///
/// Used as [`crate::sync::Delivery`] (`ack` returns `Result`) or
/// [`crate::future::Delivery`] (`ack` returns a future).
///
/// ```
/// # let server = pottery_testkit::Server::start();
/// # let q: pottery::sync::RedisWorkQueue<String> = pottery::sync::RedisWorkQueue::new(&pottery::Client::open(&server.url())?, "q");
/// q.put("hello")?;
/// let d = q.receive()?;
/// assert_eq!(d.item(), "hello");
/// assert_eq!(d.deliveries(), 1);
/// assert!(!d.lease_lost());
/// d.ack()?;
/// # Ok::<(), pottery::Error>(())
/// ```
pub struct Delivery<T, M = Blocking> {
    item: T,
    id: ItemId,
    deliveries: u32,
    /// The entry's delivery count in the group, which proves it is still ours.
    count: i64,
    lease: LeaseGuard,
    mode: PhantomData<fn() -> M>,
}

impl<T, M: Mode> Delivery<T, M> {
    pub(crate) fn new(item: T, id: ItemId, deliveries: u32, count: i64, lease: LeaseGuard) -> Self {
        Delivery {
            item,
            id,
            deliveries,
            count,
            lease,
            mode: PhantomData,
        }
    }

    /// The item.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let q: pottery::sync::RedisWorkQueue<i64> = pottery::sync::RedisWorkQueue::new(&pottery::Client::open(&server.url())?, "q");
    /// q.put(5)?;
    /// assert_eq!(*q.receive()?.item(), 5);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn item(&self) -> &T {
        &self.item
    }

    /// The item, giving up the delivery: no ack is possible any more, and the
    /// item is delivered again once its lease runs out. To keep the item and
    /// finish the delivery, clone it from [`item`](Self::item) and `ack`.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let q: pottery::sync::RedisWorkQueue<i64> = pottery::sync::RedisWorkQueue::new(&pottery::Client::open(&server.url())?, "q");
    /// q.put(5)?;
    /// assert_eq!(q.receive()?.into_item(), 5);
    /// assert_eq!(q.stats()?.in_flight, 1); // until the lease runs out
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn into_item(self) -> T {
        self.item
    }

    /// The stream entry id of this delivery (a nacked item comes back with
    /// another id).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let q: pottery::sync::RedisWorkQueue<i64> = pottery::sync::RedisWorkQueue::new(&pottery::Client::open(&server.url())?, "q");
    /// let id = q.put(5)?;
    /// assert_eq!(q.receive()?.id(), &id);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn id(&self) -> &ItemId {
        &self.id
    }

    /// How many times the item has been delivered, this one included (lease
    /// expiries and nacks count).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let q: pottery::sync::RedisWorkQueue<i64> = pottery::sync::RedisWorkQueue::new(&pottery::Client::open(&server.url())?, "q");
    /// q.put(5)?;
    /// let d = q.receive()?;
    /// assert_eq!(d.deliveries(), 1);
    /// d.nack(std::time::Duration::ZERO)?;
    /// assert_eq!(q.receive()?.deliveries(), 2);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn deliveries(&self) -> u32 {
        self.deliveries
    }

    /// Whether the lease is lost: a renewal found that another consumer took
    /// the item over, or a lease passed since the last renewal known to hold
    /// (the server unreachable, say). Sticky. A handler doing long work should
    /// check it and stop: the item is someone else's, and its `ack` will fail.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let q: pottery::sync::RedisWorkQueue<i64> = pottery::sync::RedisWorkQueue::new(&pottery::Client::open(&server.url())?, "q");
    /// q.put(5)?;
    /// assert!(!q.receive()?.lease_lost());
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn lease_lost(&self) -> bool {
        self.lease.held().is_lost()
    }

    /// Acknowledges the item: it is done, and deleted. One round trip.
    ///
    /// While the lease is known to hold for half a lease more (a renewal or
    /// the receive confirmed it that recently), no one else can have taken
    /// the item over (that takes a whole lease without renewal), so the ack is
    /// `XDEL` + `XACK`, pipelined: what a hand-written consumer sends, with no
    /// script (on a cluster, a two-line script: its blocking connections have
    /// no pipelines). Otherwise it is one script that checks the entry is still ours
    /// first. Either way, if the lease was lost (another consumer took the
    /// item over, acked or dead-lettered it), the error is
    /// [`LeaseLost`](crate::ErrorKind::LeaseLost) and the late ack is counted
    /// ([`WorkQueueStats::late_acks`](super::WorkQueueStats::late_acks)): the
    /// work was done twice, or will be. (An ack delayed on its way for half a
    /// lease may still complete an item another consumer took over; that
    /// one's ack then counts the duplicate.) A lost reply is
    /// [`OutcomeUnknown`](crate::ErrorKind::OutcomeUnknown): if the ack did
    /// not apply, the item comes back after its lease.
    ///
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let q: pottery::sync::RedisWorkQueue<i64> = pottery::sync::RedisWorkQueue::new(&pottery::Client::open(&server.url())?, "q");
    /// q.put(5)?;
    /// q.receive()?.ack()?;
    /// assert_eq!(q.stats()?.in_flight, 0);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn ack(self) -> M::Output<'static, ()> {
        self.lease.release();
        let shared = self.lease.shared();
        if !self.lease.held().holds_for(shared.lease / 2) {
            let mut args = shared.who();
            args.push(self.id.as_str().as_bytes().to_vec());
            args.push(arg(self.count));
            let keys = [&*shared.key, &shared.counts];
            let request = shared.script(&lua::workqueue::ACK, &keys, &args);
            let op = shared.op(request, self.ends("ack"));
            return M::run_owned(shared.client.clone(), Ok(op));
        }
        // XDEL first: if only it applied, the pending entry left behind is
        // dropped by the next scan for expired leases (its entry is gone).
        let (key, id) = (&*shared.key, self.id.as_str());
        let acked = if shared.client.is_cluster() {
            let args = [shared.group.as_bytes().to_vec(), id.as_bytes().to_vec()];
            let request = shared.script(&lua::workqueue::ACK_FAST, &[key], &args);
            shared.op(request, decode::flag)
        } else {
            let mut pipe = redis::pipe();
            pipe.cmd("XDEL").arg(key).arg(id);
            pipe.cmd("XACK").arg(key).arg(&shared.group).arg(id);
            shared.op(pipe, |key, reply| {
                let replies = decode::array(key, reply)?;
                let xack = replies.into_iter().nth(1).unwrap_or(redis::Value::Nil);
                decode::flag(key, xack)
            })
        };
        let client = shared.client.clone();
        let deadline = Deadline::after(client.response_timeout());
        let (counts, id) = (shared.counts.clone(), self.id.clone());
        let plan = Plan::run(client.clone(), acked, move |acked| match acked {
            Ok(true) => Plan::done(()),
            Err(err) => Plan::fail(err),
            // Not pending any more: someone else acked or moved it.
            Ok(false) => {
                let mut count = redis::cmd("HINCRBY");
                count.arg(&counts).arg("late_acks").arg(1);
                let op = Op::new(counts.as_str(), "hash", count, move |key, _| {
                    Err(Error::lease_lost(key, id.as_str(), "ack"))
                });
                Plan::op(client, op.of("RedisWorkQueue"))
            }
        });
        M::plan(plan, deadline)
    }

    /// Gives the item back, to be delivered again no earlier than
    /// `retry_after` (on the server's clock), with its delivery count kept:
    /// once it reached `max_deliveries` it goes to the dead letters instead.
    /// One script, one round trip; `Duration::ZERO` puts it back in the
    /// stream at once. If the lease was lost, nothing changes and the error is
    /// [`LeaseLost`](crate::ErrorKind::LeaseLost).
    ///
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let q: pottery::sync::RedisWorkQueue<i64> = pottery::sync::RedisWorkQueue::new(&pottery::Client::open(&server.url())?, "q");
    /// use std::time::Duration;
    /// q.put(5)?;
    /// q.receive()?.nack(Duration::from_secs(60))?;
    /// assert_eq!(q.stats()?.delayed, 1);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn nack(self, retry_after: Duration) -> M::Output<'static, ()> {
        self.lease.release();
        let shared = self.lease.shared();
        let mut args = shared.who();
        args.push(self.id.as_str().as_bytes().to_vec());
        args.push(arg(self.count));
        args.push(ms_arg(retry_after));
        args.push(arg(shared.max_deliveries));
        let keys = [&*shared.key, &shared.delayed, &shared.dead];
        let request = shared.script(&lua::workqueue::NACK, &keys, &args);
        let op = shared
            .op(request, self.ends("nack"))
            .touching(shared.delayed.clone());
        M::run_owned(shared.client.clone(), Ok(op))
    }

    /// The decoder of an ack or a nack, whose script replies whether the
    /// entry was ours: `LeaseLost` if it was not.
    fn ends(
        &self,
        what: &'static str,
    ) -> impl FnOnce(&str, redis::Value) -> Result<()> + Send + 'static {
        let id = self.id.clone();
        move |key, reply| {
            if decode::flag(key, reply)? {
                Ok(())
            } else {
                Err(Error::lease_lost(key, id.as_str(), what))
            }
        }
    }
}

impl<T: fmt::Debug, M> fmt::Debug for Delivery<T, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Delivery")
            .field("id", &self.id)
            .field("deliveries", &self.deliveries)
            .field("item", &self.item)
            .finish_non_exhaustive()
    }
}
