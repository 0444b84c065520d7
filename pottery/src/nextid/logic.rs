//! NextId's decisions and number handling, free of I/O: the quorum, what a
//! read of the masters comes to, what a proposal comes to, and how a stored
//! value is read (plain integers, and pottery's Lua exponent form).

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
