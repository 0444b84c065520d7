//! The work-queue rows' figures, table, targets and JSON lines
//! ([`crate::workqueue`]).

use std::time::Duration;

use serde::Serialize;

use crate::measure::median;
use crate::workqueue::{CONSUMERS, GAP, LATENCY_WARMUP, MANY, Peer, Phases, SAMPLES, items};

/// Target: ours's throughput over raw's, at every consumer count.
const RAW_TARGET: f64 = 0.9;
/// Target: ours's throughput over BullMQ's with [`MANY`] consumers.
const BULLMQ_TARGET: f64 = 1.0;
/// Target: ours's put-to-receive p50 in PING round trips.
const RTT_TARGET: f64 = 2.0;

/// Everything the work-queue group measured.
pub(crate) struct WorkQueueRows {
    /// Throughput rounds per peer and consumer count.
    pub(crate) rounds: usize,
    pub(crate) throughput: Vec<ThroughputRow>,
    pub(crate) latency: Vec<LatencyRow>,
    /// The median PING round trip, measured in the same run.
    pub(crate) rtt: Duration,
    /// BullMQ's installed version, if any.
    pub(crate) bullmq_version: Option<String>,
}

impl WorkQueueRows {
    /// The rows as JSON values, for the JSON lines.
    pub(crate) fn json(&self) -> Vec<serde_json::Value> {
        let throughput = self.throughput.iter().map(serde_json::to_value);
        let latency = self.latency.iter().map(serde_json::to_value);
        throughput.chain(latency).filter_map(Result::ok).collect()
    }
}

/// One throughput row (a peer at a consumer count), and one JSON line.
#[derive(Debug, Serialize)]
pub(crate) struct ThroughputRow {
    structure: &'static str,
    kind: &'static str,
    #[serde(skip)]
    peer_kind: Peer,
    peer: &'static str,
    consumers: usize,
    /// Jobs per run.
    items: usize,
    /// The median over the rounds, jobs (put + receive + ack) per second.
    items_per_s: Option<f64>,
    /// Every round's figure.
    rounds_items_per_s: Vec<f64>,
    /// The medians of the two phases: puts per second, then receives + acks
    /// per second.
    put_per_s: Option<f64>,
    take_per_s: Option<f64>,
    /// Every round's two phases, per second.
    rounds_put_per_s: Vec<f64>,
    rounds_take_per_s: Vec<f64>,
    /// The median over the rounds of this peer's figure over raw's in the
    /// same mode (raw async for ours async: [`Peer::baseline`]), over raw
    /// blocking's, and over BullMQ's, in the same round, same consumer count.
    over_raw: Option<f64>,
    over_raw_blocking: Option<f64>,
    over_bullmq: Option<f64>,
    skipped: Option<String>,
    note: &'static str,
}

impl ThroughputRow {
    /// The rows of every `(peer, consumers, rounds or why skipped)`.
    pub(crate) fn all(runs: Vec<(Peer, usize, Result<Vec<Phases>, String>)>) -> Vec<ThroughputRow> {
        let mut rows: Vec<ThroughputRow> = runs
            .into_iter()
            .map(|(peer, consumers, outcome)| {
                let (phases, skipped) = match outcome {
                    Ok(phases) => (phases, None),
                    Err(why) => (Vec::new(), Some(why)),
                };
                let n = items(consumers) as f64;
                let rates = |f: fn(&Phases) -> Duration| -> Vec<f64> {
                    phases.iter().map(|p| n / f(p).as_secs_f64()).collect()
                };
                let (puts, takes) = (rates(|p| p.put), rates(|p| p.take));
                let mid = |rates: &[f64]| (!rates.is_empty()).then(|| median(rates));
                let rounds: Vec<f64> = phases
                    .iter()
                    .map(|p| n / (p.put + p.take).as_secs_f64())
                    .collect();
                ThroughputRow {
                    structure: "workqueue",
                    kind: "throughput",
                    peer_kind: peer,
                    peer: peer.name(),
                    consumers,
                    items: items(consumers),
                    items_per_s: (skipped.is_none() && !rounds.is_empty()).then(|| median(&rounds)),
                    rounds_items_per_s: rounds,
                    put_per_s: mid(&puts),
                    take_per_s: mid(&takes),
                    rounds_put_per_s: puts,
                    rounds_take_per_s: takes,
                    over_raw: None,
                    over_raw_blocking: None,
                    over_bullmq: None,
                    skipped,
                    note: peer.note(),
                }
            })
            .collect();
        // Round by round (the same round ran the two back to back or close),
        // then the median of the ratios.
        let rounds = |rows: &[ThroughputRow], peer: Peer, consumers: usize| {
            rows.iter()
                .find(|r| r.peer_kind == peer && r.consumers == consumers && r.skipped.is_none())
                .map(|r| r.rounds_items_per_s.clone())
        };
        let ratios: Vec<_> = rows
            .iter()
            .map(|r| {
                let over = |peer| {
                    let theirs = rounds(&rows, peer, r.consumers)?;
                    let ratios: Vec<f64> = r
                        .rounds_items_per_s
                        .iter()
                        .zip(&theirs)
                        .map(|(ours, theirs)| ours / theirs)
                        .collect();
                    (!ratios.is_empty()).then(|| median(&ratios))
                };
                (
                    over(r.peer_kind.baseline()),
                    over(Peer::Raw),
                    over(Peer::BullMq),
                )
            })
            .collect();
        for (row, (raw, blocking, bullmq)) in rows.iter_mut().zip(ratios) {
            row.over_raw = raw;
            row.over_raw_blocking = blocking;
            row.over_bullmq = bullmq;
        }
        rows
    }
}

/// One latency row, and one JSON line.
#[derive(Debug, Serialize)]
pub(crate) struct LatencyRow {
    structure: &'static str,
    kind: &'static str,
    #[serde(skip)]
    peer_kind: Peer,
    peer: &'static str,
    /// Idle consumers.
    consumers: usize,
    samples: usize,
    p50_us: Option<f64>,
    p99_us: Option<f64>,
    mean_us: Option<f64>,
    max_us: Option<f64>,
    /// p50 in PING round trips.
    p50_rtts: Option<f64>,
    /// This peer's p50 over raw's in the same mode ([`Peer::baseline`]).
    p50_over_raw: Option<f64>,
    ping_rtt_ms: f64,
    skipped: Option<String>,
    note: &'static str,
}

impl LatencyRow {
    /// Sets every row's p50 over raw's in the same mode.
    pub(crate) fn against_raw(rows: &mut [LatencyRow]) {
        let p50 = |rows: &[LatencyRow], peer: Peer| {
            rows.iter()
                .find(|r| r.peer_kind == peer)
                .and_then(|r| r.p50_us)
        };
        let raws: Vec<_> = rows
            .iter()
            .map(|r| p50(rows, r.peer_kind.baseline()))
            .collect();
        for (row, raw) in rows.iter_mut().zip(raws) {
            row.p50_over_raw = row.p50_us.zip(raw).map(|(p50, raw)| p50 / raw);
        }
    }

    /// The row of `peer`'s put-to-receive samples (or why it was skipped).
    pub(crate) fn new(
        peer: Peer,
        rtt: Duration,
        outcome: Result<Vec<Duration>, String>,
    ) -> LatencyRow {
        let (mut us, skipped) = match outcome {
            Ok(samples) => (
                samples
                    .iter()
                    .map(|d| d.as_secs_f64() * 1e6)
                    .collect::<Vec<_>>(),
                None,
            ),
            Err(why) => (Vec::new(), Some(why)),
        };
        us.sort_by(f64::total_cmp);
        // Nearest rank: the smallest value with at least p% of samples at or below it.
        let rank = |p: f64| {
            let i = ((p * us.len() as f64).ceil() as usize).max(1) - 1;
            us.get(i).copied()
        };
        let p50 = rank(0.50);
        let rtt_us = rtt.as_secs_f64() * 1e6;
        LatencyRow {
            structure: "workqueue",
            kind: "latency",
            peer_kind: peer,
            peer: peer.name(),
            consumers: MANY,
            samples: us.len(),
            p50_us: p50,
            p99_us: rank(0.99),
            mean_us: (!us.is_empty()).then(|| us.iter().sum::<f64>() / us.len() as f64),
            max_us: us.last().copied(),
            p50_rtts: p50.map(|p| p / rtt_us),
            p50_over_raw: None,
            ping_rtt_ms: rtt_us / 1e3,
            skipped,
            note: peer.note(),
        }
    }
}

/// `x` with `digits` decimals, or `-`.
fn num(x: Option<f64>, digits: usize) -> String {
    x.map_or_else(|| "-".to_owned(), |x| format!("{x:.digits$}"))
}

/// Prints both tables, the targets' verdicts and the notes.
pub(crate) fn print_table(rows: &WorkQueueRows) {
    if rows.throughput.is_empty() && rows.latency.is_empty() {
        return;
    }
    println!();
    println!(
        "work queue throughput: put + receive + ack, {} / {} jobs per run with {} / {} \
         consumers (as many producers; puts, then receives + acks), median of {} rounds; \
         ratios (peer/raw, peer/bullmq) are medians of the rounds' ratios; /raw is over raw \
         redis-rs in the same mode (async rows over raw async), /raw-b over raw blocking",
        items(CONSUMERS[0]),
        items(CONSUMERS[1]),
        CONSUMERS[0],
        CONSUMERS[1],
        rows.rounds,
    );
    println!(
        "{:<10} {:<16} {:>10} {:>9} {:>9} {:>11} {:>9} {:>10}  note",
        "consumers", "peer", "items/s", "/raw", "/raw-b", "/bullmq", "puts/s", "r+acks/s"
    );
    for r in &rows.throughput {
        println!(
            "{:<10} {:<16} {:>10} {:>9} {:>9} {:>11} {:>9} {:>10}  {}",
            r.consumers,
            r.peer,
            num(r.items_per_s, 0),
            num(r.over_raw, 2),
            num(r.over_raw_blocking, 2),
            num(r.over_bullmq, 2),
            num(r.put_per_s, 0),
            num(r.take_per_s, 0),
            r.skipped
                .as_ref()
                .map(|w| format!("skipped: {w}"))
                .unwrap_or_default(),
        );
    }
    println!();
    println!(
        "work queue put-to-receive: {MANY} idle consumers, {SAMPLES} jobs one at a time (after \
         {LATENCY_WARMUP} warm-up), {} ms pause after each ack; PING RTT {:.3} ms",
        GAP.as_millis(),
        rows.rtt.as_secs_f64() * 1e3
    );
    println!(
        "{:<16} {:>9} {:>9} {:>9} {:>9} {:>9}  note",
        "peer", "p50 us", "p99 us", "max us", "p50 RTTs", "p50/raw"
    );
    for r in &rows.latency {
        println!(
            "{:<16} {:>9} {:>9} {:>9} {:>9} {:>9}  {}",
            r.peer,
            num(r.p50_us, 0),
            num(r.p99_us, 0),
            num(r.max_us, 0),
            num(r.p50_rtts, 1),
            num(r.p50_over_raw, 2),
            r.skipped
                .as_ref()
                .map(|w| format!("skipped: {w}"))
                .unwrap_or_default(),
        );
    }
    println!();
    for r in &rows.throughput {
        let ours = matches!(r.peer_kind, Peer::OursBlocking | Peer::OursAsync);
        if let (true, Some(ratio)) = (ours, r.over_raw) {
            verdict(
                &format!(
                    "{} / {} >= {RAW_TARGET} with {} consumer(s)",
                    r.peer,
                    r.peer_kind.baseline().name(),
                    r.consumers
                ),
                ratio >= RAW_TARGET,
                ratio,
            );
        }
    }
    for r in rows.throughput.iter().filter(|r| r.consumers == MANY) {
        let ours = matches!(r.peer_kind, Peer::OursBlocking | Peer::OursAsync);
        if let (true, Some(ratio)) = (ours, r.over_bullmq) {
            verdict(
                &format!(
                    "{} / bullmq >= {BULLMQ_TARGET} with {MANY} consumers",
                    r.peer
                ),
                ratio >= BULLMQ_TARGET,
                ratio,
            );
        }
    }
    for r in &rows.latency {
        let ours = matches!(r.peer_kind, Peer::OursBlocking | Peer::OursAsync);
        if let (true, Some(rtts)) = (ours, r.p50_rtts) {
            verdict(
                &format!("{} put-to-receive p50 <= {RTT_TARGET} round trips", r.peer),
                rtts <= RTT_TARGET,
                rtts,
            );
        }
    }
    if let Some(version) = &rows.bullmq_version {
        println!("bullmq version {version}");
    }
    for peer in Peer::ALL {
        println!("workqueue {}: {}", peer.name(), peer.note());
    }
}

fn verdict(target: &str, pass: bool, figure: f64) {
    let shown = if pass { "PASS" } else { "MISS" };
    println!("target {target}: {shown} ({figure:.2})");
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use std::time::Duration;

    use super::{LatencyRow, ThroughputRow};
    use crate::workqueue::{Peer, Phases};

    fn run(total_ms: &[u64]) -> Result<Vec<Phases>, String> {
        Ok(total_ms
            .iter()
            .map(|&ms| Phases {
                put: Duration::from_millis(ms / 2),
                take: Duration::from_millis(ms - ms / 2),
            })
            .collect())
    }

    #[test]
    fn ratios_are_medians_of_the_rounds_ratios() {
        // Round by round ours/raw is 0.5, 2, 0.5: the median is 0.5, where the
        // ratio of the medians (2500/s over 1250/s) would say 2.
        let rows = ThroughputRow::all(vec![
            (Peer::OursBlocking, 1, run(&[100, 200, 1000])),
            (Peer::Raw, 1, run(&[50, 400, 500])),
            (Peer::BullMq, 1, Err("not installed".to_owned())),
        ]);
        let ours = &rows[0];
        assert_eq!(ours.items_per_s, Some(2500.0));
        assert_eq!(ours.over_raw, Some(0.5));
        assert_eq!(ours.over_bullmq, None);
        assert_eq!(rows[1].over_raw, Some(1.0));
        assert_eq!(rows[2].items_per_s, None);
    }

    #[test]
    fn async_rows_are_over_raw_async_and_raw_blocking() {
        let rows = ThroughputRow::all(vec![
            (Peer::Raw, 1, run(&[100, 100])),
            (Peer::OursAsync, 1, run(&[200, 200])),
            (Peer::RawAsync, 1, run(&[100, 100])),
        ]);
        assert_eq!(rows[1].over_raw, Some(0.5));
        assert_eq!(rows[1].over_raw_blocking, Some(0.5));
        let rows = ThroughputRow::all(vec![
            (Peer::Raw, 1, run(&[50, 50])),
            (Peer::OursAsync, 1, run(&[100, 100])),
            (Peer::RawAsync, 1, run(&[100, 100])),
        ]);
        assert_eq!(rows[1].over_raw, Some(1.0));
        assert_eq!(rows[1].over_raw_blocking, Some(0.5));
    }

    #[test]
    fn latency_percentiles_are_nearest_rank_and_p50_over_raw() {
        let us = |v: &[u64]| Ok(v.iter().map(|&u| Duration::from_micros(u)).collect());
        let mut rows = vec![
            LatencyRow::new(
                Peer::OursBlocking,
                Duration::from_micros(10),
                us(&[40, 10, 30, 20]),
            ),
            LatencyRow::new(Peer::Raw, Duration::from_micros(10), us(&[10, 10, 10])),
        ];
        LatencyRow::against_raw(&mut rows);
        assert_eq!(rows[0].p50_us, Some(20.0));
        assert_eq!(rows[0].p99_us, Some(40.0));
        assert_eq!(rows[0].p50_rtts, Some(2.0));
        assert_eq!(rows[0].p50_over_raw, Some(2.0));
    }
}
