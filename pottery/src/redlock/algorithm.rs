//! Redlock's arithmetic and decisions, free of I/O: quorum, clock drift,
//! validity, whether a fan-out has decided, and the retry delay.
//!
//! The numbers are pottery 3.0.1's (and the redis.io description's): a quorum is
//! more than half of the masters; the clock drift allowed for is 1% of the
//! auto-release time plus 2 ms; a hold is valid for the auto-release time minus
//! the drift minus the time the acquiring took.

use std::time::Duration;

pub(crate) use crate::quorum::{Tally, quorum};

/// The share of the auto-release time allowed for clock drift between processes.
pub(crate) const CLOCK_DRIFT_FACTOR: f64 = 0.01;

/// Drift allowed on top of [`CLOCK_DRIFT_FACTOR`] (for timer granularity).
pub(crate) const DRIFT_CONSTANT: Duration = Duration::from_millis(2);

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

#[cfg(test)]
mod tests {
    use super::*;
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
}
