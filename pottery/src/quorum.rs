//! Majority decisions over independent masters, shared by Redlock and NextId:
//! how many make a quorum, and what a fan-out's answers so far come to.

use crate::error::Result;

/// How many of `masters` make a quorum: more than half.
pub(crate) fn quorum(masters: usize) -> usize {
    masters / 2 + 1
}

/// The answers of a fan-out so far: `yes` and `no` from masters that answered,
/// `failed` for errors and timeouts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Tally {
    pub(crate) yes: usize,
    pub(crate) no: usize,
    pub(crate) failed: usize,
}

impl Tally {
    /// Counts `results`; `is_yes` tells a positive answer.
    pub(crate) fn of<T>(results: &[Result<T>], is_yes: impl Fn(&T) -> bool) -> Tally {
        results.iter().fold(Tally::default(), |mut t, r| {
            match r {
                Ok(v) if is_yes(v) => t.yes += 1,
                Ok(_) => t.no += 1,
                Err(_) => t.failed += 1,
            }
            t
        })
    }

    /// A quorum of `masters` said yes.
    pub(crate) fn has_quorum(&self, masters: usize) -> bool {
        self.yes >= quorum(masters)
    }

    /// The outcome is known: a quorum said yes, the masters that said no
    /// leave too few for one, or every master answered. A failure does not end
    /// the wait early (still within the request timeout): whether enough failed
    /// for `QuorumIsImpossible`, and how many its error counts, depend on the
    /// masters still out ("3 of 3 failed", not the 2 seen first).
    pub(crate) fn decided(&self, masters: usize) -> bool {
        self.has_quorum(masters)
            || self.no > masters - quorum(masters)
            || self.yes + self.no + self.failed >= masters
    }

    /// More than half of `masters` failed: no quorum can be trusted (pottery's
    /// `QuorumIsImpossible` condition).
    pub(crate) fn impossible(&self, masters: usize) -> bool {
        self.failed > masters / 2
    }
}

/// `yes` positive, `no` negative and `failed` answers, for tests.
#[cfg(test)]
pub(crate) fn results(yes: usize, no: usize, failed: usize) -> Vec<Result<bool>> {
    let mut r: Vec<Result<bool>> = Vec::new();
    r.extend((0..yes).map(|_| Ok(true)));
    r.extend((0..no).map(|_| Ok(false)));
    r.extend((0..failed).map(|_| Err(crate::Error::config("down"))));
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    fn fail<T>() -> Result<T> {
        Err(Error::config("down"))
    }

    #[test]
    fn quorum_is_more_than_half() {
        assert_eq!(
            (1..=6).map(quorum).collect::<Vec<_>>(),
            vec![1, 2, 2, 3, 3, 4]
        );
    }

    #[test]
    fn tally_counts_and_decides() {
        let t = Tally::of(&results(2, 1, 1), |&b| b);
        assert_eq!(
            t,
            Tally {
                yes: 2,
                no: 1,
                failed: 1
            }
        );
        assert!(!t.decided(5));
        assert!(Tally::of(&results(3, 0, 0), |&b| b).decided(5));
        assert!(Tally::of(&results(0, 3, 0), |&b| b).decided(5));
        // Failures wait for the rest: they may fail too, and are counted.
        assert!(!Tally::of(&results(0, 2, 1), |&b| b).decided(5));
        assert!(!Tally::of(&results(0, 0, 2), |&b| b).decided(3));
        assert!(Tally::of(&results(0, 0, 3), |&b| b).decided(3));
        assert!(Tally::of(&results(0, 2, 3), |&b| b).decided(5));
        assert!(!Tally::of(&results(0, 1, 1), |&b| b).decided(5));
        assert!(Tally::of(&results(0, 0, 3), |&b| b).impossible(5));
        assert!(!Tally::of(&results(0, 0, 2), |&b| b).impossible(5));
        assert!(Tally::of(&results(0, 0, 1), |&b| b).impossible(1));
    }

    #[test]
    fn tally_decides() {
        let t = Tally::of(&[Ok(true), Ok(false), fail()], |&b| b);
        assert_eq!(
            t,
            Tally {
                yes: 1,
                no: 1,
                failed: 1
            }
        );
        assert!(t.decided(3)); // every master answered
        assert!(!Tally::of(&[Ok(true), fail()], |&b| b).decided(3));
        assert!(!Tally::of(&[Ok(true), Ok(false)], |&b| b).decided(5));
        assert!(Tally::of(&[Ok(true), Ok(true), Ok(true)], |&b| b).decided(5));
    }
}
