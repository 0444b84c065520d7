//! The hand-off rows' statistics, table and JSON lines ([`crate::handoff`]).

use std::time::Duration;

use serde::Serialize;

use crate::handoff::{CONTENDERS, Event, HANDOFFS, HOLD, Peer, Run, WARMUP};

/// Target: ours's p50 on one master within this many PING round trips.
const RTT_TARGET: f64 = 3.0;
/// Target: pottery's p50 over ours's, on one and on many masters.
const POTTERY_TARGET: f64 = 20.0;

/// Hand-off statistics of one run, in milliseconds.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Stats {
    pub(crate) p50_ms: f64,
    pub(crate) p99_ms: f64,
    pub(crate) mean_ms: f64,
    pub(crate) max_ms: f64,
    /// Hand-offs measured.
    pub(crate) handoffs: usize,
    /// Hand-offs where the next holder acquired before the previous one began
    /// to release: mutual exclusion broken (should be 0).
    pub(crate) overlaps: usize,
    /// Every hand-off, in order.
    pub(crate) handoffs_ms: Vec<f64>,
}

impl Stats {
    /// The hand-offs of `events` (any order): sorted by acquisition, the first
    /// [`WARMUP`] dropped, each next acquire minus the previous release.
    pub(crate) fn of(events: &[Event]) -> Stats {
        let mut events = events.to_vec();
        events.sort_by_key(|&(_, acquired, _)| acquired);
        let measured = events.get(WARMUP..).unwrap_or_default();
        let handoffs_ms: Vec<f64> = measured
            .iter()
            .zip(measured.iter().skip(1))
            .map(|(prev, next)| (next.1 as f64 - prev.2 as f64) / 1e6)
            .collect();
        let mut sorted = handoffs_ms.clone();
        sorted.sort_by(f64::total_cmp);
        // Nearest rank: the smallest value with at least p% of samples at or below it.
        let rank = |p: f64| {
            let i = ((p * sorted.len() as f64).ceil() as usize).max(1) - 1;
            sorted.get(i).copied().unwrap_or(f64::NAN)
        };
        Stats {
            p50_ms: rank(0.50),
            p99_ms: rank(0.99),
            mean_ms: sorted.iter().sum::<f64>() / sorted.len().max(1) as f64,
            max_ms: sorted.last().copied().unwrap_or(f64::NAN),
            handoffs: sorted.len(),
            overlaps: sorted.iter().filter(|&&h| h < 0.0).count(),
            handoffs_ms,
        }
    }
}

/// One row of the hand-off table, and one JSON line.
#[derive(Debug, Serialize)]
pub(crate) struct HandoffRow {
    structure: &'static str,
    peer: &'static str,
    masters: usize,
    contenders: usize,
    hold_ms: f64,
    /// The library and version that ran, if it ran.
    library: Option<String>,
    version: Option<String>,
    /// Why the peer was not measured.
    skipped: Option<String>,
    #[serde(flatten)]
    stats: Option<Stats>,
    /// Acquires that gave up and were retried (node-redlock's retryCount).
    failures: u64,
    /// The median PING round trip to the first master, ms.
    ping_rtt_ms: f64,
    /// p50 in PING round trips.
    p50_rtts: Option<f64>,
    /// This peer's p50 and p99 over ours blocking's (higher: ours is faster).
    p50_over_ours: Option<f64>,
    p99_over_ours: Option<f64>,
    note: &'static str,
}

impl HandoffRow {
    /// The row of `peer` on `masters` masters, against ours blocking's `baseline`.
    pub(crate) fn new(
        peer: Peer,
        masters: usize,
        rtt: Duration,
        outcome: Result<(Stats, Run), String>,
        baseline: Option<&Stats>,
    ) -> HandoffRow {
        let rtt_ms = rtt.as_secs_f64() * 1e3;
        let (stats, run, skipped) = match outcome {
            Ok((stats, run)) => (Some(stats), Some(run), None),
            Err(why) => (None, None, Some(why)),
        };
        let over = |f: fn(&Stats) -> f64| Some(f(stats.as_ref()?) / f(baseline?));
        HandoffRow {
            structure: "handoff",
            peer: peer.name(),
            masters,
            contenders: CONTENDERS,
            hold_ms: HOLD.as_secs_f64() * 1e3,
            library: run.as_ref().map(|r| r.library.clone()),
            version: run.as_ref().map(|r| r.version.clone()),
            skipped,
            failures: run.as_ref().map_or(0, |r| r.failures),
            ping_rtt_ms: rtt_ms,
            p50_rtts: stats.as_ref().map(|s| s.p50_ms / rtt_ms),
            p50_over_ours: over(|s| s.p50_ms),
            p99_over_ours: over(|s| s.p99_ms),
            stats,
            note: peer.note(),
        }
    }

    pub(crate) fn stats(&self) -> Option<&Stats> {
        self.stats.as_ref()
    }
}

/// `x` with `digits` decimals, or `-`.
fn num(x: Option<f64>, digits: usize) -> String {
    x.map_or_else(|| "-".to_owned(), |x| format!("{x:.digits$}"))
}

/// Prints the hand-off table, the targets and the notes.
pub(crate) fn print_table(rows: &[HandoffRow]) {
    if rows.is_empty() {
        return;
    }
    println!();
    println!(
        "lock hand-off: {CONTENDERS} contenders, {HANDOFFS} hand-offs each (after {WARMUP} warm-up \
         acquisitions), hold {} ms; ratios are peer/ours-blocking (higher: ours faster)",
        HOLD.as_millis()
    );
    println!(
        "{:<8} {:<18} {:>9} {:>9} {:>9} {:>9} {:>10} {:>10}  note",
        "masters", "peer", "p50 ms", "p99 ms", "mean ms", "p50 RTTs", "p50/ours", "p99/ours"
    );
    for r in rows {
        let s = r.stats.as_ref();
        let mut note = r.skipped.clone().map(|w| format!("skipped: {w}"));
        if let Some(s) = s.filter(|s| s.overlaps > 0) {
            note = Some(format!("{} OVERLAPS (exclusion broken)", s.overlaps));
        }
        if r.failures > 0 {
            note = Some(format!("{} acquires gave up and were retried", r.failures));
        }
        println!(
            "{:<8} {:<18} {:>9} {:>9} {:>9} {:>9} {:>10} {:>10}  {}",
            r.masters,
            r.peer,
            num(s.map(|s| s.p50_ms), 2),
            num(s.map(|s| s.p99_ms), 2),
            num(s.map(|s| s.mean_ms), 2),
            num(r.p50_rtts, 1),
            num(r.p50_over_ours, 2),
            num(r.p99_over_ours, 2),
            note.unwrap_or_default(),
        );
    }
    println!();
    for r in rows.iter().filter(|r| r.peer == Peer::OursBlocking.name()) {
        if r.masters == 1
            && let Some(rtts) = r.p50_rtts
        {
            verdict(
                &format!("ours p50 <= {RTT_TARGET} round trips on 1 master"),
                rtts <= RTT_TARGET,
                &format!("{rtts:.1} (PING RTT {:.3} ms)", r.ping_rtt_ms),
            );
        }
    }
    for r in rows.iter().filter(|r| r.peer == Peer::Pottery.name()) {
        if let Some(ratio) = r.p50_over_ours {
            verdict(
                &format!(
                    "pottery p50 / ours p50 >= {POTTERY_TARGET} on {} master(s)",
                    r.masters
                ),
                ratio >= POTTERY_TARGET,
                &format!("{ratio:.1}"),
            );
        }
    }
    println!(
        "hand-off: next acquire returned minus previous holder's call to release, on one process's \
         CLOCK_MONOTONIC; a releaser contends again only after another contender acquired"
    );
    for peer in Peer::ALL {
        println!("handoff {}: {}", peer.name(), peer.note());
    }
}

fn verdict(target: &str, pass: bool, figure: &str) {
    let shown = if pass { "PASS" } else { "MISS" };
    println!("target {target}: {shown} ({figure})");
}

#[cfg(test)]
mod tests {
    use super::{Stats, WARMUP};

    #[test]
    fn handoffs_are_next_acquire_minus_previous_release_after_the_warmup() {
        // Out of order on purpose; 1 ms apart, each held 0.5 ms: 0.5 ms hand-offs,
        // except the last, which acquires 0.1 ms before the previous release.
        let mut events: Vec<_> = (0..WARMUP as u64 + 4)
            .map(|i| (i as usize % 8, i * 1_000_000, i * 1_000_000 + 500_000))
            .rev()
            .collect();
        events.push((0, (WARMUP as u64 + 3) * 1_000_000 + 400_000, 0));
        let stats = Stats::of(&events);
        assert_eq!(stats.handoffs, 4);
        assert_eq!(stats.overlaps, 1);
        let ms: Vec<_> = stats
            .handoffs_ms
            .iter()
            .map(|h| (h * 10.0).round())
            .collect();
        assert_eq!(ms, [5.0, 5.0, 5.0, -1.0]);
        assert_eq!(stats.p50_ms, 0.5);
        assert_eq!(stats.p99_ms, 0.5);
    }
}
