//! The watchdog: renews a hold in the background while its guard lives, and
//! tells the holder when the hold is lost.
//!
//! A renewal is the extend script on every master (one fan-out, each master
//! allowed the request timeout), like `extend`, but it is not an extension: it
//! never counts against the lock's `num_extensions`.
//!
//! The renewal loop is one plan ([`renewals`]: wait, renew, decide, again) over
//! the pure decisions of `logic.rs` ([`step`], [`after`]); two thin runners
//! start it: a task of the guard's Tokio runtime (aborted on stop), or a thread
//! whose pauses end early on stop ([`on_thread`]).
//!
//! "Lost" means: the hold is no longer known to be ours. It is sticky, and it
//! happens when the validity of the last acquire/renewal runs out before a
//! renewal succeeds (masters down or too slow), or when a renewal hears from the
//! masters that a quorum no longer holds our token (it expired, or was deleted).
//! The guard's [`Watch::is_lost`] also reads the clock, so it turns true at the
//! end of the validity even if the renewer is late (a blocked thread, a busy
//! runtime, a renewer that could not be started).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::Shared;
use super::flow;
use super::logic::{Renewal, Step, after, later, step};
#[cfg(feature = "async")]
use crate::engine::{Async, ModeExt};
use crate::engine::{Deadline, Plan};

/// What a guard and its renewer share: the validity, the loss, the stop signal.
pub(crate) struct Watch {
    /// The origin of `valid_until_ns`.
    base: Instant,
    /// Until when the hold is valid, in ns since `base` (only moves forward).
    valid_until_ns: AtomicU64,
    lost: AtomicBool,
    /// Set when the guard is released or dropped; guarded for the condvar.
    stopped: Mutex<bool>,
    /// Wakes the blocking renewer (stop) and `wait_lost` callers (loss).
    wake: Condvar,
    /// `true` once lost, for async waiters.
    #[cfg(feature = "async")]
    lost_tx: tokio::sync::watch::Sender<bool>,
}

impl Watch {
    pub(crate) fn new(valid_until: Instant) -> Arc<Watch> {
        let watch = Watch {
            base: Instant::now(),
            valid_until_ns: AtomicU64::new(0),
            lost: AtomicBool::new(false),
            stopped: Mutex::new(false),
            wake: Condvar::new(),
            #[cfg(feature = "async")]
            lost_tx: tokio::sync::watch::Sender::new(false),
        };
        watch.set_valid_until(valid_until);
        Arc::new(watch)
    }

    /// Until when the hold is valid, as of the last acquire, extension or renewal.
    pub(crate) fn valid_until(&self) -> Instant {
        later(
            self.base,
            Duration::from_nanos(self.valid_until_ns.load(Ordering::Acquire)),
        )
    }

    /// Moves the validity forward to `valid_until` (never back).
    pub(crate) fn set_valid_until(&self, valid_until: Instant) {
        let ns = valid_until.saturating_duration_since(self.base).as_nanos();
        let ns = u64::try_from(ns).unwrap_or(u64::MAX);
        self.valid_until_ns.fetch_max(ns, Ordering::AcqRel);
    }

    /// Whether the hold is lost: marked so, or its validity has run out.
    pub(crate) fn is_lost(&self) -> bool {
        self.lost.load(Ordering::Acquire) || Instant::now() >= self.valid_until()
    }

    fn state(&self) -> MutexGuard<'_, bool> {
        // A poisoned flag is still a flag.
        self.stopped.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn is_stopped(&self) -> bool {
        *self.state()
    }

    /// Marks the hold lost and wakes everyone waiting for that.
    fn mark_lost(&self) {
        let stopped = self.state();
        self.lost.store(true, Ordering::Release);
        #[cfg(feature = "async")]
        self.lost_tx.send_replace(true);
        self.wake.notify_all();
        drop(stopped);
    }

    /// Stops the renewer (the guard is being released or dropped). Never waits
    /// for a renewal in flight: its thread or task ends on its own.
    pub(crate) fn stop(&self) {
        let mut stopped = self.state();
        *stopped = true;
        self.wake.notify_all();
    }

    /// Sleeps `pause`, or until the stop signal; `true` if stopped.
    fn sleep(&self, pause: Duration) -> bool {
        let until = Deadline::after(pause);
        let mut stopped = self.state();
        loop {
            if *stopped {
                return true;
            }
            let left = until.cap(pause);
            if left.is_zero() {
                return false;
            }
            stopped = match self.wake.wait_timeout(stopped, left) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }

    /// Waits until the hold is lost or `timeout` passes; whether it is lost.
    /// `Duration::MAX` waits as long as it takes.
    pub(crate) fn wait_lost(&self, timeout: Duration) -> bool {
        let deadline = Deadline::after(timeout);
        let mut state = self.state();
        loop {
            if self.is_lost() {
                return true;
            }
            if deadline.expired() {
                return false;
            }
            // Wake at the end of the validity too: it may pass unmarked.
            let to_end = self.valid_until().saturating_duration_since(Instant::now());
            let left = deadline.cap(to_end);
            state = match self
                .wake
                .wait_timeout(state, left.max(Duration::from_micros(100)))
            {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }

    /// Resolves when the hold is lost.
    #[cfg(feature = "async")]
    pub(crate) async fn lost(&self) {
        let mut marked = self.lost_tx.subscribe();
        loop {
            if self.is_lost() {
                return;
            }
            let until = tokio::time::Instant::from_std(self.valid_until());
            tokio::select! {
                _ = marked.wait_for(|&lost| lost) => {}
                () = tokio::time::sleep_until(until) => {}
            }
        }
    }
}

/// A renewer running as a task of a Tokio runtime (aborted on stop); there is
/// none without the `async` feature.
#[cfg(feature = "async")]
pub(crate) type Task = tokio::task::JoinHandle<()>;
/// A renewer running as a task of a Tokio runtime (aborted on stop); there is
/// none without the `async` feature.
#[cfg(not(feature = "async"))]
pub(crate) type Task = std::convert::Infallible;

/// Starts renewing the hold of `token` every `interval`: on a task of the
/// current Tokio runtime if `on_runtime` and there is one (the handle, for the
/// guard to abort), else on a thread. If no thread can be started, the hold is
/// reported lost at the end of its validity: never silently unrenewed.
pub(crate) fn start(
    shared: &Arc<Shared>,
    token: &Arc<str>,
    watch: &Arc<Watch>,
    interval: Duration,
    on_runtime: bool,
) -> Option<Task> {
    let due = later(Instant::now(), interval);
    let plan = renewals(
        Arc::clone(shared),
        Arc::clone(token),
        Arc::clone(watch),
        interval,
        due,
    );
    #[cfg(feature = "async")]
    if on_runtime && let Ok(runtime) = tokio::runtime::Handle::try_current() {
        // Renewals never end on their own account: no deadline.
        let run = Async::plan(plan, Deadline::NONE);
        return Some(
            runtime.spawn(crate::trace::with_current_subscriber(async move {
                let _ = run.await;
            })),
        );
    }
    // (Without the `async` feature no guard is on a runtime.)
    let _ = on_runtime;
    let watch = Arc::clone(watch);
    let carry = crate::trace::Carry::current();
    let _ = std::thread::Builder::new()
        .name("pottery-redlock-watchdog".to_owned())
        .spawn(move || carry.run(|| on_thread(plan, &watch)));
    None
}

/// The renewal loop from now on, the next renewal `due` then: wait, renew,
/// decide, again, until the guard stops it or the hold is lost.
fn renewals(
    shared: Arc<Shared>,
    token: Arc<str>,
    watch: Arc<Watch>,
    interval: Duration,
    due: Instant,
) -> Plan<()> {
    if watch.is_stopped() {
        return Plan::done(());
    }
    let now = Instant::now();
    match step(now, watch.valid_until(), due) {
        Step::Wait(until) => Plan::sleep(until.saturating_duration_since(now), move || {
            renewals(shared, token, watch, interval, due)
        }),
        Step::Lost => {
            watch.mark_lost();
            Plan::done(())
        }
        Step::Renew => flow::renew(&shared, &token).then(move |outcome| {
            if watch.is_stopped() {
                return Plan::done(());
            }
            let outcome = outcome.unwrap_or(Renewal::Failed);
            if !matches!(outcome, Renewal::Renewed(_)) {
                crate::trace::warn_event!(key = &*shared.key, outcome = ?outcome, "pottery: a Redlock watchdog renewal failed");
            }
            match after(outcome, now, Instant::now(), watch.valid_until(), interval) {
                Some((valid_until, next)) => {
                    watch.set_valid_until(valid_until);
                    renewals(shared, token, watch, interval, next)
                }
                None => {
                    crate::trace::warn_event!(key = &*shared.key, "pottery: a Redlock watchdog lost its hold");
                    watch.mark_lost();
                    Plan::done(())
                }
            }
        }),
    }
}

/// Runs the renewal plan on this thread: a step as the blocking mode runs it,
/// a pause on the watch's condition variable so that the guard's stop ends it
/// at once (a plain sleep would keep the thread for up to an interval).
fn on_thread(mut plan: Plan<()>, watch: &Watch) {
    loop {
        plan = match plan {
            Plan::Done(_) => return,
            Plan::Sleep(pause, rest) if !watch.sleep(pause) => rest(),
            Plan::Sleep(..) => return,
            // Renewals never wait for a signal; a pause all the same.
            Plan::Wait(_, pause, rest) if !watch.sleep(pause) => rest(),
            Plan::Wait(..) => return,
            Plan::Step(work) => work.block(Deadline::NONE),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn watch_validity_and_loss() {
        let t = Instant::now();
        let watch = Watch::new(t + Duration::from_secs(10));
        assert!(!watch.is_lost());
        watch.set_valid_until(t + Duration::from_secs(5));
        assert_eq!(
            watch.valid_until(),
            t + Duration::from_secs(10),
            "never back"
        );
        assert!(!watch.wait_lost(MS));
        watch.mark_lost();
        assert!(watch.is_lost());
        assert!(watch.wait_lost(Duration::ZERO));
        let expired = Watch::new(Instant::now());
        assert!(expired.is_lost());
        watch.stop();
        assert!(watch.sleep(Duration::from_secs(10)));
        // No limit: waits for the end of the validity, without overflow.
        let soon = Watch::new(Instant::now() + 20 * MS);
        assert!(soon.wait_lost(Duration::MAX));
    }
}
