//! Redlock, the distributed lock of redis.io, as Python pottery 3.0.1 runs it.
//!
//! - `mod.rs`: [`Redlock`], its builder, the per-master operations and the
//!   steps (acquire attempt, locked, extend, release) written once for both modes.
//! - `algorithm.rs`: the arithmetic and decisions, free of I/O.
//! - `guard.rs`: [`RedlockGuard`] and [`AsyncRedlockGuard`], what a hold is.
//! - `watchdog.rs`: the optional renewer that keeps a hold alive while its guard
//!   lives, and reports its loss.
//! - `synchronize.rs` (+ `synchronize.md`): [`Synchronized`] and the support of
//!   the `#[synchronize]` macro from `pottery-macros`.

mod algorithm;
mod guard;
mod synchronize;
mod watchdog;

use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use redis::{Script, Value};

use crate::client::Client;
use crate::decode;
use crate::engine::ModeExt;
use crate::engine::{Async, Blocking, Mode};
use crate::engine::{Deadline, Op, Plan, Request};
use crate::error::{Error, Result};

use algorithm::{Decision, Tally};
pub use guard::{AsyncRedlockGuard, RedlockGuard};
pub use synchronize::{Callable, Synchronized, macro_support};

/// The prefix of a Redlock's Redis key: the lock named `printer` is `redlock:printer`.
pub const REDLOCK_KEY_PREFIX: &str = "redlock:";

/// How long a hold lasts unless extended or released (pottery's default).
pub const DEFAULT_AUTO_RELEASE_TIME: Duration = Duration::from_secs(10);

/// How many times a hold may be extended (pottery's default).
pub const DEFAULT_NUM_EXTENSIONS: u32 = 3;

/// How long one master may take to answer one request before it counts as failed.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_millis(100);

/// The longest pause between two attempts of a waiting acquire (pottery's 0.2 s).
pub const DEFAULT_RETRY_DELAY: Duration = Duration::from_millis(200);

/// Replies the remaining TTL in ms if the key holds our token, else 0 (pottery's
/// `_acquired_script`).
static LOCKED: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "if redis.call('get', KEYS[1]) == ARGV[1] then
             local pttl = redis.call('pttl', KEYS[1])
             return (pttl > 0) and pttl or 0
         else
             return 0
         end",
    )
});

/// Resets the TTL to ARGV[2] ms if the key holds our token; replies 1 or 0.
static EXTEND: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "if redis.call('get', KEYS[1]) == ARGV[1] then
             return redis.call('pexpire', KEYS[1], ARGV[2])
         else
             return 0
         end",
    )
});

/// Deletes the key if it holds our token; replies 1 or 0.
static RELEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "if redis.call('get', KEYS[1]) == ARGV[1] then
             return redis.call('del', KEYS[1])
         else
             return 0
         end",
    )
});

/// A distributed lock over any number of independent Redis masters: the
/// [Redlock algorithm](https://redis.io/docs/latest/develop/use/patterns/distributed-locks/),
/// wire-compatible with Python pottery 3.0.1's `Redlock` and `AIORedlock`.
///
/// Acquiring sends `SET redlock:<key> <fresh uuid4> NX PX <auto_release_time>` to
/// every master at once; the lock is ours when more than half of them (a quorum)
/// said yes quickly enough that the hold is still valid: for the auto-release
/// time, less 1% + 2 ms for clock drift, less the time the acquiring took. A
/// failed attempt releases whatever it got. Checking, extending and releasing run
/// small Lua scripts that act only where the key still holds our token, so only
/// the holder can extend or release, and a Python process holding the lock is
/// never disturbed (and vice versa).
///
/// Requests to the masters always go out in parallel, in the blocking API too (a
/// thread each), so one attempt costs about one round trip to the slowest master
/// of the quorum. A master that does not answer within the
/// [request timeout](RedlockBuilder::request_timeout) (100 ms by default) counts
/// as failed and never holds the caller up longer.
///
/// # Acquiring
///
/// - [`try_acquire`](Redlock::try_acquire): one attempt; `None` if the lock is
///   held elsewhere (contention is not an error).
/// - [`acquire_timeout`](Redlock::acquire_timeout): attempts until the timeout,
///   pausing a random `[0, 200 ms)` between attempts; `None` on timeout.
/// - [`acquire`](Redlock::acquire): attempts as long as it takes.
/// - [`run`](Redlock::run) (async: `run_async`): runs a closure under the lock.
///
/// A hold is a guard: [`RedlockGuard`] releases when dropped;
/// [`AsyncRedlockGuard`] releases with `release().await`, or in the background
/// when merely dropped. The guard tells how long the hold remains valid
/// ([`locked`](RedlockGuard::locked)), and extends it
/// ([`extend`](RedlockGuard::extend), at most 3 times by default).
///
/// # Errors
///
/// When more than half of the masters fail or time out, no quorum can be trusted
/// and every operation fails promptly with [`ErrorKind::QuorumIsImpossible`](crate::ErrorKind::QuorumIsImpossible)
/// (pottery's `QuorumIsImpossible`; pottery raises it only with
/// `raise_on_redis_errors=True`, see [`RedlockBuilder::raise_on_redis_errors`]).
/// Extending or releasing a hold that expired fails with
/// [`ErrorKind::ExtendUnlockedLock`](crate::ErrorKind::ExtendUnlockedLock) / [`ErrorKind::ReleaseUnlockedLock`](crate::ErrorKind::ReleaseUnlockedLock).
///
/// # When (not) to use it
///
/// Redlock gives mutual exclusion *for a bounded time* without a single point of
/// failure, assuming processes and Redis servers have clocks that run at about
/// the same rate and pauses shorter than the hold. That is right for efficiency
/// (avoid doing the same work twice, avoid a thundering herd). It is not enough
/// when a violation corrupts data: a process paused (GC, swapping, a frozen VM)
/// past its hold's validity still believes it holds the lock, and Redlock has no
/// fencing token that the protected resource could check. Martin Kleppmann's
/// ["How to do distributed locking"](https://martin.kleppmann.com/2016/02/08/how-to-do-distributed-locking.html)
/// makes that case; antirez's ["Is Redlock safe?"](http://antirez.com/news/101)
/// answers that the timing assumptions are reasonable and that the unique token
/// can serve for compare-and-set. For correctness, also make the protected
/// writes conditional (compare-and-set on a version, or a consensus system), and
/// check [`valid_until`](RedlockGuard::valid_until) before acting.
///
/// With one master, Redlock is a plain single-server lock. Masters must be
/// independent (not replicas of each other): failover of a replicated master can
/// lose a hold. A master may itself be a Redis Cluster [`Client`]; the lock is
/// one key, so it lives on one node of it.
///
/// # Example
///
/// ```
/// # let (a, b, c) = (pottery_testkit::Server::start(), pottery_testkit::Server::start(), pottery_testkit::Server::start());
/// use pottery::{Client, sync::Redlock};
///
/// let masters = [&a, &b, &c].map(|s| Client::open(&s.url())).into_iter().collect::<pottery::Result<Vec<_>>>()?;
/// let printer: Redlock = Redlock::builder("printer").masters(masters).build()?;
/// assert_eq!(printer.key(), "redlock:printer");
///
/// let guard = printer.acquire()?;
/// // Critical section: print.
/// assert!(printer.try_acquire()?.is_none()); // held: not an error
/// guard.release()?;
/// # Ok::<(), pottery::Error>(())
/// ```
pub struct Redlock<M: Mode = Blocking> {
    shared: Arc<Shared>,
    mode: PhantomData<fn() -> M>,
}

/// A lock's settings and masters, shared by its clones and guards.
pub(crate) struct Shared {
    key: Arc<str>,
    masters: Vec<Client>,
    auto_release: Duration,
    auto_release_ms: u64,
    num_extensions: Option<u32>,
    request_timeout: Duration,
    retry_delay: Duration,
    raise_on_redis_errors: bool,
    run_blocking: bool,
    run_timeout: Option<Duration>,
    /// The watchdog's renewal interval; `None`: no watchdog.
    watchdog: Option<Duration>,
}

/// A hold just acquired: its token and until when it is valid.
pub(crate) struct Hold {
    token: Arc<str>,
    valid_until: Instant,
}

/// Settings for a [`Redlock`]: its masters, auto-release time, extension limit,
/// timeouts, and how [`run`](Redlock::run) acquires.
///
/// ```
/// # let server = pottery_testkit::Server::start();
/// use std::time::Duration;
/// let lock: pottery::sync::Redlock = pottery::Redlock::builder("printer")
///     .master(pottery::Client::open(&server.url())?)
///     .auto_release_time(Duration::from_secs(2))
///     .num_extensions(None)
///     .build()?;
/// assert_eq!(lock.auto_release_time(), Duration::from_secs(2));
/// # Ok::<(), pottery::Error>(())
/// ```
#[must_use]
pub struct RedlockBuilder<M: Mode = Blocking> {
    name: String,
    masters: Vec<Client>,
    auto_release: Duration,
    num_extensions: Option<u32>,
    request_timeout: Duration,
    retry_delay: Duration,
    raise_on_redis_errors: bool,
    run_blocking: bool,
    run_timeout: Option<Duration>,
    /// `None`: off; `Some(None)`: on, every third of the auto-release time.
    watchdog: Option<Option<Duration>>,
    mode: PhantomData<fn() -> M>,
}

impl<M: Mode> RedlockBuilder<M> {
    /// Adds a master.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// let b = pottery::sync::Redlock::builder("printer").master(pottery::Client::open(&server.url())?);
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
    /// let lock = pottery::sync::Redlock::builder("printer").masters(masters).build()?;
    /// assert_eq!(lock.masters().len(), 2);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn masters(mut self, clients: impl IntoIterator<Item = Client>) -> Self {
        self.masters.extend(clients);
        self
    }

    /// How long a hold lasts unless extended or released; at least 1 ms, whole
    /// milliseconds (default 10 s).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// let lock = pottery::sync::Redlock::builder("printer")
    ///     .master(pottery::Client::open(&server.url())?)
    ///     .auto_release_time(std::time::Duration::from_millis(200))
    ///     .build()?;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn auto_release_time(mut self, time: Duration) -> Self {
        self.auto_release = time;
        self
    }

    /// How many times one hold may be extended: `Some(n)` (default `Some(3)`, as
    /// pottery) or `None` for no limit.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// let lock = pottery::sync::Redlock::builder("printer")
    ///     .master(pottery::Client::open(&server.url())?)
    ///     .num_extensions(None)
    ///     .build()?;
    /// assert_eq!(lock.num_extensions(), None);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn num_extensions(mut self, limit: Option<u32>) -> Self {
        self.num_extensions = limit;
        self
    }

    /// How long one master may take to answer one request before it counts as
    /// failed (default 100 ms). Keep it well below the auto-release time: a
    /// slower answer leaves little or no validity anyway. A blocking request that
    /// misses it is abandoned to its thread, which ends within the client's
    /// response timeout (lower that too for masters that may hang).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// let lock = pottery::sync::Redlock::builder("printer")
    ///     .master(pottery::Client::open(&server.url())?)
    ///     .request_timeout(std::time::Duration::from_millis(50))
    ///     .build()?;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// The longest pause between attempts of a waiting acquire; each pause is
    /// random in `[0, delay)` (default 200 ms).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// let lock = pottery::sync::Redlock::builder("printer")
    ///     .master(pottery::Client::open(&server.url())?)
    ///     .retry_delay(std::time::Duration::from_millis(20))
    ///     .build()?;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn retry_delay(mut self, delay: Duration) -> Self {
        self.retry_delay = delay;
        self
    }

    /// Whether an operation fails with [`ErrorKind::QuorumIsImpossible`](crate::ErrorKind::QuorumIsImpossible) when
    /// more than half of the masters fail or time out (default `true`). With
    /// `false`, as pottery's default, such an attempt merely does not acquire
    /// (a waiting acquire keeps trying), `locked` reads zero, and extend/release
    /// fail as on an unlocked lock.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// let lock = pottery::sync::Redlock::builder("printer")
    ///     .master(pottery::Client::open(&server.url())?)
    ///     .raise_on_redis_errors(false)
    ///     .build()?;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn raise_on_redis_errors(mut self, raise: bool) -> Self {
        self.raise_on_redis_errors = raise;
        self
    }

    /// Whether [`run`](Redlock::run) waits for the lock (default `true`) or makes
    /// one attempt; pottery's `context_manager_blocking`.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// let lock = pottery::sync::Redlock::builder("printer")
    ///     .master(pottery::Client::open(&server.url())?)
    ///     .run_blocking(false)
    ///     .build()?;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn run_blocking(mut self, blocking: bool) -> Self {
        self.run_blocking = blocking;
        self
    }

    /// How long [`run`](Redlock::run) waits for the lock (default: as long as it
    /// takes); pottery's `context_manager_timeout`. Building fails if `run` does
    /// not wait ([`run_blocking(false)`](Self::run_blocking)).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// let lock = pottery::sync::Redlock::builder("printer")
    ///     .master(pottery::Client::open(&server.url())?)
    ///     .run_timeout(std::time::Duration::from_secs(1))
    ///     .build()?;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn run_timeout(mut self, timeout: Duration) -> Self {
        self.run_timeout = Some(timeout);
        self
    }

    /// Whether guards renew their hold in the background while they live
    /// (default `false`): a *watchdog*, as Redisson's, renewing every third of
    /// the auto-release time. See [`watchdog_interval`](Self::watchdog_interval)
    /// to choose the interval.
    ///
    /// A renewal runs the extend script on every master (one fan-out, each
    /// master allowed the [request timeout](Self::request_timeout)), but it is
    /// not an extension: renewals never count against
    /// [`num_extensions`](Self::num_extensions), and
    /// [`extend`](RedlockGuard::extend) still works (and counts) as without the
    /// watchdog. A failed renewal is retried sooner (a quarter of the interval)
    /// until the hold's validity runs out; then, or as soon as a quorum of
    /// masters answers that it no longer holds our token, the hold is *lost*:
    /// [`is_lost`](RedlockGuard::is_lost) turns true,
    /// [`wait_lost`](RedlockGuard::wait_lost) and the async
    /// [`lost`](AsyncRedlockGuard::lost) return, and renewing stops. The
    /// critical section should then stop: someone else may hold the lock.
    ///
    /// The blocking guard renews on a thread of its own, the async guard on a
    /// task of the Tokio runtime it was acquired on; releasing or dropping the
    /// guard stops it at once (a renewal in flight is abandoned, and can never
    /// recreate a released key).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// use std::time::Duration;
    /// let lock = pottery::sync::Redlock::builder("printer")
    ///     .master(pottery::Client::open(&server.url())?)
    ///     .auto_release_time(Duration::from_millis(300))
    ///     .watchdog(true)
    ///     .build()?;
    /// assert_eq!(lock.watchdog_interval(), Some(Duration::from_millis(100)));
    /// let guard = lock.acquire()?;
    /// std::thread::sleep(Duration::from_millis(700)); // over twice the auto-release time
    /// assert!(!guard.is_lost());
    /// assert!(guard.locked()? > Duration::ZERO);
    /// assert!(lock.try_acquire()?.is_none());
    /// guard.release()?;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn watchdog(mut self, on: bool) -> Self {
        self.watchdog = on.then_some(None);
        self
    }

    /// Turns the [watchdog](Self::watchdog) on, renewing every `interval`;
    /// building fails unless `0 < interval < auto-release time` (keep it well
    /// below: a third or less leaves room to retry a failed renewal).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// use std::time::Duration;
    /// let lock = pottery::sync::Redlock::builder("printer")
    ///     .master(pottery::Client::open(&server.url())?)
    ///     .watchdog_interval(Duration::from_secs(2))
    ///     .build()?;
    /// assert_eq!(lock.watchdog_interval(), Some(Duration::from_secs(2)));
    /// let too_long = pottery::sync::Redlock::builder("printer")
    ///     .master(pottery::Client::open(&server.url())?)
    ///     .watchdog_interval(Duration::from_secs(10))
    ///     .build();
    /// assert_eq!(too_long.unwrap_err().kind(), pottery::ErrorKind::Config);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn watchdog_interval(mut self, interval: Duration) -> Self {
        self.watchdog = Some(Some(interval));
        self
    }

    /// The lock; fails on no masters, an auto-release time under 1 ms, or a
    /// `run` timeout without `run` waiting.
    ///
    /// ```
    /// let err = pottery::sync::Redlock::builder("printer").build().unwrap_err();
    /// assert_eq!(err.kind(), pottery::ErrorKind::Config);
    /// ```
    pub fn build(self) -> Result<Redlock<M>> {
        if self.masters.is_empty() {
            return Err(Error::config("a Redlock needs at least one master"));
        }
        let auto_release_ms = u64::try_from(self.auto_release.as_millis())
            .map_err(|_| Error::config("the auto-release time is too long"))?;
        if auto_release_ms == 0 {
            return Err(Error::config("the auto-release time must be at least 1 ms"));
        }
        if !self.run_blocking && self.run_timeout.is_some() {
            return Err(Error::config(
                "a run timeout needs run_blocking(true): a single attempt does not wait",
            ));
        }
        let auto_release = Duration::from_millis(auto_release_ms);
        let watchdog = match self.watchdog {
            None => None,
            Some(None) => Some(watchdog::default_interval(auto_release)),
            Some(Some(interval)) if !interval.is_zero() && interval < auto_release => {
                Some(interval)
            }
            Some(Some(_)) => {
                return Err(Error::config(
                    "the watchdog interval must be above zero and below the auto-release time",
                ));
            }
        };
        Ok(Redlock {
            shared: Arc::new(Shared {
                key: format!("{REDLOCK_KEY_PREFIX}{}", self.name).into(),
                masters: self.masters,
                auto_release: Duration::from_millis(auto_release_ms),
                auto_release_ms,
                num_extensions: self.num_extensions,
                request_timeout: self.request_timeout,
                retry_delay: self.retry_delay,
                raise_on_redis_errors: self.raise_on_redis_errors,
                run_blocking: self.run_blocking,
                run_timeout: self.run_timeout,
                watchdog,
            }),
            mode: PhantomData,
        })
    }
}

impl<M: Mode> fmt::Debug for RedlockBuilder<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedlockBuilder")
            .field("name", &self.name)
            .field("masters", &self.masters.len())
            .field("auto_release_time", &self.auto_release)
            .finish_non_exhaustive()
    }
}

impl<M: Mode> Redlock<M> {
    /// A lock named `name` (Redis key `redlock:<name>`) on one master, with the
    /// default settings.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let lock: pottery::sync::Redlock = pottery::Redlock::new(&client, "printer");
    /// assert_eq!(lock.key(), "redlock:printer");
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn new(client: &Client, name: &str) -> Self {
        let auto_release_ms = DEFAULT_AUTO_RELEASE_TIME.as_secs() * 1000;
        Redlock {
            shared: Arc::new(Shared {
                key: format!("{REDLOCK_KEY_PREFIX}{name}").into(),
                masters: vec![client.clone()],
                auto_release: DEFAULT_AUTO_RELEASE_TIME,
                auto_release_ms,
                num_extensions: Some(DEFAULT_NUM_EXTENSIONS),
                request_timeout: DEFAULT_REQUEST_TIMEOUT,
                retry_delay: DEFAULT_RETRY_DELAY,
                raise_on_redis_errors: true,
                run_blocking: true,
                run_timeout: None,
                watchdog: None,
            }),
            mode: PhantomData,
        }
    }

    /// Starts configuring a lock named `name` (Redis key `redlock:<name>`).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let lock = pottery::sync::Redlock::builder("printer").master(client).build()?;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn builder(name: &str) -> RedlockBuilder<M> {
        RedlockBuilder {
            name: name.to_owned(),
            masters: Vec::new(),
            auto_release: DEFAULT_AUTO_RELEASE_TIME,
            num_extensions: Some(DEFAULT_NUM_EXTENSIONS),
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            retry_delay: DEFAULT_RETRY_DELAY,
            raise_on_redis_errors: true,
            run_blocking: true,
            run_timeout: None,
            watchdog: None,
            mode: PhantomData,
        }
    }

    /// The Redis key: `redlock:<name>`.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// assert_eq!(pottery::sync::Redlock::new(&client, "printer").key(), "redlock:printer");
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
    /// assert_eq!(pottery::sync::Redlock::new(&client, "printer").masters().len(), 1);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn masters(&self) -> &[Client] {
        &self.shared.masters
    }

    /// How long a hold lasts unless extended or released.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let lock = pottery::sync::Redlock::new(&client, "printer");
    /// assert_eq!(lock.auto_release_time(), pottery::DEFAULT_AUTO_RELEASE_TIME);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn auto_release_time(&self) -> Duration {
        self.shared.auto_release
    }

    /// How many times one hold may be extended (`None`: no limit).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// assert_eq!(pottery::sync::Redlock::new(&client, "printer").num_extensions(), Some(3));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn num_extensions(&self) -> Option<u32> {
        self.shared.num_extensions
    }

    /// The [watchdog](RedlockBuilder::watchdog)'s renewal interval; `None`
    /// without a watchdog (the default).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// assert_eq!(pottery::sync::Redlock::new(&client, "printer").watchdog_interval(), None);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn watchdog_interval(&self) -> Option<Duration> {
        self.shared.watchdog
    }

    /// How the lock is acquired by `run`: at once, waiting up to a timeout, or
    /// waiting as long as it takes.
    fn run_deadline(&self) -> RunWait {
        match (self.shared.run_blocking, self.shared.run_timeout) {
            (false, _) => RunWait::Once,
            (true, None) => RunWait::Forever,
            (true, Some(timeout)) => RunWait::Until(Instant::now() + timeout),
        }
    }
}

/// How `run` acquires.
enum RunWait {
    Once,
    Until(Instant),
    Forever,
}

impl<M: Mode> Clone for Redlock<M> {
    fn clone(&self) -> Self {
        Redlock {
            shared: Arc::clone(&self.shared),
            mode: PhantomData,
        }
    }
}

impl<M: Mode> fmt::Debug for Redlock<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redlock")
            .field("key", &self.shared.key)
            .field("masters", &self.shared.masters.len())
            .field("auto_release_time", &self.shared.auto_release)
            .finish_non_exhaustive()
    }
}

impl Redlock<Blocking> {
    /// One attempt to acquire the lock: the hold, or `None` if it is held
    /// elsewhere (or was acquired too slowly to be valid).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let lock = pottery::sync::Redlock::new(&client, "printer");
    /// let guard = lock.try_acquire()?.expect("free");
    /// assert!(lock.try_acquire()?.is_none());
    /// drop(guard); // releases
    /// assert!(lock.try_acquire()?.is_some());
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn try_acquire(&self) -> Result<Option<RedlockGuard>> {
        Ok(attempt::<Blocking>(&self.shared)?.map(|hold| RedlockGuard::new(&self.shared, hold)))
    }

    /// Acquires the lock, waiting as long as it takes.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let lock = pottery::sync::Redlock::new(&client, "printer");
    /// let guard = lock.acquire()?;
    /// assert!(guard.locked()? > std::time::Duration::from_secs(9));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn acquire(&self) -> Result<RedlockGuard> {
        loop {
            if let Some(guard) = self.acquire_until(None)? {
                return Ok(guard);
            }
        }
    }

    /// Acquires the lock, waiting up to `timeout`: `None` if it could not (at
    /// least one attempt is made, the last one at the timeout).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// use std::time::Duration;
    /// let lock = pottery::sync::Redlock::new(&client, "printer");
    /// let _held = lock.acquire()?;
    /// assert!(lock.acquire_timeout(Duration::from_millis(100))?.is_none());
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn acquire_timeout(&self, timeout: Duration) -> Result<Option<RedlockGuard>> {
        self.acquire_until(Some(Instant::now() + timeout))
    }

    fn acquire_until(&self, deadline: Option<Instant>) -> Result<Option<RedlockGuard>> {
        loop {
            if let Some(hold) = attempt::<Blocking>(&self.shared)? {
                return Ok(Some(RedlockGuard::new(&self.shared, hold)));
            }
            let Some(pause) = self.shared.pause(deadline) else {
                return Ok(None);
            };
            std::thread::sleep(pause);
        }
    }

    /// Runs `f` holding the lock, then releases it; pottery's `with redlock:`.
    ///
    /// Acquires as configured by [`RedlockBuilder::run_blocking`] and
    /// [`RedlockBuilder::run_timeout`] (by default waiting as long as it takes);
    /// fails with [`ErrorKind::QuorumNotAchieved`](crate::ErrorKind::QuorumNotAchieved) if it could not. If the hold
    /// expired before `f` returned, `f`'s result is dropped and the error is
    /// [`ErrorKind::ReleaseUnlockedLock`](crate::ErrorKind::ReleaseUnlockedLock): `f` did not run under the lock all
    /// along. If `f` panics, the lock is released as the panic unwinds.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let lock = pottery::sync::Redlock::new(&client, "printer");
    /// let pages = lock.run(|| 2 + 2)?;
    /// assert_eq!(pages, 4);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn run<R>(&self, f: impl FnOnce() -> R) -> Result<R> {
        let guard = match self.run_deadline() {
            RunWait::Once => self.try_acquire()?,
            RunWait::Until(deadline) => self.acquire_until(Some(deadline))?,
            RunWait::Forever => Some(self.acquire()?),
        };
        let guard = guard.ok_or_else(|| self.shared.not_achieved())?;
        let value = f();
        guard.release()?;
        Ok(value)
    }
}

impl Redlock<Async> {
    /// One attempt to acquire the lock: the hold, or `None` if it is held
    /// elsewhere (or was acquired too slowly to be valid).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let client = pottery::Client::open(&server.url())?;
    /// let lock = pottery::future::Redlock::new(&client, "shower");
    /// let guard = lock.try_acquire().await?.expect("free");
    /// assert!(lock.try_acquire().await?.is_none());
    /// guard.release().await?;
    /// # Ok::<(), pottery::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn try_acquire(&self) -> Result<Option<AsyncRedlockGuard>> {
        let hold = attempt::<Async>(&self.shared).await?;
        Ok(hold.map(|hold| AsyncRedlockGuard::new(&self.shared, hold)))
    }

    /// Acquires the lock, waiting as long as it takes.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let client = pottery::Client::open(&server.url())?;
    /// let lock = pottery::future::Redlock::new(&client, "shower");
    /// let guard = lock.acquire().await?;
    /// guard.release().await?;
    /// # Ok::<(), pottery::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn acquire(&self) -> Result<AsyncRedlockGuard> {
        loop {
            if let Some(guard) = self.acquire_until(None).await? {
                return Ok(guard);
            }
        }
    }

    /// Acquires the lock, waiting up to `timeout`: `None` if it could not (at
    /// least one attempt is made, the last one at the timeout).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let client = pottery::Client::open(&server.url())?;
    /// use std::time::Duration;
    /// let lock = pottery::future::Redlock::new(&client, "shower");
    /// let held = lock.acquire().await?;
    /// assert!(lock.acquire_timeout(Duration::from_millis(100)).await?.is_none());
    /// held.release().await?;
    /// # Ok::<(), pottery::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn acquire_timeout(&self, timeout: Duration) -> Result<Option<AsyncRedlockGuard>> {
        self.acquire_until(Some(Instant::now() + timeout)).await
    }

    async fn acquire_until(&self, deadline: Option<Instant>) -> Result<Option<AsyncRedlockGuard>> {
        loop {
            if let Some(hold) = attempt::<Async>(&self.shared).await? {
                return Ok(Some(AsyncRedlockGuard::new(&self.shared, hold)));
            }
            let Some(pause) = self.shared.pause(deadline) else {
                return Ok(None);
            };
            tokio::time::sleep(pause).await;
        }
    }

    /// Runs the future `f` makes holding the lock, then releases it; pottery's
    /// `async with aioredlock:`. Acquires and fails as the blocking
    /// [`run`](Redlock::run) does.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let client = pottery::Client::open(&server.url())?;
    /// let lock = pottery::future::Redlock::new(&client, "shower");
    /// let n = lock.run_async(|| async { 2 + 2 }).await?;
    /// assert_eq!(n, 4);
    /// # Ok::<(), pottery::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn run_async<F: Future>(&self, f: impl FnOnce() -> F) -> Result<F::Output> {
        let guard = match self.run_deadline() {
            RunWait::Once => self.try_acquire().await?,
            RunWait::Until(deadline) => self.acquire_until(Some(deadline)).await?,
            RunWait::Forever => Some(self.acquire().await?),
        };
        let guard = guard.ok_or_else(|| self.shared.not_achieved())?;
        let value = f().await;
        guard.release().await?;
        Ok(value)
    }
}

impl Shared {
    /// One operation per master, built by `op`.
    fn each<T>(&self, op: impl Fn() -> Op<T>) -> Vec<(Client, Op<T>)> {
        self.masters.iter().map(|m| (m.clone(), op())).collect()
    }

    fn n(&self) -> usize {
        self.masters.len()
    }

    /// The deadline of an attempt: its fan-out, then perhaps a release.
    fn two_rounds(&self) -> Deadline {
        Deadline::after(self.request_timeout.saturating_mul(2))
    }

    /// The pause before the next attempt of an acquire waiting until `deadline`.
    fn pause(&self, deadline: Option<Instant>) -> Option<Duration> {
        let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        let random = uuid::Uuid::new_v4().as_u64_pair().0;
        algorithm::pause(left, algorithm::retry_delay(self.retry_delay, random))
    }

    fn not_achieved(&self) -> Error {
        Error::quorum_not_achieved(&self.key, self.n())
    }

    /// The `QuorumIsImpossible` error, with the first failure as its cause.
    fn impossible<T>(&self, failed: usize, answers: Vec<Result<T>>) -> Error {
        let err = Error::quorum_is_impossible(&self.key, failed, self.n());
        match answers.into_iter().find_map(Result::err) {
            Some(cause) => err.caused_by(cause),
            None => err,
        }
    }

    /// The outcome of an extend or release: a quorum, or the error.
    fn conclude(&self, answers: Vec<Result<bool>>, unlocked: fn(&str) -> Error) -> Result<()> {
        let tally = Tally::of(&answers, |&done| done);
        if tally.has_quorum(self.n()) {
            Ok(())
        } else if self.raise_on_redis_errors && tally.impossible(self.n()) {
            Err(self.impossible(tally.failed, answers))
        } else {
            Err(unlocked(&self.key))
        }
    }
}

/// `SET key token NX PX ms`: whether this master took our hold.
fn acquire_op(key: &Arc<str>, token: &str, ms: u64) -> Op<bool> {
    let mut cmd = redis::cmd("SET");
    cmd.arg(&**key).arg(token).arg("NX").arg("PX").arg(ms);
    Op::new(Arc::clone(key), "string", cmd, |key, reply| match reply {
        Value::Okay => Ok(true),
        Value::SimpleString(s) if s == "OK" => Ok(true),
        Value::Nil => Ok(false),
        other => Err(Error::unexpected_reply(key, "SET", other)),
    })
}

/// One of the three token-checking scripts; its integer reply read by `read`.
fn script_op<T: 'static>(
    script: &'static Script,
    key: &Arc<str>,
    args: &[&[u8]],
    read: fn(i64) -> T,
) -> Op<T> {
    let args: Vec<Vec<u8>> = args.iter().map(|a| a.to_vec()).collect();
    let request = Request::script(script, &[key.as_bytes()], &args);
    Op::new(Arc::clone(key), "string", request, move |key, reply| {
        decode::int(key, "EVALSHA", reply).map(read)
    })
}

fn release_op(key: &Arc<str>, token: &str) -> Op<bool> {
    script_op(&RELEASE, key, &[token.as_bytes()], |n| n != 0)
}

fn extend_op(key: &Arc<str>, token: &str, ms: u64) -> Op<bool> {
    let ms = ms.to_string();
    script_op(&EXTEND, key, &[token.as_bytes(), ms.as_bytes()], |n| n != 0)
}

fn locked_op(key: &Arc<str>, token: &str) -> Op<u64> {
    script_op(&LOCKED, key, &[token.as_bytes()], |ms| {
        u64::try_from(ms).unwrap_or(0)
    })
}

/// One acquire attempt with a fresh token: the hold if a quorum took it in
/// time; otherwise whatever was taken is released first.
fn attempt<M: Mode>(shared: &Arc<Shared>) -> M::Output<'static, Option<Hold>> {
    M::plan(attempt_plan(shared), shared.two_rounds())
}

fn attempt_plan(shared: &Arc<Shared>) -> Plan<Option<Hold>> {
    let token: Arc<str> = uuid::Uuid::new_v4().to_string().into();
    let start = Instant::now();
    let n = shared.n();
    let ops = shared.each(|| acquire_op(&shared.key, &token, shared.auto_release_ms));
    let enough = move |answers: &[Result<bool>]| Tally::of(answers, |&taken| taken).decided(n);
    let shared = Arc::clone(shared);
    Plan::fan_out(ops, shared.request_timeout, enough, move |answers| {
        let tally = Tally::of(&answers, |&taken| taken);
        let decision = algorithm::acquire_decision(
            &tally,
            n,
            shared.auto_release,
            start.elapsed(),
            shared.raise_on_redis_errors,
        );
        let outcome = match decision {
            Decision::Acquired(valid) => {
                let valid_until = start + valid;
                return Plan::done(Some(Hold { token, valid_until }));
            }
            Decision::NotAcquired => Ok(None),
            Decision::Impossible => Err(shared.impossible(tally.failed, answers)),
        };
        if !algorithm::must_release(&tally, n) {
            return Plan::Done(outcome);
        }
        // Errors of this clean-up change nothing: the attempt failed already.
        release_all(&shared, &token).then(move |_| Plan::Done(outcome))
    })
}

/// The release script on every master, each answer awaited (up to the timeout).
fn release_all(shared: &Shared, token: &str) -> Plan<Vec<Result<bool>>> {
    let ops = shared.each(|| release_op(&shared.key, token));
    Plan::fan_out(ops, shared.request_timeout, |_| false, Plan::done)
}

/// Releases the hold of `token`.
pub(crate) fn release<M: Mode>(shared: &Arc<Shared>, token: &str) -> M::Output<'static, ()> {
    let shared_ = Arc::clone(shared);
    let plan = release_all(shared, token).and_then(move |answers| {
        Plan::Done(shared_.conclude(answers, Error::release_unlocked_lock))
    });
    M::plan(plan, Deadline::after(shared.request_timeout))
}

/// Resets the hold of `token` to the full auto-release time: until when it is
/// now valid.
pub(crate) fn extend<M: Mode>(shared: &Arc<Shared>, token: &str) -> M::Output<'static, Instant> {
    let start = Instant::now();
    let n = shared.n();
    let ops = shared.each(|| extend_op(&shared.key, token, shared.auto_release_ms));
    let enough = move |answers: &[Result<bool>]| Tally::of(answers, |&done| done).decided(n);
    let shared_ = Arc::clone(shared);
    let plan = Plan::fan_out(ops, shared.request_timeout, enough, move |answers| {
        let auto = shared_.auto_release;
        let valid = algorithm::validity(auto, auto, start.elapsed()).unwrap_or_default();
        Plan::Done(
            shared_
                .conclude(answers, Error::extend_unlocked_lock)
                .map(|()| start + valid),
        )
    });
    M::plan(plan, Deadline::after(shared.request_timeout))
}

/// How much longer the hold of `token` is valid; zero when it is not held.
pub(crate) fn locked<M: Mode>(shared: &Arc<Shared>, token: &str) -> M::Output<'static, Duration> {
    let start = Instant::now();
    let n = shared.n();
    let ops = shared.each(|| locked_op(&shared.key, token));
    let enough = move |answers: &[Result<u64>]| Tally::of(answers, |&ttl| ttl > 0).decided(n);
    let shared_ = Arc::clone(shared);
    let plan = Plan::fan_out(ops, shared.request_timeout, enough, move |answers| {
        let tally = Tally::of(&answers, |&ttl| ttl > 0);
        if !tally.has_quorum(n) && shared_.raise_on_redis_errors && tally.impossible(n) {
            return Plan::fail(shared_.impossible(tally.failed, answers));
        }
        let ttls: Vec<u64> = answers
            .iter()
            .filter_map(|a| a.as_ref().ok().copied())
            .collect();
        Plan::done(algorithm::locked_validity(
            &ttls,
            n,
            shared_.auto_release,
            start.elapsed(),
        ))
    });
    M::plan(plan, Deadline::after(shared.request_timeout))
}
