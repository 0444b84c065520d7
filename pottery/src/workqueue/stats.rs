//! [`WorkQueueStats`]: a work queue's counts, in one round trip.

use std::time::Duration;

use super::RedisWorkQueue;
use crate::codec::Codec;
use crate::decode;
use crate::engine::{Mode, ModeExt};
use crate::error::{Error, Result};
use crate::lua;

/// A work queue's counts, read together in one script (one consistent
/// moment), from [`RedisWorkQueue::stats`].
///
/// ```
/// let stats = pottery::WorkQueueStats::default();
/// assert_eq!(stats.ready + stats.in_flight, 0);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WorkQueueStats {
    /// Items in the stream not delivered yet (put, re-queued, or delayed and
    /// moved in once due; a due delayed item still in the delayed zset is
    /// counted as `delayed`).
    pub ready: u64,
    /// Items delivered and not acked yet (a lease held, or run out and not
    /// taken over yet).
    pub in_flight: u64,
    /// Items waiting for their due time: delayed puts and nacks.
    pub delayed: u64,
    /// Dead letters.
    pub dead: u64,
    /// How long ago (server clock) the oldest ready or in-flight entry
    /// entered the stream; `None` if there is none.
    pub oldest_age: Option<Duration>,
    /// Deliveries taken over after a lease ran out, ever (a counter kept in
    /// `B:counts`).
    pub redeliveries: u64,
    /// Acks that came after the lease was lost, ever: each is an item
    /// processed twice (or more).
    pub late_acks: u64,
}

impl<T, C: Codec, M: Mode> RedisWorkQueue<T, C, M> {
    /// The queue's counts, in one round trip (one script).
    ///
    /// Returns `Result<WorkQueueStats>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let q: pottery::sync::RedisWorkQueue<i64> = pottery::sync::RedisWorkQueue::new(&pottery::Client::open(&server.url())?, "q");
    /// q.put_many([1, 2])?;
    /// let _held = q.receive()?;
    /// let stats = q.stats()?;
    /// assert_eq!((stats.ready, stats.in_flight, stats.delayed, stats.dead), (1, 1, 0, 0));
    /// assert!(stats.oldest_age.is_some());
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn stats(&self) -> M::Output<'_, WorkQueueStats> {
        let shared = self.shared();
        let keys = [&*shared.key, &shared.delayed, &shared.dead, &shared.counts];
        let request = shared.script(
            &lua::workqueue::STATS,
            &keys,
            &[shared.group.as_bytes().to_vec()],
        );
        let op = shared
            .op(request, |key, reply| {
                let n = decode::array(key, reply)?
                    .into_iter()
                    .map(|v| decode::int(key, "stats", v))
                    .collect::<Result<Vec<i64>>>()?;
                let [
                    ready,
                    in_flight,
                    delayed,
                    dead,
                    oldest,
                    redeliveries,
                    late_acks,
                ] = n[..]
                else {
                    return Err(Error::unexpected_reply(key, "stats", n));
                };
                let count = |v: i64| u64::try_from(v).unwrap_or(0);
                Ok(WorkQueueStats {
                    ready: count(ready),
                    in_flight: count(in_flight),
                    delayed: count(delayed),
                    dead: count(dead),
                    oldest_age: u64::try_from(oldest).ok().map(Duration::from_millis),
                    redeliveries: count(redeliveries),
                    late_acks: count(late_acks),
                })
            })
            .touching(shared.delayed.clone());
        M::run(self.base.client(), Ok(op))
    }
}
