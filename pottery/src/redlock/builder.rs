//! [`RedlockBuilder`]: a lock's masters, durations and options, checked once
//! by [`build`](RedlockBuilder::build).

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use super::logic::{self, LONGEST_HOLD};
use super::{REDLOCK_KEY_PREFIX, Redlock, Shared};
use crate::client::Client;
use crate::engine::{Mode, positive};
use crate::error::{Error, Result};

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
pub struct RedlockBuilder<M: Mode = crate::engine::Blocking> {
    name: String,
    key_prefix: String,
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
    replicas: Option<super::replicas::Replicas>,
    mode: PhantomData<fn() -> M>,
}

impl<M: Mode> RedlockBuilder<M> {
    /// The defaults, for the lock named `name` (see [`Redlock::builder`]).
    pub(super) fn named(name: &str) -> Self {
        RedlockBuilder {
            name: name.to_owned(),
            key_prefix: REDLOCK_KEY_PREFIX.to_owned(),
            masters: Vec::new(),
            auto_release: super::DEFAULT_AUTO_RELEASE_TIME,
            num_extensions: Some(super::DEFAULT_NUM_EXTENSIONS),
            request_timeout: super::DEFAULT_REQUEST_TIMEOUT,
            retry_delay: super::DEFAULT_RETRY_DELAY,
            raise_on_redis_errors: true,
            run_blocking: true,
            run_timeout: None,
            watchdog: None,
            replicas: None,
            mode: PhantomData,
        }
    }

    /// Where the lock's Redis key starts: the key is `prefix` then the name
    /// (default [`REDLOCK_KEY_PREFIX`], `redlock:`, Python pottery's layout,
    /// which its locks of the same name share). For a Redis user that an ACL
    /// limits to some keys (`~app:*`): `key_prefix("app:redlock:")`; an empty
    /// prefix makes the name the whole key.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// let lock: pottery::sync::Redlock = pottery::Redlock::builder("printer")
    ///     .master(pottery::Client::open(&server.url())?)
    ///     .key_prefix("app:redlock:")
    ///     .build()?;
    /// assert_eq!(lock.key(), "app:redlock:printer");
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn key_prefix(mut self, prefix: &str) -> Self {
        prefix.clone_into(&mut self.key_prefix);
        self
    }

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
    /// milliseconds (default 10 s). `Duration::MAX` holds until released (in
    /// Redis: an expiry of 100 years, the longest kept).
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
    /// response timeout (lower that too for masters that may hang). It sets the
    /// worst case of every call: one round (extend, release, locked) or two
    /// (an acquire attempt, which may release what it got). `Duration::MAX`:
    /// no limit; zero is rejected by [`build`](Self::build).
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
    /// random in `[0, delay)` (default 200 ms). Zero is rejected by
    /// [`build`](Self::build) (attempts without a pause would flood the masters).
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
    /// not wait ([`run_blocking(false)`](Self::run_blocking)), or on zero (for a
    /// single attempt, use `run_blocking(false)`). `Duration::MAX`: no limit.
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
    /// [`extend`](crate::RedlockGuard::extend) still works (and counts) as without the
    /// watchdog. A failed renewal is retried sooner (a quarter of the interval)
    /// until the hold's validity runs out; then, or as soon as a quorum of
    /// masters answers that it no longer holds our token, the hold is *lost*:
    /// [`is_lost`](crate::RedlockGuard::is_lost) turns true,
    /// [`wait_lost`](crate::RedlockGuard::wait_lost) returns, and renewing stops. The
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

    /// Makes every acquisition wait until `replicas` replicas of each
    /// granting master have acknowledged it (Redis's `WAIT replicas timeout`,
    /// each master waiting at most `timeout`; default: no waiting), so that a
    /// master's failover to one of them cannot silently drop the hold. For
    /// masters that have replicas: replicated single servers, or a Redis
    /// Cluster [`Client`] as a master (`WAIT` then runs on the master of the
    /// lock key's slot).
    /// [`replicas_acknowledged`](crate::RedlockGuard::replicas_acknowledged)
    /// on the guard tells how many did.
    ///
    /// The `WAIT` goes in the same pipeline as each master's acquire script
    /// (one round trip, on a pooled blocking connection of its own in both
    /// modes: a blocked `WAIT` on the async client's shared connection would
    /// hold up its other requests). The masters still answer in parallel. A
    /// master's request may take the [request timeout](Self::request_timeout)
    /// plus `timeout` plus 200 ms (Redis ends a timed-out `WAIT` up to `1/hz`
    /// late), which every acquire's worst case grows by; the time spent
    /// waiting comes off the hold's validity as any other.
    ///
    /// **When fewer acknowledge:** a master whose replicas fell short does not
    /// count towards the quorum. If the masters that do count are not a
    /// quorum, everything taken is released (the short masters included) and
    /// the attempt fails with [`ErrorKind::NotReplicated`](crate::ErrorKind::NotReplicated)
    /// if it would have succeeded without the check (a quorum granted it):
    /// not "held elsewhere", which would be false and would make `acquire`
    /// wait forever on a lagging replica. With
    /// [`raise_on_redis_errors(false)`](Self::raise_on_redis_errors) such an
    /// attempt merely does not acquire, and a waiting acquire tries again.
    /// An attempt stops waiting once a quorum counts, as without the option:
    /// a master whose `WAIT` is still waiting then (its replicas lag) may keep
    /// its copy of the hold past the release, until it expires, as a slow
    /// master's copy in any Redlock. An attempt that finds the lock held costs
    /// no extra wait while the replicas keep up (`WAIT` answers at once when
    /// they already have the connection's writes); while they lag, it waits too.
    ///
    /// Only the acquisition waits: [`extend`](crate::RedlockGuard::extend),
    /// watchdog renewals and releases do not (a failover right after an
    /// extend may shorten the hold to the expiry it had before, never lose
    /// it while that expiry lasts). Nor does the fencing round's catch-up of
    /// a master restarted empty, which only matters after a restart anyway.
    /// Replication is asynchronous in Redis even with `WAIT`: it makes the
    /// loss of an acknowledged hold on failover unlikely (the promoted
    /// replica is one that has it, if the failover picks the most up to date),
    /// not impossible. Building fails on zero replicas or a zero timeout;
    /// `Duration::MAX` waits without limit.
    ///
    /// ```
    /// # let master = pottery_testkit::Server::start();
    /// # let replica = pottery_testkit::Server::start_replica_of(&master);
    /// use std::time::Duration;
    /// let lock = pottery::sync::Redlock::builder("printer")
    ///     .master(pottery::Client::open(&master.url())?)
    ///     .wait_for_replicas(1, Duration::from_millis(200))
    ///     .build()?;
    /// let guard = lock.acquire()?;
    /// assert_eq!(guard.replicas_acknowledged(), Some(1));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn wait_for_replicas(mut self, replicas: u32, timeout: Duration) -> Self {
        self.replicas = Some(super::replicas::Replicas {
            count: replicas,
            timeout,
        });
        self
    }

    /// The lock; fails with a configuration error ([`ErrorKind::Config`](crate::ErrorKind::Config)) on
    /// no masters, a zero duration (auto-release time under 1 ms, request
    /// timeout, retry delay, run timeout, watchdog interval, replica wait),
    /// zero replicas to wait for, a watchdog
    /// interval not below the auto-release time, or a `run` timeout without
    /// `run` waiting. `Duration::MAX` is allowed anywhere and means no limit
    /// (an auto-release time over 100 years is 100 years).
    ///
    /// ```
    /// let err = pottery::sync::Redlock::builder("printer").build().unwrap_err();
    /// assert_eq!(err.kind(), pottery::ErrorKind::Config);
    /// ```
    pub fn build(self) -> Result<Redlock<M>> {
        if self.masters.is_empty() {
            return Err(Error::config("a Redlock needs at least one master"));
        }
        let auto_release = self.auto_release.min(LONGEST_HOLD);
        let auto_release_ms = u64::try_from(auto_release.as_millis()).unwrap_or(u64::MAX);
        if auto_release_ms == 0 {
            return Err(Error::config("the auto-release time must be at least 1 ms"));
        }
        let auto_release = Duration::from_millis(auto_release_ms);
        positive("the request timeout", self.request_timeout)?;
        positive("the retry delay", self.retry_delay)?;
        if let Some(timeout) = self.run_timeout {
            positive("the run timeout", timeout)?;
            if !self.run_blocking {
                return Err(Error::config(
                    "a run timeout needs run_blocking(true): a single attempt does not wait",
                ));
            }
        }
        let watchdog = match self.watchdog {
            None => None,
            Some(None) => Some(logic::default_interval(auto_release)),
            Some(Some(interval)) if !interval.is_zero() && interval < auto_release => {
                Some(interval)
            }
            Some(Some(_)) => {
                return Err(Error::config(
                    "the watchdog interval must be above zero and below the auto-release time",
                ));
            }
        };
        if let Some(replicas) = self.replicas {
            if replicas.count == 0 {
                return Err(Error::config(
                    "wait_for_replicas needs at least one replica (without, leave it off)",
                ));
            }
            positive("the replica wait timeout", replicas.timeout)?;
        }
        let key: Arc<str> = format!("{}{}", self.key_prefix, self.name).into();
        Ok(Redlock {
            shared: Arc::new(Shared {
                fence_key: super::status::fence_key(&key),
                live: std::sync::Mutex::default(),
                key,
                masters: self.masters,
                auto_release,
                auto_release_ms,
                num_extensions: self.num_extensions,
                request_timeout: self.request_timeout,
                retry_delay: self.retry_delay,
                raise_on_redis_errors: self.raise_on_redis_errors,
                run_blocking: self.run_blocking,
                run_timeout: self.run_timeout,
                watchdog,
                replicas: self.replicas,
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
