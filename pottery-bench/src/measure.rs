//! Timing: run one side for a slice of time, interleave the sides over rounds,
//! take medians.
//!
//! Every figure is operations per second over one time slice. Sides are never
//! timed at the same moment: in each round every side runs its slice in turn,
//! so slow drift of a shared machine (other builds, thermal throttling) hits
//! ours, raw and Python alike, and the median over rounds drops the outliers.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::runtime::Runtime;

/// Any error the bench reports (Redis, I/O, the Python driver, bad data).
pub(crate) type Error = Box<dyn std::error::Error + Send + Sync>;

/// The bench's result type.
pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;

/// One async operation in flight, as the async closures of [`crate::ops`] return it.
pub(crate) type BoxFuture = Pin<Box<dyn Future<Output = Result<()>> + Send>>;

/// How long each side is timed, and how often.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Plan {
    /// Rounds per operation; the reported figure is the median over them.
    pub(crate) rounds: usize,
    /// Time given to one side in one round.
    pub(crate) slice: Duration,
    /// Time given to each side once, untimed, before the first round.
    pub(crate) warmup: Duration,
}

/// How an operation is driven.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Sequential calls on the calling thread.
    Blocking,
    /// Sequential awaits on one Tokio task.
    Async,
    /// That many Tokio tasks awaiting in parallel, sharing one client/connection.
    AsyncConcurrent(usize),
}

impl Mode {
    /// The label shown in the table and the JSON rows.
    pub(crate) fn label(self) -> String {
        match self {
            Mode::Blocking => "blocking".to_owned(),
            Mode::Async => "async".to_owned(),
            Mode::AsyncConcurrent(tasks) => format!("async x{tasks}"),
        }
    }
}

/// Calls `op(0)`, `op(1)`, ... until `slice` has passed (at least once); returns ops/s.
pub(crate) fn time_blocking(
    slice: Duration,
    mut op: impl FnMut(usize) -> Result<()>,
) -> Result<f64> {
    let start = Instant::now();
    let deadline = start + slice;
    let mut count = 0;
    loop {
        op(count)?;
        count += 1;
        if Instant::now() >= deadline {
            break;
        }
    }
    Ok(rate(count, start.elapsed()))
}

/// Spawns `tasks` Tokio tasks that each await `op(i)` in a loop until `slice` has
/// passed (at least once each), all sharing what `op` captures; returns the total ops/s.
///
/// Task `t` uses indexes `t`, `t + tasks`, `t + 2 * tasks`, ..., so concurrent
/// tasks touch different entries.
pub(crate) fn time_async<F>(rt: &Runtime, tasks: usize, slice: Duration, op: F) -> Result<f64>
where
    F: Fn(usize) -> BoxFuture + Send + Sync + 'static,
{
    let op = Arc::new(op);
    rt.block_on(async move {
        let start = Instant::now();
        let deadline = start + slice;
        let handles: Vec<_> = (0..tasks)
            .map(|task| {
                let op = Arc::clone(&op);
                tokio::spawn(async move {
                    let mut count = 0;
                    loop {
                        op(count * tasks + task).await?;
                        count += 1;
                        if Instant::now() >= deadline {
                            break;
                        }
                    }
                    Ok::<usize, Error>(count)
                })
            })
            .collect();
        let mut total = 0;
        for handle in handles {
            total += handle.await??;
        }
        Ok(rate(total, start.elapsed()))
    })
}

/// Operations per second.
fn rate(count: usize, elapsed: Duration) -> f64 {
    count as f64 / elapsed.as_secs_f64().max(f64::MIN_POSITIVE)
}

/// One side of a comparison: times one slice and returns its ops/s.
pub(crate) type Timer<'a> = Box<dyn FnMut(Duration) -> Result<f64> + 'a>;

/// Ours against raw, for one mode.
pub(crate) struct Contest<'a> {
    /// How both sides are driven.
    pub(crate) mode: Mode,
    /// pottery's structure.
    pub(crate) ours: Timer<'a>,
    /// The bare redis-rs commands with pre-encoded bytes.
    pub(crate) raw: Timer<'a>,
}

/// The per-round figures of one [`Contest`].
#[derive(Clone, Debug)]
pub(crate) struct Rounds {
    /// The contest's mode.
    pub(crate) mode: Mode,
    /// Ours, ops/s per round.
    pub(crate) ours: Vec<f64>,
    /// Raw, ops/s per round.
    pub(crate) raw: Vec<f64>,
}

/// Untimed work run before every slice of ours and of raw, given its length.
pub(crate) type Prep<'a> = Box<dyn FnMut(Duration) -> Result<()> + 'a>;

/// Runs `prep`, then `timer`, for `slice`; returns the timer's ops/s.
fn prepared(prep: &mut Prep<'_>, timer: &mut Timer<'_>, slice: Duration) -> Result<f64> {
    prep(slice)?;
    timer(slice)
}

/// Warms every side up, then runs `plan.rounds` rounds. In each round every
/// contest runs ours and raw back to back (which one goes first alternates from
/// round to round), then `python` runs its slice. `prep` runs, untimed, before
/// every slice of ours and of raw (Python prepares its own).
///
/// Returns each contest's per-round figures, in order, and Python's.
pub(crate) fn run_rounds(
    plan: &Plan,
    contests: &mut [Contest<'_>],
    python: &mut Timer<'_>,
    prep: &mut Prep<'_>,
) -> Result<(Vec<Rounds>, Vec<f64>)> {
    for contest in contests.iter_mut() {
        prepared(prep, &mut contest.ours, plan.warmup)?;
        prepared(prep, &mut contest.raw, plan.warmup)?;
    }
    python(plan.warmup)?;

    let mut results: Vec<Rounds> = contests
        .iter()
        .map(|c| Rounds {
            mode: c.mode,
            ours: Vec::with_capacity(plan.rounds),
            raw: Vec::with_capacity(plan.rounds),
        })
        .collect();
    let mut python_rounds = Vec::with_capacity(plan.rounds);
    for round in 0..plan.rounds {
        for (contest, result) in contests.iter_mut().zip(results.iter_mut()) {
            if round % 2 == 0 {
                result
                    .ours
                    .push(prepared(prep, &mut contest.ours, plan.slice)?);
                result
                    .raw
                    .push(prepared(prep, &mut contest.raw, plan.slice)?);
            } else {
                result
                    .raw
                    .push(prepared(prep, &mut contest.raw, plan.slice)?);
                result
                    .ours
                    .push(prepared(prep, &mut contest.ours, plan.slice)?);
            }
        }
        python_rounds.push(python(plan.slice)?);
    }
    Ok((results, python_rounds))
}

/// The median of `samples` (the mean of the middle two for an even count); NaN if empty.
pub(crate) fn median(samples: &[f64]) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    match (
        sorted.len() % 2,
        sorted.get(mid),
        mid.checked_sub(1).and_then(|i| sorted.get(i)),
    ) {
        (1, Some(m), _) => *m,
        (0, Some(hi), Some(lo)) => (lo + hi) / 2.0,
        _ => f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn medians() {
        assert!(median(&[]).is_nan());
        assert_eq!(median(&[3.0]), 3.0);
        assert_eq!(median(&[5.0, 1.0, 3.0]), 3.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
    }
}
