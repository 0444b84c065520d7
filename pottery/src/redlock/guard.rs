//! A hold on a Redlock: [`RedlockGuard`] (blocking, releases on drop) and
//! [`AsyncRedlockGuard`] (releases with `release().await`, or in the background
//! when dropped). Both run the steps of `mod.rs`, with their own mode, and
//! start the lock's watchdog (`watchdog.rs`) if it has one.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::watchdog::{self, Watch};
use super::{Hold, Shared};
use crate::engine::{Async, Blocking};
use crate::error::{Error, Result};

/// What both guards hold: the lock, the token and the hold's state.
struct Held {
    shared: Arc<Shared>,
    token: Arc<str>,
    /// The validity and loss, shared with the watchdog if there is one.
    watch: Arc<Watch>,
    /// The async watchdog's task, aborted on release and drop.
    task: Option<tokio::task::JoinHandle<()>>,
    extensions: u32,
    /// Released (or handed to `release`): nothing to do on drop.
    done: bool,
}

impl Held {
    fn new(shared: &Arc<Shared>, hold: Hold) -> Self {
        Held {
            shared: Arc::clone(shared),
            token: hold.token,
            watch: Watch::new(hold.valid_until),
            task: None,
            extensions: 0,
            done: false,
        }
    }

    /// Starts the watchdog on a thread, if the lock has one.
    fn watch_on_thread(&self) {
        if let Some(interval) = self.shared.watchdog {
            // If no thread can be started, the hold is reported lost at the
            // end of its validity: never silently unrenewed.
            let _ = watchdog::run_thread(&self.shared, &self.token, &self.watch, interval);
        }
    }

    /// Stops the watchdog, if any, without waiting for it.
    fn stop_watchdog(&mut self) {
        self.watch.stop();
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }

    /// Fails if the hold may not be extended once more.
    fn check_extension(&self) -> Result<()> {
        match self.shared.num_extensions {
            Some(limit) if self.extensions >= limit => {
                Err(Error::too_many_extensions(&self.shared.key, limit))
            }
            _ => Ok(()),
        }
    }

    fn extended(&mut self, valid_until: Instant) {
        self.extensions += 1;
        self.watch.set_valid_until(valid_until);
    }

    fn debug(&self, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(name)
            .field("key", &self.shared.key)
            .field("token", &self.token)
            .field("extensions", &self.extensions)
            .field("watchdog", &self.shared.watchdog)
            .field("lost", &self.watch.is_lost())
            .finish_non_exhaustive()
    }
}

/// A hold on a blocking [`Redlock`](crate::Redlock); releases it when dropped.
///
/// Dropping ignores a failed release (the hold then simply expires); call
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
pub struct RedlockGuard {
    held: Held,
}

impl RedlockGuard {
    pub(super) fn new(shared: &Arc<Shared>, hold: Hold) -> Self {
        let held = Held::new(shared, hold);
        held.watch_on_thread();
        RedlockGuard { held }
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
        &self.held.shared.key
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
        &self.held.token
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
        self.held.watch.valid_until()
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
        self.held.watch.is_lost()
    }

    /// Waits up to `timeout` for the hold to be [lost](Self::is_lost); whether
    /// it is. A worker thread can watch for loss while the guard's owner works:
    /// share the guard by reference (e.g. in [`std::thread::scope`]).
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
        self.held.watch.wait_lost(timeout)
    }

    /// How much longer we hold the lock, asked of the masters: the least TTL of
    /// a quorum, less drift and the query's time; zero if the hold expired.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let guard = pottery::sync::Redlock::new(&client, "printer").acquire()?;
    /// let left = guard.locked()?;
    /// assert!(left > std::time::Duration::from_secs(9) && left < std::time::Duration::from_secs(10));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn locked(&self) -> Result<Duration> {
        super::locked::<Blocking>(&self.held.shared, &self.held.token)
    }

    /// Resets the hold to the full auto-release time; fails with
    /// [`ErrorKind::TooManyExtensions`](crate::ErrorKind::TooManyExtensions) past the lock's limit and with
    /// [`ErrorKind::ExtendUnlockedLock`](crate::ErrorKind::ExtendUnlockedLock) if the hold expired. (Watchdog
    /// renewals are not extensions: they do not count against the limit.)
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
    pub fn extend(&mut self) -> Result<()> {
        self.held.check_extension()?;
        let valid_until = super::extend::<Blocking>(&self.held.shared, &self.held.token)?;
        self.held.extended(valid_until);
        Ok(())
    }

    /// Releases the hold; fails with [`ErrorKind::ReleaseUnlockedLock`](crate::ErrorKind::ReleaseUnlockedLock) if it
    /// had expired (then someone else may have held the lock meanwhile).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let lock = pottery::sync::Redlock::new(&client, "printer");
    /// lock.acquire()?.release()?;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn release(mut self) -> Result<()> {
        self.held.done = true;
        self.held.stop_watchdog();
        super::release::<Blocking>(&self.held.shared, &self.held.token)
    }
}

impl Drop for RedlockGuard {
    fn drop(&mut self) {
        self.held.stop_watchdog();
        if !self.held.done {
            // No one to report to: a hold that cannot be released expires.
            let _ = super::release::<Blocking>(&self.held.shared, &self.held.token);
        }
    }
}

impl fmt::Debug for RedlockGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.held.debug("RedlockGuard", f)
    }
}

/// A hold on an async [`Redlock`](crate::Redlock); release it with
/// [`release`](Self::release)`.await`.
///
/// A guard merely dropped releases in the background: on a task of the current
/// Tokio runtime (never blocking it), or, outside any runtime, at once on the
/// dropping thread. Errors of such a release are ignored (the hold expires).
///
/// ```
/// # let server = pottery_testkit::Server::start();
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// # let client = pottery::Client::open(&server.url())?;
/// let lock = pottery::future::Redlock::new(&client, "shower");
/// let guard = lock.acquire().await?;
/// assert!(lock.try_acquire().await?.is_none());
/// guard.release().await?;
/// # Ok::<(), pottery::Error>(())
/// # }).unwrap();
/// ```
#[must_use = "the lock is released in the background when the guard is dropped"]
pub struct AsyncRedlockGuard {
    held: Held,
}

impl AsyncRedlockGuard {
    pub(super) fn new(shared: &Arc<Shared>, hold: Hold) -> Self {
        let mut held = Held::new(shared, hold);
        if let Some(interval) = shared.watchdog {
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                let run = watchdog::run_task(
                    Arc::clone(shared),
                    Arc::clone(&held.token),
                    Arc::clone(&held.watch),
                    interval,
                );
                held.task = Some(runtime.spawn(run));
            } else {
                // Polled outside Tokio: renew on a thread instead.
                held.watch_on_thread();
            }
        }
        AsyncRedlockGuard { held }
    }

    /// The lock's Redis key.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let client = pottery::Client::open(&server.url())?;
    /// let guard = pottery::future::Redlock::new(&client, "shower").acquire().await?;
    /// assert_eq!(guard.key(), "redlock:shower");
    /// # Ok::<(), pottery::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn key(&self) -> &str {
        &self.held.shared.key
    }

    /// This hold's token: the UUIDv4 stored at the key on the masters.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let client = pottery::Client::open(&server.url())?;
    /// let guard = pottery::future::Redlock::new(&client, "shower").acquire().await?;
    /// assert_eq!(guard.token().len(), 36);
    /// # Ok::<(), pottery::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn token(&self) -> &str {
        &self.held.token
    }

    /// Until when the hold is valid by our clock, as of its acquiring or last
    /// extension or [watchdog](crate::RedlockBuilder::watchdog) renewal.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let client = pottery::Client::open(&server.url())?;
    /// let guard = pottery::future::Redlock::new(&client, "shower").acquire().await?;
    /// assert!(guard.valid_until() > std::time::Instant::now());
    /// # Ok::<(), pottery::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn valid_until(&self) -> Instant {
        self.held.watch.valid_until()
    }

    /// Whether the hold is lost: its validity ran out (not renewed or extended
    /// in time), or the [watchdog](crate::RedlockBuilder::watchdog) heard from
    /// the masters that it is gone. Once lost, always lost. Cheap: no round
    /// trip.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let client = pottery::Client::open(&server.url())?;
    /// let guard = pottery::future::Redlock::new(&client, "shower").acquire().await?;
    /// assert!(!guard.is_lost());
    /// # Ok::<(), pottery::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn is_lost(&self) -> bool {
        self.held.watch.is_lost()
    }

    /// Resolves when the hold is [lost](Self::is_lost): race it against the
    /// critical section to stop the work as soon as the lock may be someone
    /// else's. Without a watchdog, it resolves at the end of the validity.
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
    ///     () = guard.lost() => panic!("lost"),
    /// }
    /// guard.release().await?;
    /// # Ok::<(), pottery::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn lost(&self) {
        self.held.watch.lost().await;
    }

    /// How much longer we hold the lock, asked of the masters; zero if the
    /// hold expired.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let client = pottery::Client::open(&server.url())?;
    /// let guard = pottery::future::Redlock::new(&client, "shower").acquire().await?;
    /// assert!(guard.locked().await? > std::time::Duration::from_secs(9));
    /// # Ok::<(), pottery::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn locked(&self) -> Result<Duration> {
        super::locked::<Async>(&self.held.shared, &self.held.token).await
    }

    /// Resets the hold to the full auto-release time; fails past the lock's
    /// extension limit or if the hold expired. (Watchdog renewals are not
    /// extensions: they do not count against the limit.)
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let client = pottery::Client::open(&server.url())?;
    /// let mut guard = pottery::future::Redlock::new(&client, "shower").acquire().await?;
    /// guard.extend().await?;
    /// # Ok::<(), pottery::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn extend(&mut self) -> Result<()> {
        self.held.check_extension()?;
        let valid_until = super::extend::<Async>(&self.held.shared, &self.held.token).await?;
        self.held.extended(valid_until);
        Ok(())
    }

    /// Releases the hold; fails with [`ErrorKind::ReleaseUnlockedLock`](crate::ErrorKind::ReleaseUnlockedLock) if it
    /// had expired. If this future is dropped before it completes, the guard's
    /// drop releases in the background instead.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let client = pottery::Client::open(&server.url())?;
    /// pottery::future::Redlock::new(&client, "shower").acquire().await?.release().await?;
    /// # Ok::<(), pottery::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn release(mut self) -> Result<()> {
        self.held.stop_watchdog();
        let released = super::release::<Async>(&self.held.shared, &self.held.token).await;
        self.held.done = true;
        released
    }
}

impl Drop for AsyncRedlockGuard {
    fn drop(&mut self) {
        self.held.stop_watchdog();
        if self.held.done {
            return;
        }
        let (shared, token) = (Arc::clone(&self.held.shared), Arc::clone(&self.held.token));
        // Errors are ignored: a drop has no one to report to, the hold expires.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let _ = super::release::<Async>(&shared, &token).await;
            });
        } else {
            let _ = super::release::<Blocking>(&shared, &token);
        }
    }
}

impl fmt::Debug for AsyncRedlockGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.held.debug("AsyncRedlockGuard", f)
    }
}
