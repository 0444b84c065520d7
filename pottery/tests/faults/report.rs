//! The suite's figures per fault and mode, printed as table rows prefixed
//! `faults|`, and the assertions on them.

use std::fmt::Write as _;
use std::time::Duration;

use super::ops::Call;

/// What one mode saw under one fault.
pub(super) struct Figures {
    pub(super) fault: String,
    pub(super) mode: &'static str,
    /// The calls made while the fault lasted.
    pub(super) during: Vec<Call>,
    /// The calls made after it ended.
    pub(super) after: Vec<Call>,
    /// From the end of the fault to the first success; `None`: never.
    pub(super) recovery: Option<Duration>,
    /// The calls that failed after the fault ended.
    pub(super) failed_after: Vec<String>,
    /// Acknowledged writes lost, of how many, where that is measured.
    pub(super) lost: Option<(usize, usize)>,
}

fn ms(d: Duration) -> String {
    format!("{:.0}", d.as_secs_f64() * 1000.0)
}

/// The 99th percentile of `took` (nearest rank).
fn p99(calls: &[Call]) -> Duration {
    let mut took: Vec<Duration> = calls.iter().map(|c| c.took).collect();
    took.sort();
    let rank = (took.len() * 99).div_ceil(100).max(1);
    took.get(rank - 1).copied().unwrap_or_default()
}

/// The call that took the largest share of its deadline: (took, deadline).
fn worst(calls: &[Call]) -> Option<&Call> {
    calls.iter().max_by(|a, b| ratio(a).total_cmp(&ratio(b)))
}

fn ratio(call: &Call) -> f64 {
    call.took.as_secs_f64() / call.deadline.as_secs_f64()
}

const HEADER: &str = "faults| fault                          mode      calls failed  p99ms  maxms  worst/deadline  recovery_ms  failed_after  lost";

/// The errors of `calls` without their ops and keys, each with its count, most
/// frequent first: what a fault looked like to the caller.
fn errors(calls: &[Call]) -> String {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for error in calls.iter().filter_map(|c| c.error.as_deref()) {
        // "op: kind at key `KEY`: detail" -> "kind: detail"
        let error = error.split_once(": ").map_or(error, |(_, e)| e);
        let shown = match (error.find(" at key `"), error.rfind("`: ")) {
            (Some(at), Some(end)) if at < end => format!("{}:{}", &error[..at], &error[end + 2..]),
            _ => error.to_owned(),
        };
        match counts.iter_mut().find(|(e, _)| *e == shown) {
            Some((_, n)) => *n += 1,
            None => counts.push((shown, 1)),
        }
    }
    counts.sort_by_key(|&(_, n)| std::cmp::Reverse(n));
    let shown: Vec<String> = counts.iter().map(|(e, n)| format!("{n}x {e}")).collect();
    if shown.is_empty() {
        return "none".to_owned();
    }
    shown.join("; ")
}

/// Prints the rows of one fault at once (trials run in parallel), then the
/// errors each mode saw while it lasted.
pub(super) fn print(figures: &[Figures]) {
    let mut out = format!("{HEADER}\n");
    for f in figures {
        let all: Vec<Call> = f.during.iter().chain(&f.after).cloned().collect();
        let max = all.iter().map(|c| c.took).max().unwrap_or_default();
        let worst = worst(&all).map_or("-".to_owned(), |c| {
            format!("{}/{} ms", ms(c.took), ms(c.deadline))
        });
        let failed = f.during.iter().filter(|c| !c.ok()).count();
        let recovery = f.recovery.map_or("never".to_owned(), ms);
        let lost = f
            .lost
            .map_or("-".to_owned(), |(lost, of)| format!("{lost}/{of}"));
        let _ = writeln!(
            out,
            "faults| {:<30} {:<9} {:>5} {:>6} {:>6} {:>6}  {:>14}  {:>11}  {:>12}  {}",
            f.fault,
            f.mode,
            f.during.len(),
            failed,
            ms(p99(&all)),
            ms(max),
            worst,
            recovery,
            f.failed_after.len(),
            lost,
        );
    }
    for f in figures {
        let _ = writeln!(
            out,
            "faults|   {} {} errors during the fault: {}",
            f.fault,
            f.mode,
            errors(&f.during)
        );
    }
    print!("{out}");
}

/// The assertions: every call within its deadline + 10%, a recovery, and at
/// most `failed_after_limit` failed calls per mode once the fault ended.
pub(super) fn check(figures: &[Figures], failed_after_limit: usize) {
    let mut problems = Vec::new();
    for f in figures {
        let late: Vec<String> = f
            .during
            .iter()
            .chain(&f.after)
            .filter(|c| c.took > c.deadline + c.deadline / 10)
            .map(|c| format!("{} {}/{} ms", c.op, ms(c.took), ms(c.deadline)))
            .collect();
        if !late.is_empty() {
            problems.push(format!(
                "{} {}: calls past their deadline + 10%: {late:?}",
                f.fault, f.mode
            ));
        }
        if f.recovery.is_none() {
            problems.push(format!("{} {}: never recovered", f.fault, f.mode));
        }
        if f.failed_after.len() > failed_after_limit {
            problems.push(format!(
                "{} {}: {} failed calls after the fault ended (at most {failed_after_limit}): {:?}",
                f.fault,
                f.mode,
                f.failed_after.len(),
                f.failed_after
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
