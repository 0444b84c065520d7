//! A hold on a Redlock: [`RedlockGuard`], one type for both modes. Its
//! operations run the plans of `flow.rs` in the guard's mode; what differs by
//! mode is only where background work runs (the watchdog, a release on drop:
//! a thread or the calling thread when blocking, a task of the runtime when
//! async) and how one waits for a loss.

#[cfg(feature = "async")]
use std::any::TypeId;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::watchdog::{self, Watch};
use super::{Hold, Shared, flow};
#[cfg(feature = "async")]
use crate::engine::Async;
use crate::engine::{Blocking, Deadline, Mode, ModeExt, Plan};
use crate::error::Error;

/// Whether mode `M` is [`Async`]: its guards do their background work on the
/// Tokio runtime. (`Mode` is sealed: `Blocking` and `Async` are all there is;
/// without the `async` feature, only `Blocking`.)
#[cfg_attr(not(feature = "async"), allow(clippy::extra_unused_type_parameters))]
fn on_runtime<M: Mode>() -> bool {
    #[cfg(feature = "async")]
    return TypeId::of::<M>() == TypeId::of::<Async>();
    #[cfg(not(feature = "async"))]
    false
}

/// A hold on a [`Redlock`](crate::Redlock): released by
/// [`release`](Self::release), or when dropped.
///
/// `sync::RedlockGuard` (blocking) and `future::RedlockGuard` (async) are this
/// type; the methods are the same in both, and return `Result<T>` when
/// blocking and a future of it when async (`M::Output`).
///
/// Dropping a guard releases the hold: a blocking guard at once, on the
/// dropping thread; an async guard in the background, on a task of the
/// current Tokio runtime (never blocking it), or at once outside any runtime.
/// A drop cannot return a failed release (the hold then simply expires): it
/// is a warn-level `tracing` event (the `tracing` feature); call
/// [`release`](Self::release) to see the outcome.
///
/// ```
/// # let server = pottery_testkit::Server::start();
/// # let client = pottery::Client::open(&server.url())?;
/// let lock = pottery::sync::Redlock::new(&client, "printer");
/// {
///     let _guard = lock.acquire()?;
///     assert!(lock.try_acquire()?.is_none());
/// } // released here
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
/// let guard: pottery::future::RedlockGuard = lock.acquire().await?;
/// assert!(lock.try_acquire().await?.is_none());
/// guard.release().await?;
/// # Ok::<(), pottery::Error>(())
/// # }).unwrap();
/// ```
///
/// A hold is released once: [`release`](Self::release) takes the guard, so a
/// second release (pottery's `ReleaseUnlockedLock` on the same hold) does not
/// compile:
///
/// ```compile_fail
/// # fn demo(lock: pottery::sync::Redlock) -> pottery::Result<()> {
/// let guard = lock.acquire()?;
/// guard.release()?;
/// guard.release()?; // error: use of moved value
/// # Ok(()) }
/// ```
#[must_use = "the lock is released when the guard is dropped"]
pub struct RedlockGuard<M: Mode = Blocking> {
    shared: Arc<Shared>,
    token: Arc<str>,
    /// The fencing token of this acquisition.
    fence: u64,
    /// The least count of acknowledging replicas (`None`: not asked).
    replicas: Option<u32>,
    /// The validity and loss, shared with the watchdog if there is one.
    watch: Arc<Watch>,
    /// The async watchdog's task, aborted on release and drop.
    task: Option<watchdog::Task>,
    extensions: u32,
    /// Released (or handed to `release`): nothing to do on drop.
    done: bool,
    mode: PhantomData<fn() -> M>,
}

impl<M: Mode> RedlockGuard<M> {
    /// The guard of a hold just acquired; starts the lock's watchdog, if any.
    pub(super) fn new(shared: &Arc<Shared>, hold: Hold) -> Self {
        let watch = Watch::new(hold.valid_until);
        let task = shared.watchdog.and_then(|interval| {
            watchdog::start(shared, &hold.token, &watch, interval, on_runtime::<M>())
        });
        shared.live_tokens().push(Arc::clone(&hold.token));
        RedlockGuard {
            shared: Arc::clone(shared),
            fence: hold.fence,
            replicas: hold.replicas,
            token: hold.token,
            watch,
            task,
            extensions: 0,
            done: false,
            mode: PhantomData,
        }
    }

    /// The lock's Redis key.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let guard = pottery::sync::Redlock::new(&client, "printer").acquire()?;
    /// assert_eq!(guard.key(), "redlock:printer");
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn key(&self) -> &str {
        &self.shared.key
    }

    /// This hold's token: the UUIDv4 stored at the key on the masters.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let guard = pottery::sync::Redlock::new(&client, "printer").acquire()?;
    /// assert_eq!(guard.token().len(), 36);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn token(&self) -> &str {
        &self.token
    }

    /// This acquisition's fencing token: greater than every fencing token
    /// handed out before for this lock's key, by any holder in any process,
    /// under the assumptions of [fencing](crate::Redlock#fencing). Pass it
    /// with every write the lock protects, and have the resource reject a
    /// write whose token is smaller than one it has seen.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let lock = pottery::sync::Redlock::new(&client, "printer");
    /// let first = lock.acquire()?;
    /// let a = first.fencing_token();
    /// first.release()?;
    /// let b = lock.acquire()?.fencing_token();
    /// assert!(b > a);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn fencing_token(&self) -> u64 {
        self.fence
    }

    /// With [`wait_for_replicas`](crate::RedlockBuilder::wait_for_replicas):
    /// how many replicas acknowledged the acquisition, the least over the
    /// masters the hold counts on (each of which had at least the number
    /// asked for; a master may have more). `None` without the option.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let guard = pottery::sync::Redlock::new(&client, "printer").acquire()?;
    /// assert_eq!(guard.replicas_acknowledged(), None);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn replicas_acknowledged(&self) -> Option<u32> {
        self.replicas
    }

    /// Until when the hold is valid by our clock, as of its acquiring or last
    /// extension or [watchdog](crate::RedlockBuilder::watchdog) renewal (drift
    /// and the round trips already taken into account).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let guard = pottery::sync::Redlock::new(&client, "printer").acquire()?;
    /// assert!(guard.valid_until() > std::time::Instant::now());
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn valid_until(&self) -> Instant {
        self.watch.valid_until()
    }

    /// Whether the hold is lost: its validity ran out (not renewed or extended
    /// in time), or the [watchdog](crate::RedlockBuilder::watchdog) heard from
    /// the masters that it is gone. Once lost, always lost. Cheap: no round
    /// trip (an atomic and the clock). Stop the critical section when it
    /// turns true: someone else may hold the lock.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// use std::time::Duration;
    /// let lock = pottery::sync::Redlock::builder("printer")
    ///     .master(client)
    ///     .auto_release_time(Duration::from_millis(200))
    ///     .build()?;
    /// let guard = lock.acquire()?;
    /// assert!(!guard.is_lost());
    /// std::thread::sleep(Duration::from_millis(250)); // no watchdog: expires
    /// assert!(guard.is_lost());
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn is_lost(&self) -> bool {
        self.watch.is_lost()
    }

    /// How much longer we hold the lock, asked of the masters: the least TTL of
    /// a quorum, less drift and the query's time; zero if the hold expired.
    /// Blocking: `Result<Duration>`; async: a future of it. Worst case: the
    /// lock's [request timeout](crate::RedlockBuilder::request_timeout).
    ///
    /// Returns `Result<Duration>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let guard = pottery::sync::Redlock::new(&client, "printer").acquire()?;
    /// let left = guard.locked()?;
    /// assert!(left > std::time::Duration::from_secs(9) && left < std::time::Duration::from_secs(10));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn locked(&self) -> M::Output<'_, Duration> {
        M::plan(flow::locked(&self.shared, &self.token), self.one_round())
    }

    /// Resets the hold to the full auto-release time; fails with
    /// [`ErrorKind::TooManyExtensions`](crate::ErrorKind::TooManyExtensions) past the lock's limit and with
    /// [`ErrorKind::ExtendUnlockedLock`](crate::ErrorKind::ExtendUnlockedLock) if the hold expired. (Watchdog
    /// renewals are not extensions: they do not count against the limit.)
    /// Blocking: `Result<()>`; async: a future of it. Worst case: the lock's
    /// request timeout.
    ///
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let lock = pottery::sync::Redlock::new(&client, "printer");
    /// let mut guard = lock.acquire()?;
    /// for _ in 0..3 {
    ///     guard.extend()?;
    /// }
    /// assert_eq!(guard.extend().unwrap_err().kind(), pottery::ErrorKind::TooManyExtensions);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn extend(&mut self) -> M::Output<'_, ()> {
        if let Some(limit) = self.shared.num_extensions
            && self.extensions >= limit
        {
            return M::ready(Err(Error::too_many_extensions(&self.shared.key, limit)));
        }
        let extended = M::plan(flow::extend(&self.shared, &self.token), self.one_round());
        M::map(extended, |valid_until| {
            self.extensions += 1;
            self.watch.set_valid_until(valid_until);
            Ok(())
        })
    }

    /// Releases the hold; fails with [`ErrorKind::ReleaseUnlockedLock`](crate::ErrorKind::ReleaseUnlockedLock) if it
    /// had expired (then someone else may have held the lock meanwhile).
    /// Blocking: `Result<()>`; async: a future of it (dropped before it
    /// completes, the guard's drop releases in the background instead). Worst
    /// case: the lock's request timeout.
    ///
    /// Returns `Result<()>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let lock = pottery::sync::Redlock::new(&client, "printer");
    /// lock.acquire()?.release()?;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn release(mut self) -> M::Output<'static, ()> {
        self.stop_watchdog();
        let deadline = self.one_round();
        // The plan owns the guard until the release is over: if it is dropped
        // half-way (a cancelled future), the guard's drop releases instead.
        let plan = flow::release(&self.shared, &self.token).then(move |released| {
            self.released();
            Plan::Done(released)
        });
        M::plan(plan, deadline)
    }

    /// Marks the hold released: the drop that follows has nothing to do.
    fn released(&mut self) {
        self.done = true;
    }

    fn one_round(&self) -> Deadline {
        Deadline::after(self.shared.request_timeout)
    }

    /// Stops the watchdog, if any, without waiting for it.
    fn stop_watchdog(&mut self) {
        self.watch.stop();
        let task = self.task.take();
        #[cfg(feature = "async")]
        if let Some(task) = task {
            task.abort();
        }
        #[cfg(not(feature = "async"))]
        let _ = task;
    }
}

impl RedlockGuard<Blocking> {
    /// Waits up to `timeout` for the hold to be [lost](Self::is_lost); whether
    /// it is. `Duration::MAX` waits as long as it takes. A worker thread can
    /// watch for loss while the guard's owner works: share the guard by
    /// reference (e.g. in [`std::thread::scope`]).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// use std::time::Duration;
    /// let lock = pottery::sync::Redlock::builder("printer")
    ///     .master(client.clone())
    ///     .auto_release_time(Duration::from_millis(300))
    ///     .watchdog(true)
    ///     .build()?;
    /// let guard = lock.acquire()?;
    /// assert!(!guard.wait_lost(Duration::from_millis(500))); // renewed meanwhile
    /// // Someone deletes the key: the next renewal finds it gone.
    /// client.with_connection(|c| redis::cmd("DEL").arg(lock.key()).query::<()>(c))?;
    /// assert!(guard.wait_lost(Duration::from_millis(300)));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn wait_lost(&self, timeout: Duration) -> bool {
        self.watch.wait_lost(timeout)
    }
}

#[cfg(feature = "async")]
#[cfg_attr(docsrs, doc(cfg(feature = "async")))]
impl RedlockGuard<Async> {
    /// Resolves when the hold is [lost](Self::is_lost), or after `timeout`:
    /// whether it is lost. `Duration::MAX` waits as long as it takes: race
    /// that against the critical section to stop the work as soon as the lock
    /// may be someone else's. Without a watchdog, the hold is lost at the end
    /// of its validity.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let client = pottery::Client::open(&server.url())?;
    /// use std::time::Duration;
    /// let lock = pottery::future::Redlock::builder("shower")
    ///     .master(client.clone())
    ///     .auto_release_time(Duration::from_millis(300))
    ///     .watchdog(true)
    ///     .build()?;
    /// let guard = lock.acquire().await?;
    /// let work = tokio::time::sleep(Duration::from_millis(700)); // > auto-release time
    /// tokio::select! {
    ///     () = work => {}                 // done, under the lock all along
    ///     _ = guard.wait_lost(Duration::MAX) => panic!("lost"),
    /// }
    /// guard.release().await?;
    /// # Ok::<(), pottery::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn wait_lost(&self, timeout: Duration) -> bool {
        tokio::time::timeout(timeout, self.watch.lost())
            .await
            .is_ok()
    }
}

impl<M: Mode> Drop for RedlockGuard<M> {
    fn drop(&mut self) {
        self.stop_watchdog();
        self.shared
            .live_tokens()
            .retain(|t| !Arc::ptr_eq(t, &self.token));
        if self.done {
            return;
        }
        // A drop has no one to report to: a failure is a warning event, and
        // the hold expires by itself.
        let _key = Arc::clone(&self.shared.key);
        let plan = flow::release(&self.shared, &self.token).then(move |released| {
            if let Err(_err) = &released {
                crate::trace::warn_event!(key = &*_key, error = %_err, "pottery: a dropped Redlock guard was not released");
            }
            Plan::Done(released)
        });
        let deadline = self.one_round();
        // (Without the `async` feature no guard is on a runtime.)
        #[cfg(feature = "async")]
        if on_runtime::<M>()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            let release = Async::plan(plan, deadline);
            runtime.spawn(crate::trace::with_current_subscriber(async move {
                let _ = release.await;
            }));
            return;
        }
        let _ = Blocking::plan(plan, deadline);
    }
}

impl<M: Mode> fmt::Debug for RedlockGuard<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedlockGuard")
            .field("key", &self.shared.key)
            .field("token", &self.token)
            .field("fencing_token", &self.fence)
            .field("replicas_acknowledged", &self.replicas)
            .field("extensions", &self.extensions)
            .field("watchdog", &self.shared.watchdog)
            .field("lost", &self.watch.is_lost())
            .finish_non_exhaustive()
    }
}
