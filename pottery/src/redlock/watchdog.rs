//! The watchdog: renews a hold in the background while its guard lives, and
//! tells the holder when the hold is lost.
//!
//! A renewal is the extend script on every master (one fan-out, each master
//! allowed the request timeout), like [`extend`](super::extend), but it is not an
//! extension: it never counts against the lock's `num_extensions`.
//!
//! The decisions are pure functions of the clock readings they are given
//! ([`step`], [`after`], [`renewal`]); the loops ([`run_thread`] for the
//! blocking guard, [`run_task`] for the async one) only sleep, renew and record.
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
use super::algorithm::{self, Tally};
use crate::engine::ModeExt;
use crate::engine::{Async, Blocking, Deadline, Mode, Plan};

/// The shortest pause before retrying a failed renewal.
const MIN_RETRY: Duration = Duration::from_millis(5);

/// What a renewal fan-out came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Renewal {
    /// A quorum reset the TTL: the hold is valid this long from the renewal's start.
    Renewed(Duration),
    /// Too many masters answered that they do not hold our token: a quorum can
    /// no longer be ours.
    Refused,
    /// No quorum for now (errors, timeouts, or too slow to leave any validity):
    /// try again while the hold is valid.
    Failed,
}

/// Decides a renewal from its tally and how long it took.
pub(crate) fn renewal(
    tally: &Tally,
    masters: usize,
    auto_release: Duration,
    elapsed: Duration,
) -> Renewal {
    if tally.has_quorum(masters) {
        match algorithm::validity(auto_release, auto_release, elapsed) {
            Some(valid) => Renewal::Renewed(valid),
            None => Renewal::Failed,
        }
    } else if tally.no > masters - algorithm::quorum(masters) {
        Renewal::Refused
    } else {
        Renewal::Failed
    }
}

/// What the renewer does now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// Sleep until then (the next renewal, or the end of the validity).
    Wait(Instant),
    /// Renew now.
    Renew,
    /// The validity ran out before a renewal succeeded.
    Lost,
}

/// The renewer's next step at `now`, given until when the hold is valid and
/// when the next renewal is due.
pub(crate) fn step(now: Instant, valid_until: Instant, due: Instant) -> Step {
    if now >= valid_until {
        Step::Lost
    } else if now >= due {
        Step::Renew
    } else {
        Step::Wait(due.min(valid_until))
    }
}

/// The state after a renewal that started at `started` and ended at `now`:
/// `Some((valid_until, next_due))`, or `None` when the hold is lost.
///
/// - Renewed: valid from `started` for the renewal's validity; the next one is
///   due an `interval` after this one started.
/// - Failed: the validity is unchanged; retry after a quarter of the interval
///   (at least 5 ms).
/// - Refused, or the old validity ended before the renewal did (even a
///   successful one: the holder may have seen the hold as lost meanwhile, and
///   lost stays lost): lost.
pub(crate) fn after(
    outcome: Renewal,
    started: Instant,
    now: Instant,
    valid_until: Instant,
    interval: Duration,
) -> Option<(Instant, Instant)> {
    if now >= valid_until {
        return None;
    }
    match outcome {
        Renewal::Renewed(valid) => Some(((started + valid).max(valid_until), started + interval)),
        Renewal::Failed => Some((valid_until, now + (interval / 4).max(MIN_RETRY))),
        Renewal::Refused => None,
    }
}

/// The renewal interval for a lock of `auto_release` when none is given:
/// a third of it, as Redisson's lock watchdog.
pub(crate) fn default_interval(auto_release: Duration) -> Duration {
    auto_release / 3
}

/// One renewal: the extend script on every master, decided by [`renewal`].
/// Errors count as [`Renewal::Failed`].
///
/// Unlike `extend`, it waits for every master's answer (each still bounded by
/// the request timeout) rather than stopping at a quorum: nobody waits on a
/// renewal, and an async request abandoned at the quorum might never reach its
/// master, whose copy of the hold would then expire, leaving the hold on a bare
/// quorum that one more failed master loses.
fn renew<M: Mode>(shared: &Arc<Shared>, token: &str) -> M::Output<'static, Renewal> {
    let start = Instant::now();
    let n = shared.n();
    let ops = shared.each(|| super::extend_op(&shared.key, token, shared.auto_release_ms));
    let auto = shared.auto_release;
    let plan = Plan::fan_out(
        ops,
        shared.request_timeout,
        |_| false,
        move |answers| {
            let tally = Tally::of(&answers, |&done| done);
            Plan::done(renewal(&tally, n, auto, start.elapsed()))
        },
    );
    M::plan(plan, Deadline::after(shared.request_timeout))
}

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
            lost_tx: tokio::sync::watch::Sender::new(false),
        };
        watch.set_valid_until(valid_until);
        Arc::new(watch)
    }

    /// Until when the hold is valid, as of the last acquire, extension or renewal.
    pub(crate) fn valid_until(&self) -> Instant {
        self.base + Duration::from_nanos(self.valid_until_ns.load(Ordering::Acquire))
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

    /// Sleeps until `until` or the stop signal; `true` if stopped.
    fn sleep_until(&self, until: Instant) -> bool {
        let mut stopped = self.state();
        loop {
            if *stopped {
                return true;
            }
            let left = until.saturating_duration_since(Instant::now());
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
    pub(crate) fn wait_lost(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut state = self.state();
        loop {
            if self.is_lost() {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            // Wake at the end of the validity too: it may pass unmarked.
            let left = deadline
                .min(self.valid_until())
                .saturating_duration_since(now);
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

/// The blocking renewer: renews every `interval` on its own thread until
/// stopped or lost. Returns `false` if the thread could not be started (the
/// hold then simply expires, and `is_lost` turns true at its end).
pub(crate) fn run_thread(
    shared: &Arc<Shared>,
    token: &Arc<str>,
    watch: &Arc<Watch>,
    interval: Duration,
) -> bool {
    let (shared, token, watch) = (Arc::clone(shared), Arc::clone(token), Arc::clone(watch));
    std::thread::Builder::new()
        .name("pottery-redlock-watchdog".to_owned())
        .spawn(move || {
            let mut due = Instant::now() + interval;
            loop {
                match step(Instant::now(), watch.valid_until(), due) {
                    Step::Wait(until) => {
                        if watch.sleep_until(until) {
                            return;
                        }
                    }
                    Step::Lost => return watch.mark_lost(),
                    Step::Renew => {
                        let started = Instant::now();
                        let outcome = renew::<Blocking>(&shared, &token).unwrap_or(Renewal::Failed);
                        if watch.is_stopped() {
                            return;
                        }
                        match after(
                            outcome,
                            started,
                            Instant::now(),
                            watch.valid_until(),
                            interval,
                        ) {
                            Some((valid_until, next)) => {
                                watch.set_valid_until(valid_until);
                                due = next;
                            }
                            None => return watch.mark_lost(),
                        }
                    }
                }
            }
        })
        .is_ok()
}

/// The async renewer, a task on the current runtime: renews every `interval`
/// until lost or aborted (the guard aborts it on release and drop).
pub(crate) async fn run_task(
    shared: Arc<Shared>,
    token: Arc<str>,
    watch: Arc<Watch>,
    interval: Duration,
) {
    let mut due = Instant::now() + interval;
    loop {
        match step(Instant::now(), watch.valid_until(), due) {
            Step::Wait(until) => {
                tokio::time::sleep_until(tokio::time::Instant::from_std(until)).await;
            }
            Step::Lost => return watch.mark_lost(),
            Step::Renew => {
                let started = Instant::now();
                let outcome = renew::<Async>(&shared, &token)
                    .await
                    .unwrap_or(Renewal::Failed);
                if watch.is_stopped() {
                    return;
                }
                match after(
                    outcome,
                    started,
                    Instant::now(),
                    watch.valid_until(),
                    interval,
                ) {
                    Some((valid_until, next)) => {
                        watch.set_valid_until(valid_until);
                        due = next;
                    }
                    None => return watch.mark_lost(),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Error, Result};

    const MS: Duration = Duration::from_millis(1);

    fn tally(yes: usize, no: usize, failed: usize) -> Tally {
        let mut r: Vec<Result<bool>> = Vec::new();
        r.extend((0..yes).map(|_| Ok(true)));
        r.extend((0..no).map(|_| Ok(false)));
        r.extend((0..failed).map(|_| Err(Error::config("down"))));
        Tally::of(&r, |&b| b)
    }

    #[test]
    fn default_interval_is_a_third() {
        assert_eq!(
            default_interval(Duration::from_secs(30)),
            Duration::from_secs(10)
        );
        assert_eq!(default_interval(300 * MS), 100 * MS);
    }

    #[test]
    fn renewal_needs_a_quorum_and_validity() {
        let sec = Duration::from_secs(1);
        // 1 s less 1% + 2 ms drift, less 3 ms taken.
        assert_eq!(
            renewal(&tally(2, 1, 0), 3, sec, 3 * MS),
            Renewal::Renewed(985 * MS)
        );
        assert_eq!(renewal(&tally(2, 0, 1), 3, sec, sec), Renewal::Failed);
        // Two of three say the token is gone: it cannot be ours any more.
        assert_eq!(renewal(&tally(1, 2, 0), 3, sec, MS), Renewal::Refused);
        assert_eq!(renewal(&tally(0, 3, 0), 3, sec, MS), Renewal::Refused);
        // Down or unsure: try again.
        assert_eq!(renewal(&tally(0, 0, 3), 3, sec, MS), Renewal::Failed);
        assert_eq!(renewal(&tally(1, 1, 1), 3, sec, MS), Renewal::Failed);
        assert_eq!(renewal(&tally(0, 1, 0), 1, sec, MS), Renewal::Refused);
        assert_eq!(renewal(&tally(0, 0, 1), 1, sec, MS), Renewal::Failed);
    }

    #[test]
    fn steps_wait_renew_or_lose() {
        let t = Instant::now();
        assert_eq!(
            step(t, t + 300 * MS, t + 100 * MS),
            Step::Wait(t + 100 * MS)
        );
        // A retry due after the validity ends wakes at its end.
        assert_eq!(step(t, t + 50 * MS, t + 100 * MS), Step::Wait(t + 50 * MS));
        assert_eq!(step(t + 100 * MS, t + 300 * MS, t + 100 * MS), Step::Renew);
        assert_eq!(step(t + 300 * MS, t + 300 * MS, t + 100 * MS), Step::Lost);
        assert_eq!(step(t + 400 * MS, t + 300 * MS, t + 500 * MS), Step::Lost);
    }

    #[test]
    fn after_a_renewal() {
        let t = Instant::now();
        let valid = t + 200 * MS;
        let interval = 100 * MS;
        // Renewed at t+100: valid from its start, next one an interval later.
        assert_eq!(
            after(
                Renewal::Renewed(290 * MS),
                t + 100 * MS,
                t + 102 * MS,
                valid,
                interval
            ),
            Some((t + 390 * MS, t + 200 * MS))
        );
        // Validity never moves back.
        assert_eq!(
            after(
                Renewal::Renewed(50 * MS),
                t + 100 * MS,
                t + 102 * MS,
                valid,
                interval
            ),
            Some((valid, t + 200 * MS))
        );
        // Failed: same validity, retry after a quarter interval.
        assert_eq!(
            after(Renewal::Failed, t + 100 * MS, t + 110 * MS, valid, interval),
            Some((valid, t + 135 * MS))
        );
        assert_eq!(
            after(Renewal::Failed, t, t, valid, 8 * MS),
            Some((valid, t + MIN_RETRY))
        );
        // Refused: lost at once, however much validity is left.
        assert_eq!(after(Renewal::Refused, t, t + MS, valid, interval), None);
        // The old validity ended during the renewal: lost, even if it succeeded.
        assert_eq!(
            after(Renewal::Failed, t + 150 * MS, t + 200 * MS, valid, interval),
            None
        );
        assert_eq!(
            after(
                Renewal::Renewed(290 * MS),
                t + 150 * MS,
                t + 250 * MS,
                valid,
                interval
            ),
            None
        );
    }

    #[test]
    fn failures_until_the_validity_ends_lose_the_hold() {
        // Masters down from the start: the renewer retries, then loses the hold
        // exactly at the end of the validity.
        let t = Instant::now();
        let interval = 100 * MS;
        let mut valid_until = t + 290 * MS;
        let mut due = t + interval;
        let mut now = t;
        let mut attempts = 0;
        loop {
            match step(now, valid_until, due) {
                Step::Wait(until) => now = until,
                Step::Renew => {
                    attempts += 1;
                    let (started, end) = (now, now + 2 * MS);
                    now = end;
                    match after(Renewal::Failed, started, end, valid_until, interval) {
                        Some((v, d)) => (valid_until, due) = (v, d),
                        None => break,
                    }
                }
                Step::Lost => break,
            }
        }
        // The last retry started at t+289 and ended past the validity.
        assert_eq!(now, t + 291 * MS);
        assert!((5..=9).contains(&attempts), "{attempts}");
    }

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
        assert!(watch.sleep_until(Instant::now() + Duration::from_secs(10)));
    }
}
