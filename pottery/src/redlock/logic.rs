//! Redlock's arithmetic and decisions, free of I/O: quorum, clock drift,
//! validity, whether a fan-out has decided, the retry delay, and the
//! watchdog's renewal decisions ([`step`], [`after`], [`renewal`]).
//!
//! The numbers are pottery 3.0.1's (and the redis.io description's): a quorum is
//! more than half of the masters; the clock drift allowed for is 1% of the
//! auto-release time plus 2 ms; a hold is valid for the auto-release time minus
//! the drift minus the time the acquiring took.

use std::time::{Duration, Instant};

pub(crate) use crate::quorum::{Tally, quorum};

/// The share of the auto-release time allowed for clock drift between processes.
pub(crate) const CLOCK_DRIFT_FACTOR: f64 = 0.01;

/// Drift allowed on top of [`CLOCK_DRIFT_FACTOR`] (for timer granularity).
pub(crate) const DRIFT_CONSTANT: Duration = Duration::from_millis(2);

/// The longest hold: a longer auto-release time (`Duration::MAX` included) is
/// this, a hundred years. Redis keeps such an expiry, and every instant a hold
/// computes from it stays within what `Instant` holds on every platform.
pub(crate) const LONGEST_HOLD: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// The shortest pause before the watchdog retries a failed renewal.
pub(crate) const MIN_RETRY: Duration = Duration::from_millis(5);

/// `by` after `at`; `at` itself if the clock cannot hold that instant. The
/// sooner instant is the safe side for a lock: a validity ends early, a
/// renewal comes early. (With holds at most [`LONGEST_HOLD`] it never happens.)
pub(crate) fn later(at: Instant, by: Duration) -> Instant {
    at.checked_add(by).unwrap_or(at)
}

/// The clock drift allowed for a hold of `auto_release`.
pub(crate) fn drift(auto_release: Duration) -> Duration {
    auto_release.mul_f64(CLOCK_DRIFT_FACTOR) + DRIFT_CONSTANT
}

/// How long a hold of `ttl` stays valid once `elapsed` went into getting it;
/// `None` when nothing is left.
pub(crate) fn validity(
    ttl: Duration,
    auto_release: Duration,
    elapsed: Duration,
) -> Option<Duration> {
    ttl.checked_sub(drift(auto_release))?
        .checked_sub(elapsed)
        .filter(|left| !left.is_zero())
}

/// What one acquire attempt came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Held on a quorum, valid for this long from the attempt's start.
    Acquired(Duration),
    /// Held elsewhere, or acquired too slowly: release what we got.
    NotAcquired,
    /// Too many masters failed (and the caller wants to know).
    Impossible,
}

/// Decides an acquire attempt from its tally and how long it took.
pub(crate) fn acquire_decision(
    tally: &Tally,
    masters: usize,
    auto_release: Duration,
    elapsed: Duration,
    raise_on_errors: bool,
) -> Decision {
    if tally.has_quorum(masters)
        && let Some(valid) = validity(auto_release, auto_release, elapsed)
    {
        return Decision::Acquired(valid);
    }
    if raise_on_errors && tally.impossible(masters) {
        Decision::Impossible
    } else {
        Decision::NotAcquired
    }
}

/// Whether a failed attempt must release on the masters: unless every master
/// answered that the key was already held (so none holds our token).
pub(crate) fn must_release(tally: &Tally, masters: usize) -> bool {
    tally.no < masters
}

/// The remaining validity reported by `locked`: the smallest of a quorum of
/// positive TTLs (in ms), less the drift and the time the query took; zero
/// without a quorum.
pub(crate) fn locked_validity(
    ttls_ms: &[u64],
    masters: usize,
    auto_release: Duration,
    elapsed: Duration,
) -> Duration {
    let positive = ttls_ms.iter().copied().filter(|&t| t > 0);
    if positive.clone().count() < quorum(masters) {
        return Duration::ZERO;
    }
    let least = positive.min().unwrap_or(0);
    validity(Duration::from_millis(least), auto_release, elapsed).unwrap_or(Duration::ZERO)
}

/// An acquisition's fencing token: the greatest fence counter the granting
/// masters returned (`(master, counter)`, 0 for a master that did not grant).
pub(crate) fn fence(grants: &[(usize, u64)]) -> u64 {
    grants.iter().map(|g| g.1).max().unwrap_or(0)
}

/// How long to pause before the next attempt: `delay`, but no later than the
/// deadline `left` away; `None` once the deadline has passed.
pub(crate) fn pause(left: Option<Duration>, delay: Duration) -> Option<Duration> {
    match left {
        None => Some(delay),
        Some(left) if left.is_zero() => None,
        Some(left) => Some(delay.min(left)),
    }
}

/// A delay in `[0, max)` from 64 random bits, spreading out competing retries.
pub(crate) fn retry_delay(max: Duration, random: u64) -> Duration {
    // max * random / 2^64, in whole nanoseconds: always below max.
    let max_ns = u64::try_from(max.as_nanos()).unwrap_or(u64::MAX);
    let ns = (u128::from(max_ns) * u128::from(random)) >> 64;
    Duration::from_nanos(u64::try_from(ns).unwrap_or(0))
}

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
        match validity(auto_release, auto_release, elapsed) {
            Some(valid) => Renewal::Renewed(valid),
            None => Renewal::Failed,
        }
    } else if tally.no > masters - quorum(masters) {
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
        Renewal::Renewed(valid) => Some((
            later(started, valid).max(valid_until),
            later(started, interval),
        )),
        Renewal::Failed => Some((valid_until, later(now, (interval / 4).max(MIN_RETRY)))),
        Renewal::Refused => None,
    }
}

/// The renewal interval for a lock of `auto_release` when none is given:
/// a third of it, as Redisson's lock watchdog.
pub(crate) fn default_interval(auto_release: Duration) -> Duration {
    auto_release / 3
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Error, Result};
    use crate::quorum::results;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn drift_is_one_percent_plus_2_ms() {
        assert_eq!(drift(Duration::from_secs(10)), 102 * MS);
        assert_eq!(drift(200 * MS), 4 * MS);
        assert_eq!(drift(MS), Duration::from_micros(2010));
    }

    #[test]
    fn validity_subtracts_drift_and_elapsed() {
        let ten = Duration::from_secs(10);
        assert_eq!(validity(ten, ten, 8 * MS), Some(ten - 110 * MS));
        assert_eq!(validity(ten, ten, ten), None);
        // pottery's test_acquire_fails_within_auto_release_time: 1 ms never suffices.
        assert_eq!(validity(MS, MS, Duration::ZERO), None);
        assert_eq!(validity(200 * MS, 200 * MS, 196 * MS), None);
    }

    #[test]
    fn acquire_decisions() {
        let ten = Duration::from_secs(10);
        let t = Tally::of(&results(3, 0, 2), |&b| b);
        assert_eq!(
            acquire_decision(&t, 5, ten, 2 * MS, true),
            Decision::Acquired(ten - 104 * MS)
        );
        assert_eq!(
            acquire_decision(&t, 5, ten, ten, true),
            Decision::NotAcquired
        );
        let down = Tally::of(&results(2, 0, 3), |&b| b);
        assert_eq!(
            acquire_decision(&down, 5, ten, MS, true),
            Decision::Impossible
        );
        assert_eq!(
            acquire_decision(&down, 5, ten, MS, false),
            Decision::NotAcquired
        );
        let held = Tally::of(&results(0, 5, 0), |&b| b);
        assert_eq!(
            acquire_decision(&held, 5, ten, MS, true),
            Decision::NotAcquired
        );
        assert!(!must_release(&held, 5));
        assert!(must_release(&Tally::of(&results(0, 4, 1), |&b| b), 5));
    }

    #[test]
    fn locked_needs_a_quorum_of_positive_ttls() {
        let sec = Duration::from_secs(1);
        assert_eq!(
            locked_validity(&[900, 0, 800], 3, sec, MS),
            800 * MS - 13 * MS
        );
        assert_eq!(locked_validity(&[900, 0, 0], 3, sec, MS), Duration::ZERO);
        assert_eq!(locked_validity(&[], 1, sec, MS), Duration::ZERO);
        assert_eq!(locked_validity(&[5], 1, sec, MS), Duration::ZERO);
    }

    #[test]
    fn the_fence_is_the_greatest_granted_counter() {
        assert_eq!(fence(&[(0, 4), (2, 9), (1, 0)]), 9);
        assert_eq!(fence(&[]), 0);
    }

    #[test]
    fn pauses_end_at_the_deadline() {
        assert_eq!(pause(None, 50 * MS), Some(50 * MS));
        assert_eq!(pause(Some(20 * MS), 50 * MS), Some(20 * MS));
        assert_eq!(pause(Some(Duration::ZERO), 50 * MS), None);
    }

    #[test]
    fn retry_delay_stays_below_its_maximum() {
        let max = 200 * MS;
        assert_eq!(retry_delay(max, 0), Duration::ZERO);
        assert!(retry_delay(max, u64::MAX) < max);
        assert!(retry_delay(max, u64::MAX / 2) > 99 * MS);
    }

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
}
