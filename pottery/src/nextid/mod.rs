//! NextId: increasing IDs over independent masters, as Python pottery 3.0.1's
//! `NextID`/`AIONextID` make them (<http://antirez.com/news/102>).
//!
//! - `mod.rs`: [`NextId`], its builder, the per-master operations and the
//!   steps (read, propose, reset) written once for both modes.
//! - `algorithm.rs`: the quorum decisions and the reading of stored values,
//!   free of I/O.

mod algorithm;

use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use redis::{Script, Value};

use crate::client::Client;
use crate::decode;
use crate::engine::ModeExt;
use crate::engine::{Async, Blocking, BoxStream, Mode};
use crate::engine::{Deadline, Op, Plan, Request};
use crate::error::{Error, Result};
use crate::redlock::DEFAULT_REQUEST_TIMEOUT;

use algorithm::{Outcome, Tally};

/// The prefix of a NextId's Redis key: the sequence `tweets` is `nextid:tweets`.
pub const NEXTID_KEY_PREFIX: &str = "nextid:";

/// The sequence a NextId uses unless told otherwise (pottery's default).
pub const DEFAULT_NEXTID_KEY: &str = "current";

/// How many read-and-propose rounds one ID may take before giving up
/// (pottery's default).
pub const DEFAULT_NUM_TRIES: u32 = 3;

/// Stores the proposal ARGV[1] (a plain decimal integer) at KEYS[1] if the key
/// is missing or holds a smaller integer; replies 1 if it stored, else 0.
///
/// Values are compared as decimal strings (length, then digits), never as Lua
/// numbers (doubles, exact only up to 2^53): IDs stay exact up to `u64::MAX`,
/// and are stored as plain integers. A stored value in another form, such as
/// the `%.14g` exponent form pottery's own script writes above ~1e14
/// (`1.2345678901235e+14`), is read as the integer it denotes; a value that
/// is no non-negative integer is an error (as it is to pottery's reader).
#[doc(hidden)]
pub const SET_IF_GREATER_LUA: &str = "local function norm(s)
             if string.find(s, '^%d+$') then
                 s = string.gsub(s, '^0+', '')
                 if s == '' then return '0' end
                 return s
             end
             if not string.find(s, '^[%d%.eE%+%-]+$') then return nil end
             local n = tonumber(s)
             if n == nil or n ~= n or n < 0 or n ~= math.floor(n)
                 or n >= 18446744073709551616 then
                 return nil
             end
             return string.format('%.0f', n)
         end
         local proposal = ARGV[1]
         local stored = redis.call('get', KEYS[1])
         if stored then
             local curr = norm(stored)
             if curr == nil then
                 return redis.error_reply('ERR nextid: the stored ID is not a non-negative integer')
             end
             if #curr > #proposal or (#curr == #proposal and curr >= proposal) then
                 return 0
             end
         end
         redis.call('set', KEYS[1], proposal)
         return 1";
static SET_IF_GREATER: LazyLock<Script> = LazyLock::new(|| Script::new(SET_IF_GREATER_LUA));

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
/// [`num_tries`](NextIdBuilder::num_tries) rounds (3 by default). Under
/// contention the sequence has holes (1, 2, 6, 10, ...); pottery's author quotes
/// about 5,000 IDs per second with 5 masters.
///
/// Requests to the masters always go out in parallel, in the blocking API too,
/// and a master that does not answer within the
/// [request timeout](NextIdBuilder::request_timeout) (100 ms by default) counts
/// as failed.
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

/// Settings for a [`NextId`]: its key, masters, tries and timeouts.
///
/// ```
/// # let server = pottery_testkit::Server::start();
/// let ids: pottery::sync::NextId = pottery::NextId::builder()
///     .key("tweets")
///     .master(pottery::Client::open(&server.url())?)
///     .num_tries(5)
///     .build()?;
/// assert_eq!(ids.num_tries(), 5);
/// # Ok::<(), pottery::Error>(())
/// ```
#[must_use]
pub struct NextIdBuilder<M: Mode = Blocking> {
    key: String,
    masters: Vec<Client>,
    num_tries: u32,
    request_timeout: Duration,
    raise_on_redis_errors: bool,
    mode: PhantomData<fn() -> M>,
}

impl<M: Mode> NextIdBuilder<M> {
    /// The sequence's name (Redis key `nextid:<key>`); default `current`.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// let ids = pottery::sync::NextId::builder().key("tweets").master(pottery::Client::open(&server.url())?).build()?;
    /// assert_eq!(ids.key(), "nextid:tweets");
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn key(mut self, key: &str) -> Self {
        key.clone_into(&mut self.key);
        self
    }

    /// Adds a master.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// let b = pottery::sync::NextId::builder().master(pottery::Client::open(&server.url())?);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn master(mut self, client: Client) -> Self {
        self.masters.push(client);
        self
    }

    /// Adds masters.
    ///
    /// ```
    /// # let (a, b) = (pottery_testkit::Server::start(), pottery_testkit::Server::start());
    /// let masters = vec![pottery::Client::open(&a.url())?, pottery::Client::open(&b.url())?];
    /// let ids = pottery::sync::NextId::builder().masters(masters).build()?;
    /// assert_eq!(ids.masters().len(), 2);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn masters(mut self, clients: impl IntoIterator<Item = Client>) -> Self {
        self.masters.extend(clients);
        self
    }

    /// How many read-and-propose rounds one ID may take; at least 1 (default 3).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// let ids = pottery::sync::NextId::builder().master(pottery::Client::open(&server.url())?).num_tries(1).build()?;
    /// assert_eq!(ids.num_tries(), 1);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn num_tries(mut self, tries: u32) -> Self {
        self.num_tries = tries;
        self
    }

    /// How long one master may take to answer one request before it counts as
    /// failed (default 100 ms).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// let ids = pottery::sync::NextId::builder()
    ///     .master(pottery::Client::open(&server.url())?)
    ///     .request_timeout(std::time::Duration::from_millis(50))
    ///     .build()?;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Whether [`next`](NextId::next) and [`reset`](NextId::reset) fail at once
    /// with [`ErrorKind::QuorumIsImpossible`](crate::ErrorKind::QuorumIsImpossible) when more than half of the
    /// masters fail (default `true`); with `false`, as pottery's default, such
    /// a round counts as lost and the error is `QuorumNotAchieved`.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// let ids = pottery::sync::NextId::builder()
    ///     .master(pottery::Client::open(&server.url())?)
    ///     .raise_on_redis_errors(false)
    ///     .build()?;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn raise_on_redis_errors(mut self, raise: bool) -> Self {
        self.raise_on_redis_errors = raise;
        self
    }

    /// The generator; fails on no masters or zero tries.
    ///
    /// ```
    /// assert_eq!(pottery::sync::NextId::builder().build().unwrap_err().kind(), pottery::ErrorKind::Config);
    /// ```
    pub fn build(self) -> Result<NextId<M>> {
        if self.masters.is_empty() {
            return Err(Error::config("a NextId needs at least one master"));
        }
        if self.num_tries == 0 {
            return Err(Error::config("a NextId needs at least one try"));
        }
        Ok(NextId {
            shared: Arc::new(Shared {
                key: format!("{NEXTID_KEY_PREFIX}{}", self.key).into(),
                masters: self.masters,
                num_tries: self.num_tries,
                request_timeout: self.request_timeout,
                raise_on_redis_errors: self.raise_on_redis_errors,
            }),
            mode: PhantomData,
        })
    }
}

impl<M: Mode> fmt::Debug for NextIdBuilder<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NextIdBuilder")
            .field("key", &self.key)
            .field("masters", &self.masters.len())
            .field("num_tries", &self.num_tries)
            .finish_non_exhaustive()
    }
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
    /// assert_eq!(pottery::sync::NextId::new(&client, "t").num_tries(), 3);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn num_tries(&self) -> u32 {
        self.shared.num_tries
    }

    /// The next ID: greater than every ID handed out before it (by any client
    /// of the sequence), and never handed out again until a
    /// [`reset`](Self::reset). The first is 1.
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
        let shared = Arc::clone(&self.shared);
        let n = shared.n();
        let ops = shared.each(|| del_op(&shared.key));
        let deadline = Deadline::after(shared.request_timeout);
        let enough = move |answers: &[Result<()>]| Tally::of(answers, |()| true).decided(n);
        let timeout = shared.request_timeout;
        let plan = Plan::fan_out(ops, timeout, enough, move |answers| {
            Plan::Done(match algorithm::reset_outcome(&answers, n) {
                Outcome::Done(()) => Ok(()),
                Outcome::Impossible if shared.raise_on_redis_errors => {
                    Err(shared.impossible(answers))
                }
                Outcome::Impossible | Outcome::Contended => Err(shared.not_achieved(answers)),
            })
        });
        M::plan(plan, deadline)
    }
}

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

/// `GET nextid:<key>`: the stored ID, 0 when missing.
fn get_op(key: &Arc<str>) -> Op<u64> {
    let mut cmd = redis::cmd("GET");
    cmd.arg(&**key);
    Op::new(
        Arc::clone(key),
        "string",
        cmd,
        |key, reply| match decode::bytes(key, reply)? {
            None => Ok(0),
            Some(raw) => algorithm::parse_id(&raw).ok_or_else(|| {
                Error::decode(key, &raw, "the stored ID is not a non-negative integer")
            }),
        },
    )
}

/// The set-if-greater script: whether this master stored `id`.
fn propose_op(key: &Arc<str>, id: u64) -> Op<bool> {
    let args = [id.to_string().into_bytes()];
    let request = Request::script(&SET_IF_GREATER, &[key.as_bytes()], &args);
    Op::new(Arc::clone(key), "string", request, |key, reply| {
        decode::int(key, "EVALSHA", reply).map(|n| n != 0)
    })
}

/// `DEL nextid:<key>`.
fn del_op(key: &Arc<str>) -> Op<()> {
    let mut cmd = redis::cmd("DEL");
    cmd.arg(&**key);
    Op::new(Arc::clone(key), "string", cmd, |key, reply| match reply {
        Value::Int(_) => Ok(()),
        other => Err(Error::unexpected_reply(key, "DEL", other)),
    })
}

/// One ID, in at most `num_tries` rounds, each within two request timeouts.
fn next_id<M: Mode>(shared: &Arc<Shared>) -> M::Output<'static, u64> {
    let rounds = shared.num_tries.max(1);
    let deadline = Deadline::after(shared.request_timeout.saturating_mul(2 * rounds));
    M::plan(next_plan(shared, shared.num_tries), deadline)
}

/// One ID, in at most `tries` rounds of read then propose.
fn next_plan(shared: &Arc<Shared>, tries: u32) -> Plan<u64> {
    let n = shared.n();
    let reads = shared.each(|| get_op(&shared.key));
    let timeout = shared.request_timeout;
    let enough = move |answers: &[Result<u64>]| Tally::of(answers, |_| true).decided(n);
    let shared = Arc::clone(shared);
    Plan::fan_out(reads, timeout, enough, move |answers| {
        let current = match algorithm::read_outcome(&answers, n) {
            Outcome::Done(current) => current,
            other => {
                let impossible = matches!(other, Outcome::Impossible);
                return shared.lost(impossible, answers, tries);
            }
        };
        let Some(id) = current.checked_add(1) else {
            return Plan::fail(Error::config(format!(
                "the ID sequence at {} is exhausted",
                shared.key
            )));
        };
        let proposals = shared.each(|| propose_op(&shared.key, id));
        let enough = move |answers: &[Result<bool>]| Tally::of(answers, |&set| set).decided(n);
        Plan::fan_out(
            proposals,
            timeout,
            enough,
            move |answers| match algorithm::propose_outcome(&answers, n, id) {
                Outcome::Done(id) => Plan::done(id),
                other => {
                    let impossible = matches!(other, Outcome::Impossible);
                    shared.lost(impossible, answers, tries)
                }
            },
        )
    })
}

impl Shared {
    /// One operation per master, built by `op`.
    fn each<T>(&self, op: impl Fn() -> Op<T>) -> Vec<(Client, Op<T>)> {
        self.masters.iter().map(|m| (m.clone(), op())).collect()
    }

    fn n(&self) -> usize {
        self.masters.len()
    }

    /// After a round without a quorum: fail at once when too many masters
    /// failed (`impossible`, and the caller wants to know), else try again
    /// while tries are left.
    fn lost<T>(
        self: &Arc<Self>,
        impossible: bool,
        answers: Vec<Result<T>>,
        tries: u32,
    ) -> Plan<u64> {
        if impossible && self.raise_on_redis_errors {
            return Plan::fail(self.impossible(answers));
        }
        match tries.checked_sub(1).filter(|&left| left > 0) {
            Some(left) => next_plan(self, left),
            None => Plan::fail(self.not_achieved(answers)),
        }
    }

    /// The `QuorumNotAchieved` error, with the first failure (if any) as its cause.
    fn not_achieved<T>(&self, answers: Vec<Result<T>>) -> Error {
        with_cause(Error::quorum_not_achieved(&self.key, self.n()), answers)
    }

    /// The `QuorumIsImpossible` error, with the first failure as its cause.
    fn impossible<T>(&self, answers: Vec<Result<T>>) -> Error {
        let failed = answers.iter().filter(|a| a.is_err()).count();
        let err = Error::quorum_is_impossible(&self.key, failed, self.n());
        with_cause(err, answers)
    }
}

fn with_cause<T>(err: Error, answers: Vec<Result<T>>) -> Error {
    match answers.into_iter().find_map(Result::err) {
        Some(cause) => err.caused_by(cause),
        None => err,
    }
}
