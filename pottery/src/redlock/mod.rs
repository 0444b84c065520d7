//! Redlock, the distributed lock of redis.io, as Python pottery 3.0.1 runs it.
//!
//! - `mod.rs`: [`Redlock`] and its acquire API (try_acquire, acquire,
//!   acquire_timeout, run), the same in both modes.
//! - `builder.rs`: [`RedlockBuilder`], which checks every setting once.
//! - `flow.rs`: every multi-step flow (acquire with retries, attempt and its
//!   fencing round, extend, release, locked, renewal) written once as a plan,
//!   and the per-master operations; the scripts are `lua/redlock/*.lua`.
//! - `fencing.md`: the Redlock docs' "Fencing" section: how tokens are made,
//!   why they increase, and what must hold.
//! - `handoff.rs` (+ `handoff.md`, the docs' "Hand-off" section): how a
//!   waiting acquire registers for its lock's release message (the
//!   subscriber itself is the client's, `client/subscriber`).
//! - `replicas.rs`: replica acknowledgement
//!   ([`RedlockBuilder::wait_for_replicas`]): the acquire script and `WAIT` in
//!   one pipeline, and what a master's answer counts for.
//! - `status.rs`: [`Redlock::status`] ([`RedlockStatus`]) and the fence
//!   counter's key.
//! - `logic.rs`: the arithmetic and decisions, free of I/O.
//! - `guard.rs`: [`RedlockGuard`], what a hold is, in both modes.
//! - `watchdog.rs`: the optional renewer that keeps a hold alive while its guard
//!   lives, and reports its loss.
//! - `impls.rs`: `Clone` and `Debug`.
//! - `synchronize.rs` (+ `synchronize.md`): [`Synchronized`] and the support of
//!   the `#[synchronize]` macro from `pottery-macros`.

mod builder;
mod flow;
mod guard;
mod handoff;
mod impls;
mod replicas;
mod status;
// `pub(crate)`: NextId spaces its retries with the same random delay.
pub(crate) mod logic;
mod synchronize;
mod watchdog;

use std::marker::PhantomData;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::client::Client;
#[cfg(feature = "async")]
use crate::engine::Async;
use crate::engine::{Blocking, Mode, ModeExt};
#[allow(unused_imports)] // for the docs' links
use crate::error::{Error, Result};

pub use builder::RedlockBuilder;
pub use guard::RedlockGuard;
pub use status::RedlockStatus;
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
/// - [`acquire_timeout`](Redlock::acquire_timeout): attempts until the timeout;
///   between attempts it waits for the holder's release to wake it, or a random
///   `[0, 200 ms)` at most (see [Hand-off](#hand-off)); `None` on timeout.
/// - [`acquire`](Redlock::acquire): attempts as long as it takes.
/// - [`run`](Redlock::run): runs a closure (async: a closure making a future)
///   under the lock.
///
/// Each method has the same name in both modes; blocking it returns a
/// `Result`, async a future of it.
///
/// # Deadlines
///
/// Every call has one deadline, made of the
/// [request timeout](RedlockBuilder::request_timeout) (`rt`) and the call's
/// own wait; it returns by then, whatever the masters do:
///
/// | call | worst case |
/// |---|---|
/// | `try_acquire` | 3 × `rt` (the attempt, the [fencing](#fencing) round, then the release of what a failed attempt got); with [`wait_for_replicas`](RedlockBuilder::wait_for_replicas)`(n, w)`, plus `w` + 200 ms (Redis ends a timed-out `WAIT` up to `1/hz` late) |
/// | `acquire_timeout(t)` | `t` + `try_acquire`'s (the last attempt starts at `t`) |
/// | `acquire` | no limit (each attempt 3 × `rt`) |
/// | `run(f)` | its acquire's, then `f`, then `rt` for the release |
/// | guard's `locked`, `extend`, `release`; `status` | `rt` |
///
/// `Duration::MAX` means no limit, in every setting and argument; zero
/// durations are rejected by [`RedlockBuilder::build`].
///
/// A hold is a [`RedlockGuard`]: it releases with `release()` (`.await`), or
/// when dropped (async: in the background). The guard tells how long the hold remains valid
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
/// past its hold's validity still believes it holds the lock: have the protected
/// resource check the hold's [fencing token](#fencing). Martin Kleppmann's
/// ["How to do distributed locking"](https://martin.kleppmann.com/2016/02/08/how-to-do-distributed-locking.html)
/// makes that case; antirez's ["Is Redlock safe?"](http://antirez.com/news/101)
/// answers that the timing assumptions are reasonable and that the unique token
/// can serve for compare-and-set. For correctness, also make the protected
/// writes conditional on the fencing token (or a consensus system), and
/// check [`valid_until`](RedlockGuard::valid_until) before acting.
/// [`status`](Redlock::status) tells who holds a lock without taking it.
///
/// With one master, Redlock is a plain single-server lock. Masters must be
/// independent (not replicas of each other): failover of a replicated master can
/// lose a hold, unless acquisitions wait for its replicas to acknowledge them
/// ([`RedlockBuilder::wait_for_replicas`]). A master may itself be a Redis Cluster [`Client`]; the lock is
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
///
#[doc = include_str!("fencing.md")]
///
#[doc = include_str!("handoff.md")]
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
    /// The replicas that must acknowledge an acquisition; `None`: no `WAIT`.
    replicas: Option<replicas::Replicas>,
    /// The fence counter, a companion key of `key` (in its cluster slot).
    fence_key: Arc<str>,
    /// The tokens of this lock's live guards (all clones'), for `status`.
    live: Mutex<Vec<Arc<str>>>,
}

/// A hold just acquired: its token, until when it is valid, its fencing
/// token, and the least count of replicas that acknowledged it on a master it
/// counts on (`None`: not asked).
pub(crate) struct Hold {
    token: Arc<str>,
    valid_until: Instant,
    fence: u64,
    replicas: Option<u32>,
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
        let key: Arc<str> = format!("{REDLOCK_KEY_PREFIX}{name}").into();
        Redlock {
            shared: Arc::new(Shared {
                fence_key: status::fence_key(&key),
                live: Mutex::default(),
                key,
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
                replicas: None,
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
        RedlockBuilder::named(name)
    }

    /// The Redis key: `redlock:<name>` (or another prefix: [`RedlockBuilder::key_prefix`]).
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

    /// One attempt to acquire the lock: the hold, or `None` if it is held
    /// elsewhere (or was acquired too slowly to be valid). Blocking:
    /// `Result<Option<RedlockGuard>>`; async: a future of it. Worst case: three
    /// [request timeouts](RedlockBuilder::request_timeout) (the attempt, the
    /// [fencing](Redlock#fencing) round, then the release of what a failed
    /// attempt got).
    ///
    /// Returns `Result<Option<RedlockGuard<M>>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
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
    ///
    /// Async:
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
    pub fn try_acquire(&self) -> M::Output<'_, Option<RedlockGuard<M>>> {
        self.acquiring(Some(Duration::ZERO))
    }

    /// Acquires the lock, waiting as long as it takes. Blocking:
    /// `Result<RedlockGuard>`; async: a future of it. No overall limit; each
    /// attempt takes at most three request timeouts, and fails only as
    /// [`try_acquire`](Self::try_acquire) does.
    ///
    /// Returns `Result<RedlockGuard<M>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let lock = pottery::sync::Redlock::new(&client, "printer");
    /// let guard = lock.acquire()?;
    /// assert!(guard.locked()? > std::time::Duration::from_secs(9));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn acquire(&self) -> M::Output<'_, RedlockGuard<M>> {
        self.acquired(None)
    }

    /// Acquires the lock, waiting up to `timeout`: `None` if it could not (at
    /// least one attempt is made, the last one at the timeout). Blocking:
    /// `Result<Option<RedlockGuard>>`; async: a future of it. Worst case:
    /// `timeout` plus that last attempt (three request timeouts);
    /// `Duration::MAX` waits as long as it takes.
    ///
    /// Returns `Result<Option<RedlockGuard<M>>>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
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
    pub fn acquire_timeout(&self, timeout: Duration) -> M::Output<'_, Option<RedlockGuard<M>>> {
        self.acquiring(Some(timeout))
    }

    /// An acquire waiting up to `wait` (`None`: as long as it takes).
    fn acquiring<'a>(&self, wait: Option<Duration>) -> M::Output<'a, Option<RedlockGuard<M>>> {
        let (plan, deadline) = flow::acquire(&self.shared, wait);
        let shared = Arc::clone(&self.shared);
        let guard = plan.map(move |hold| Ok(hold.map(|hold| RedlockGuard::new(&shared, hold))));
        M::plan(guard, deadline)
    }

    /// [`acquiring`](Self::acquiring), failing with `QuorumNotAchieved` when
    /// the wait ends without the lock.
    fn acquired<'a>(&self, wait: Option<Duration>) -> M::Output<'a, RedlockGuard<M>> {
        let (plan, deadline) = flow::acquire(&self.shared, wait);
        let shared = Arc::clone(&self.shared);
        let guard = plan.map(move |hold| match hold {
            Some(hold) => Ok(RedlockGuard::new(&shared, hold)),
            None => Err(shared.not_achieved()),
        });
        M::plan(guard, deadline)
    }

    /// How `run` acquires: at once, waiting up to the run timeout, or as long
    /// as it takes ([`RedlockBuilder::run_blocking`], [`RedlockBuilder::run_timeout`]).
    fn acquire_for_run<'a>(&self) -> M::Output<'a, RedlockGuard<M>> {
        match (self.shared.run_blocking, self.shared.run_timeout) {
            (false, _) => self.acquired(Some(Duration::ZERO)),
            (true, timeout) => self.acquired(timeout),
        }
    }
}

impl Redlock<Blocking> {
    /// Runs `f` holding the lock, then releases it; pottery's `with redlock:`.
    ///
    /// Acquires as configured by [`RedlockBuilder::run_blocking`] and
    /// [`RedlockBuilder::run_timeout`] (by default waiting as long as it takes);
    /// fails with [`ErrorKind::QuorumNotAchieved`](crate::ErrorKind::QuorumNotAchieved) if it could not. If the hold
    /// expired before `f` returned, `f`'s result is dropped and the error is
    /// [`ErrorKind::ReleaseUnlockedLock`](crate::ErrorKind::ReleaseUnlockedLock): `f` did not run under the lock all
    /// along. If `f` panics, the lock is released as the panic unwinds. The
    /// async form takes a closure that makes a future, and awaits it. Worst
    /// case: the acquire's (three request timeouts for one attempt, the run
    /// timeout plus three request timeouts when waiting), then `f`, then one
    /// request timeout for the release.
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
        let guard = self.acquire_for_run()?;
        let value = f();
        guard.release()?;
        Ok(value)
    }
}

#[cfg(feature = "async")]
#[cfg_attr(docsrs, doc(cfg(feature = "async")))]
impl Redlock<Async> {
    /// Runs the future `f` makes holding the lock, then releases it; pottery's
    /// `async with aioredlock:`. Acquires, fails and takes as long as the
    /// blocking [`run`](Redlock::run) does.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let client = pottery::Client::open(&server.url())?;
    /// let lock = pottery::future::Redlock::new(&client, "shower");
    /// let n = lock.run(|| async { 2 + 2 }).await?;
    /// assert_eq!(n, 4);
    /// # Ok::<(), pottery::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn run<F: Future>(&self, f: impl FnOnce() -> F) -> Result<F::Output> {
        let guard = self.acquire_for_run().await?;
        let value = f().await;
        guard.release().await?;
        Ok(value)
    }
}
