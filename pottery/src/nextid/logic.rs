//! NextId's decisions and number handling, free of I/O: the quorum, what a
//! read of the masters comes to, what a proposal comes to, and how a stored
//! value is read (plain integers, and pottery's Lua exponent form).

use std::time::Duration;

use crate::error::Result;
pub(crate) use crate::quorum::{Tally, quorum};

/// What a step (a read, a proposal, a reset) came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome<T> {
    /// A quorum answered: the value (the greatest ID read, or the proposal won).
    Done(T),
    /// No quorum, but not because too many masters failed: contention (another
    /// client's proposal got there first), worth another try.
    Contended,
    /// More than half of the masters failed or did not answer in time.
    Impossible,
}

/// The greatest ID read from a quorum of masters (a missing key reads 0).
pub(crate) fn read_outcome(answers: &[Result<u64>], masters: usize) -> Outcome<u64> {
    let read: Vec<u64> = answers
        .iter()
        .filter_map(|a| a.as_ref().ok().copied())
        .collect();
    let failed = answers.len() - read.len();
    if read.len() >= quorum(masters) {
        Outcome::Done(read.into_iter().max().unwrap_or(0))
    } else if failed > masters / 2 {
        Outcome::Impossible
    } else {
        Outcome::Contended
    }
}

/// Whether a proposal of `id` won: a quorum of masters stored it.
pub(crate) fn propose_outcome(answers: &[Result<bool>], masters: usize, id: u64) -> Outcome<u64> {
    let tally = Tally::of(answers, |&set| set);
    if tally.yes >= quorum(masters) {
        Outcome::Done(id)
    } else if tally.failed > masters / 2 {
        Outcome::Impossible
    } else {
        Outcome::Contended
    }
}

/// Whether a reset reached a quorum of masters.
pub(crate) fn reset_outcome(answers: &[Result<()>], masters: usize) -> Outcome<()> {
    let tally = Tally::of(answers, |()| true);
    if tally.yes >= quorum(masters) {
        Outcome::Done(())
    } else if tally.failed > masters / 2 {
        Outcome::Impossible
    } else {
        Outcome::Contended
    }
}

/// The longest pause before the first retry; each later retry may wait twice
/// as long, up to [`BACKOFF_CAP`]. A local round takes well under a
/// millisecond, so a few ms already spread the contenders apart.
pub(crate) const BACKOFF_BASE: Duration = Duration::from_millis(2);

/// The longest pause between two rounds.
pub(crate) const BACKOFF_CAP: Duration = Duration::from_millis(50);

/// The longest pause after lost round `round` (1 for the first round).
pub(crate) fn backoff_ceiling(round: u32) -> Duration {
    let doublings = round.saturating_sub(1).min(16);
    BACKOFF_BASE.saturating_mul(1 << doublings).min(BACKOFF_CAP)
}

/// After lost round `round` of `tries`: the pause before the next round
/// (random in `[0, ceiling)`, from 64 random bits, as Redlock spaces its
/// retries: clients that collided do not collide again in lockstep), or `None`
/// when no try is left.
pub(crate) fn retry_after(round: u32, tries: u32, random: u64) -> Option<Duration> {
    (round < tries).then(|| crate::redlock::logic::retry_delay(backoff_ceiling(round), random))
}

/// The sum of the longest pauses `tries` rounds may take: part of a call's
/// deadline.
pub(crate) fn backoff_budget(tries: u32) -> Duration {
    let pauses = tries.saturating_sub(1);
    let mut sum = Duration::ZERO;
    let mut round = 1;
    // The growing ceilings one by one (a few), then the cap times the rest.
    while round <= pauses && backoff_ceiling(round) < BACKOFF_CAP {
        sum = sum.saturating_add(backoff_ceiling(round));
        round += 1;
    }
    let at_cap = pauses.saturating_sub(round - 1);
    sum.saturating_add(BACKOFF_CAP.saturating_mul(at_cap))
}

/// The ID stored in a master: a plain decimal integer (ours, and pottery's up
/// to about 1e14), or the `%.14g` exponent form pottery's Lua writes above
/// that (`1.2345678901235e+14`), read as the integer it denotes. `None` for
/// anything else (negative, fractional, not a number, beyond `u64`).
pub(crate) fn parse_id(raw: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(raw).ok()?;
    if text.is_empty() {
        return None;
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok();
    }
    if !text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        return None;
    }
    let n: f64 = text.parse().ok()?;
    if !n.is_finite() || n < 0.0 || n.fract() != 0.0 {
        return None;
    }
    // An integral double prints exactly with no decimals (beyond u64: no parse).
    format!("{n:.0}").parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    fn fail<T>() -> Result<T> {
        Err(Error::config("down"))
    }

    #[test]
    fn read_takes_the_max_of_a_quorum() {
        assert_eq!(read_outcome(&[Ok(3), Ok(7), fail()], 3), Outcome::Done(7));
        assert_eq!(read_outcome(&[Ok(0)], 1), Outcome::Done(0));
        assert_eq!(
            read_outcome(&[Ok(3), fail(), fail()], 3),
            Outcome::Impossible
        );
        assert_eq!(read_outcome(&[fail()], 1), Outcome::Impossible);
        // 4 masters, 2 failed: not more than half, yet no quorum of 3.
        assert_eq!(
            read_outcome(&[Ok(1), Ok(2), fail(), fail()], 4),
            Outcome::Contended
        );
        assert_eq!(
            read_outcome(&[Ok(1), Ok(9), Ok(4), fail(), fail()], 5),
            Outcome::Done(9)
        );
    }

    #[test]
    fn a_proposal_needs_a_quorum() {
        assert_eq!(propose_outcome(&[Ok(true)], 1, 5), Outcome::Done(5));
        assert_eq!(propose_outcome(&[Ok(false)], 1, 5), Outcome::Contended);
        assert_eq!(propose_outcome(&[fail()], 1, 5), Outcome::Impossible);
        let answers = [Ok(true), Ok(true), Ok(false), fail(), fail()];
        assert_eq!(propose_outcome(&answers, 5, 8), Outcome::Contended);
        let answers = [Ok(true), Ok(true), Ok(true), fail(), fail()];
        assert_eq!(propose_outcome(&answers, 5, 8), Outcome::Done(8));
        let answers = [Ok(true), Ok(true), fail(), fail(), fail()];
        assert_eq!(propose_outcome(&answers, 5, 8), Outcome::Impossible);
    }

    #[test]
    fn reset_needs_a_quorum() {
        assert_eq!(
            reset_outcome(&[Ok(()), Ok(()), fail()], 3),
            Outcome::Done(())
        );
        assert_eq!(
            reset_outcome(&[Ok(()), fail(), fail()], 3),
            Outcome::Impossible
        );
        assert_eq!(
            reset_outcome(&[Ok(()), Ok(()), fail(), fail()], 4),
            Outcome::Contended
        );
    }

    #[test]
    fn nextid_backoff_grows_randomized_and_stops_with_the_tries() {
        let ms = Duration::from_millis;
        assert_eq!(backoff_ceiling(1), ms(2));
        assert_eq!(backoff_ceiling(2), ms(4));
        assert_eq!(backoff_ceiling(5), ms(32));
        assert_eq!(backoff_ceiling(6), BACKOFF_CAP);
        assert_eq!(backoff_ceiling(u32::MAX), BACKOFF_CAP);
        assert_eq!(retry_after(1, 3, 0), Some(Duration::ZERO));
        assert!(retry_after(2, 3, u64::MAX).is_some_and(|p| p < ms(4) && p > ms(3)));
        assert_eq!(retry_after(3, 3, 7), None);
        assert_eq!(retry_after(1, 1, 7), None);
        assert_eq!(backoff_budget(1), Duration::ZERO);
        assert_eq!(backoff_budget(3), ms(6));
        assert_eq!(backoff_budget(7), ms(2 + 4 + 8 + 16 + 32 + 50));
        assert_eq!(backoff_budget(9), ms(62 + 50 * 3));
        assert!(backoff_budget(u32::MAX) > BACKOFF_CAP.saturating_mul(u32::MAX - 6));
    }

    #[test]
    fn parses_plain_and_exponent_forms() {
        assert_eq!(parse_id(b"0"), Some(0));
        assert_eq!(parse_id(b"42"), Some(42));
        assert_eq!(parse_id(b"007"), Some(7));
        assert_eq!(parse_id(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_id(b"18446744073709551616"), None);
        // What pottery's Lua stores above ~1e14 (`%.14g`).
        assert_eq!(parse_id(b"1.2345678901235e+14"), Some(123_456_789_012_350));
        assert_eq!(parse_id(b"1e+15"), Some(1_000_000_000_000_000));
        assert_eq!(parse_id(b"9.007199254741e+15"), Some(9_007_199_254_741_000));
        assert_eq!(parse_id(b"1.5"), None);
        assert_eq!(parse_id(b"-1"), None);
        assert_eq!(parse_id(b""), None);
        assert_eq!(parse_id(b"inf"), None);
        assert_eq!(parse_id(b"0x10"), None);
        assert_eq!(parse_id(b" 5"), None);
        assert_eq!(parse_id(b"\"5\""), None);
    }
}
