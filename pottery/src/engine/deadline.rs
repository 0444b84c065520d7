//! The one deadline a call keeps, whatever it does inside.
//!
//! A call computes its deadline once, when it starts (the client's response
//! timeout, or the call's own: an acquire timeout, a queue wait), and every step
//! it takes gets only what is left of it: a pool checkout, a new connection, a
//! cluster redirect, a fan-out to masters, a sleep between retries.

use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// When a call must be over; `None` inside means no limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deadline(Option<Instant>);

// Some are for the flows and builders that keep deadlines of their own.
#[allow(dead_code)]
impl Deadline {
    /// No limit (a duration of `Duration::MAX`, or one past what `Instant` holds).
    pub(crate) const NONE: Deadline = Deadline(None);

    /// `limit` from now; `Duration::MAX` (or anything `Instant` cannot hold) is no limit.
    pub(crate) fn after(limit: Duration) -> Deadline {
        if limit == Duration::MAX {
            return Deadline::NONE;
        }
        Deadline(Instant::now().checked_add(limit))
    }

    /// At `instant`.
    pub(crate) fn at(instant: Instant) -> Deadline {
        Deadline(Some(instant))
    }

    /// The instant, if there is a limit.
    pub(crate) fn instant(self) -> Option<Instant> {
        self.0
    }

    /// What is left: `None` for no limit, zero once it has passed.
    pub(crate) fn remaining(self) -> Option<Duration> {
        self.0
            .map(|at| at.saturating_duration_since(Instant::now()))
    }

    /// Whether it has passed.
    pub(crate) fn expired(self) -> bool {
        self.remaining() == Some(Duration::ZERO)
    }

    /// The earlier of the two.
    pub(crate) fn min(self, other: Deadline) -> Deadline {
        match (self.0, other.0) {
            (Some(a), Some(b)) => Deadline(Some(a.min(b))),
            (Some(a), None) | (None, Some(a)) => Deadline(Some(a)),
            (None, None) => Deadline::NONE,
        }
    }

    /// `limit` from now, but never past this deadline.
    pub(crate) fn within(self, limit: Duration) -> Deadline {
        self.min(Deadline::after(limit))
    }

    /// `wanted`, shortened to what is left (a sleep, a socket timeout).
    pub(crate) fn cap(self, wanted: Duration) -> Duration {
        self.remaining().map_or(wanted, |left| left.min(wanted))
    }
}

/// Checks a configured duration: zero is a configuration error naming `what`
/// (`Duration::MAX` is allowed and means no limit).
pub(crate) fn positive(what: &str, limit: Duration) -> Result<Duration> {
    if limit.is_zero() {
        return Err(Error::config(format!("{what} must be longer than zero")));
    }
    Ok(limit)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn max_is_no_limit_and_never_panics() {
        assert_eq!(Deadline::after(Duration::MAX), Deadline::NONE);
        assert_eq!(Deadline::after(Duration::MAX).remaining(), None);
        let huge = Duration::from_secs(u64::MAX / 2);
        assert_eq!(Deadline::after(huge).remaining(), None);
        assert_eq!(Deadline::NONE.cap(Duration::MAX), Duration::MAX);
    }

    #[test]
    fn remaining_shrinks_to_zero() {
        let d = Deadline::after(Duration::from_millis(20));
        assert!(d.remaining() <= Some(Duration::from_millis(20)));
        assert!(!d.expired());
        std::thread::sleep(Duration::from_millis(25));
        assert!(d.expired());
        assert_eq!(d.cap(Duration::from_secs(1)), Duration::ZERO);
    }

    #[test]
    fn min_and_within_keep_the_earlier() {
        let soon = Deadline::after(Duration::from_millis(10));
        let late = Deadline::after(Duration::from_secs(10));
        assert_eq!(soon.min(late), soon);
        assert_eq!(late.min(soon), soon);
        assert_eq!(Deadline::NONE.min(soon), soon);
        assert_eq!(soon.within(Duration::from_secs(5)), soon);
        assert!(positive("x", Duration::ZERO).is_err());
        assert!(positive("x", Duration::MAX).is_ok());
    }

    /// A deadline already past fails at once with a timeout naming the key, in
    /// both runners, without connecting (nothing listens on port 1: trying
    /// would be a connection error, not a timeout).
    #[test]
    fn a_past_deadline_fails_fast_naming_the_key() {
        use crate::client::Client;
        use crate::engine::Op;

        let client = Client::open("redis://127.0.0.1:1/0").expect("a valid URL");
        let op = || Op::new("the-key", "hash", redis::cmd("HLEN"), |_, _| Ok(()));
        let past = Deadline::at(Instant::now());
        let started = Instant::now();
        let err = op().run_until(&client, past).expect_err("past deadline");
        assert!(err.is_timeout() && err.key() == Some("the-key"), "{err:?}");
        #[cfg(feature = "async")]
        {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            let err = runtime
                .block_on(op().run_async_until(&client, past))
                .expect_err("past deadline");
            assert!(err.is_timeout() && err.key() == Some("the-key"), "{err:?}");
        }
        assert!(started.elapsed() < Duration::from_millis(100));
    }
}
