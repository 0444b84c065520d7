//! NextId: increasing IDs over independent masters, as Python pottery 3.0.1's
//! `NextID`/`AIONextID` make them (<http://antirez.com/news/102>).
//!
//! - `mod.rs`: [`NextId`], its constructors and calls.
//! - `builder.rs`: [`NextIdBuilder`].
//! - `flow.rs`: the flows (one ID, a reset) as plans both modes run, and the
//!   operations they send to each master.
//! - `logic.rs`: the quorum decisions and the reading of stored values, free
//!   of I/O.

mod builder;
mod flow;
pub(crate) mod logic;

pub use builder::NextIdBuilder;

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use crate::client::Client;
#[cfg(feature = "async")]
use crate::engine::{Async, BoxStream};
use crate::engine::{Blocking, Mode};
use crate::error::Result;
use crate::redlock::DEFAULT_REQUEST_TIMEOUT;

use flow::next_id;

/// The prefix of a NextId's Redis key: the sequence `tweets` is `nextid:tweets`.
pub const NEXTID_KEY_PREFIX: &str = "nextid:";

/// The sequence a NextId uses unless told otherwise (pottery's default).
pub const DEFAULT_NEXTID_KEY: &str = "current";

/// How many read-and-propose rounds one ID may take before giving up.
///
/// pottery's default is 3, which under ordinary contention fails calls: 4
/// threads drawing 200 IDs each on 3 masters saw 554 "quorum not achieved"
/// errors (Python: 112). With a random pause between rounds (see [`NextId`]) and
/// 20 rounds, a lost round is tried again until it wins; a round lost because the
/// masters failed still ends the call at once (see
/// [`raise_on_redis_errors`](NextIdBuilder::raise_on_redis_errors)).
///
/// ```
/// assert_eq!(pottery::DEFAULT_NUM_TRIES, 20);
/// ```
pub const DEFAULT_NUM_TRIES: u32 = 20;

/// Increasing IDs across threads, processes and machines, without a single
/// point of failure: the algorithm of
/// [antirez's post](http://antirez.com/news/102), wire-compatible with Python
/// pottery 3.0.1's `NextID` and `AIONextID` (they share one sequence).
///
/// Each [`next`](NextId::next) reads the current ID (`GET nextid:<key>`, a
/// missing key is 0) from every master at once and takes the greatest of a
/// quorum (more than half) of the answers; it proposes that plus one to every
/// master, which stores it only if what it holds is smaller; the ID is ours when
/// a quorum stored it. Any two quorums share a master, which never goes back, so
/// no ID is handed out twice, and the IDs one client gets keep increasing. A
/// round lost to a concurrent client is tried again, up to
/// [`num_tries`](NextIdBuilder::num_tries) rounds (20 by default; pottery's 3
/// fails calls under ordinary contention), after a random pause of up to 2 ms,
/// doubling each round up to 50 ms (like Redlock's retries: clients that
/// collided do not collide again in lockstep). Under
/// contention the sequence has holes (1, 2, 6, 10, ...); pottery's author quotes
/// about 5,000 IDs per second with 5 masters.
///
/// Requests to the masters always go out in parallel, in the blocking API too,
/// and a master that does not answer within the
/// [request timeout](NextIdBuilder::request_timeout) (100 ms by default) counts
/// as failed.
///
/// # Deadlines
///
/// [`next`](NextId::next) returns within `num_tries` rounds of two request
/// timeouts each (a read, then a proposal) and the longest pauses between them:
/// 4.76 s by default (20 × 200 ms + 762 ms), reached only when masters keep
/// timing out with `raise_on_redis_errors(false)`; a round decided by quick
/// answers costs a round trip, and too many failed masters end the call after
/// one round by default.
/// [`reset`](NextId::reset) returns within one request timeout. A request
/// timeout of `Duration::MAX` is no limit.
///
/// IDs are stored as plain decimal integers, exact up to `u64::MAX`. pottery's
/// own script stores IDs above ~1e14 in exponent form (`1.2345678901235e+14`,
/// rounded to 14 digits); we read that form as the integer it denotes, and
/// write the next ID as a plain integer again. (pottery compares with Lua
/// doubles: a pottery client sharing a sequence beyond 2^53 may fail to advance
/// it, but never hands out a duplicate.)
///
/// # Errors
///
/// - [`ErrorKind::QuorumNotAchieved`](crate::ErrorKind::QuorumNotAchieved): every round was lost to contention (or
///   to failures of half of the masters or fewer).
/// - [`ErrorKind::QuorumIsImpossible`](crate::ErrorKind::QuorumIsImpossible): more than half of the masters failed or
///   did not answer in time; returned at once, without more rounds (with
///   [`raise_on_redis_errors(false)`](NextIdBuilder::raise_on_redis_errors), as
///   pottery's default, such a round is retried and the error is
///   `QuorumNotAchieved`).
///
/// # Example
///
/// ```
/// # let (a, b, c) = (pottery_testkit::Server::start(), pottery_testkit::Server::start(), pottery_testkit::Server::start());
/// use pottery::{Client, sync::NextId};
///
/// let masters = [&a, &b, &c].map(|s| Client::open(&s.url())).into_iter().collect::<pottery::Result<Vec<_>>>()?;
/// let tweet_ids: NextId = NextId::builder().key("tweet-ids").masters(masters.clone()).build()?;
/// let other: NextId = NextId::builder().key("tweet-ids").masters(masters).build()?;
/// assert_eq!(tweet_ids.key(), "nextid:tweet-ids");
/// assert_eq!(tweet_ids.next()?, 1);
/// assert_eq!(other.next()?, 2);
/// assert_eq!(tweet_ids.next()?, 3);
/// tweet_ids.reset()?;
/// assert_eq!(other.next()?, 1);
/// # Ok::<(), pottery::Error>(())
/// ```
pub struct NextId<M: Mode = Blocking> {
    shared: Arc<Shared>,
    mode: PhantomData<fn() -> M>,
}

/// A generator's settings and masters, shared by its clones.
struct Shared {
    key: Arc<str>,
    masters: Vec<Client>,
    num_tries: u32,
    request_timeout: Duration,
    raise_on_redis_errors: bool,
}

impl<M: Mode> NextId<M> {
    /// The sequence `key` (Redis key `nextid:<key>`) on one master, with the
    /// default settings.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let ids: pottery::sync::NextId = pottery::NextId::new(&client, "tweets");
    /// assert_eq!(ids.key(), "nextid:tweets");
    /// assert_eq!(ids.next()?, 1);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn new(client: &Client, key: &str) -> Self {
        NextId {
            shared: Arc::new(Shared {
                key: format!("{NEXTID_KEY_PREFIX}{key}").into(),
                masters: vec![client.clone()],
                num_tries: DEFAULT_NUM_TRIES,
                request_timeout: DEFAULT_REQUEST_TIMEOUT,
                raise_on_redis_errors: true,
            }),
            mode: PhantomData,
        }
    }

    /// Starts configuring a generator (key `nextid:current` unless
    /// [`key`](NextIdBuilder::key) is given).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let ids = pottery::sync::NextId::builder().master(client).build()?;
    /// assert_eq!(ids.key(), "nextid:current");
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn builder() -> NextIdBuilder<M> {
        NextIdBuilder {
            key: DEFAULT_NEXTID_KEY.to_owned(),
            masters: Vec::new(),
            num_tries: DEFAULT_NUM_TRIES,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            raise_on_redis_errors: true,
            mode: PhantomData,
        }
    }

    /// The Redis key: `nextid:<key>`.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// assert_eq!(pottery::sync::NextId::new(&client, "t").key(), "nextid:t");
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn key(&self) -> &str {
        &self.shared.key
    }

    /// The masters.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// assert_eq!(pottery::sync::NextId::new(&client, "t").masters().len(), 1);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn masters(&self) -> &[Client] {
        &self.shared.masters
    }

    /// How many read-and-propose rounds one ID may take.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// assert_eq!(pottery::sync::NextId::new(&client, "t").num_tries(), 20);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn num_tries(&self) -> u32 {
        self.shared.num_tries
    }

    /// The next ID: greater than every ID handed out before it (by any client
    /// of the sequence), and never handed out again until a
    /// [`reset`](Self::reset). The first is 1.
    ///
    /// Returns `Result<u64>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let ids = pottery::sync::NextId::new(&client, "tweets");
    /// assert_eq!(ids.next()?, 1);
    /// assert_eq!(ids.next()?, 2);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn next(&self) -> M::Output<'static, u64> {
        next_id::<M>(&self.shared)
    }

    /// Starts the sequence over: deletes the key on the masters (a quorum must
    /// answer), so the next ID is 1 again.
    ///
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let ids = pottery::sync::NextId::new(&client, "tweets");
    /// ids.next()?;
    /// ids.reset()?;
    /// assert_eq!(ids.next()?, 1);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn reset(&self) -> M::Output<'static, ()> {
        flow::reset::<M>(&self.shared)
    }
}

#[cfg(feature = "async")]
#[cfg_attr(docsrs, doc(cfg(feature = "async")))]
impl NextId<Async> {
    /// The IDs as an endless stream, one [`next`](Self::next) each (pottery's
    /// `async for id in aionextid`); an error is yielded and the stream goes on.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let client = pottery::Client::open(&server.url())?;
    /// use futures_util::StreamExt;
    /// let ids = pottery::future::NextId::new(&client, "tweets");
    /// let first: Vec<u64> = ids.stream().take(3).map(|id| id.unwrap()).collect().await;
    /// assert_eq!(first, [1, 2, 3]);
    /// # Ok::<(), pottery::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn stream(&self) -> BoxStream<'static, u64> {
        let shared = Arc::clone(&self.shared);
        Box::pin(futures_util::stream::unfold(shared, |shared| async move {
            let id = next_id::<Async>(&shared).await;
            Some((id, shared))
        }))
    }
}

/// The blocking generator is an endless iterator of IDs (pottery's
/// `next(nextid)`); an error is yielded and the iteration goes on.
///
/// ```
/// # let server = pottery_testkit::Server::start();
/// # let client = pottery::Client::open(&server.url())?;
/// let ids = pottery::sync::NextId::new(&client, "tweets");
/// let first: Vec<u64> = ids.take(3).collect::<pottery::Result<_>>()?;
/// assert_eq!(first, [1, 2, 3]);
/// # Ok::<(), pottery::Error>(())
/// ```
impl Iterator for NextId<Blocking> {
    type Item = Result<u64>;

    fn next(&mut self) -> Option<Result<u64>> {
        Some(next_id::<Blocking>(&self.shared))
    }
}

impl<M: Mode> Clone for NextId<M> {
    fn clone(&self) -> Self {
        NextId {
            shared: Arc::clone(&self.shared),
            mode: PhantomData,
        }
    }
}

impl<M: Mode> fmt::Debug for NextId<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NextId")
            .field("key", &self.shared.key)
            .field("masters", &self.shared.masters.len())
            .field("num_tries", &self.shared.num_tries)
            .finish_non_exhaustive()
    }
}
