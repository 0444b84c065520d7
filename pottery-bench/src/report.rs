//! The results: one [`Row`] per operation and mode, the table printed from them,
//! the verdict of each target, and the JSON lines.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use serde::Serialize;

use crate::measure::{Result, Rounds, median};
use crate::ops::{BenchOp, Group};
use crate::{TASKS, python};

/// Target for ours/raw on single-element operations.
const RAW_TARGET: Target = Target {
    ratio: 0.9,
    scope: "single-element ops",
};
/// Target for ours/python on every structure row.
const PYTHON_TARGET: Target = Target {
    ratio: 8.0,
    scope: "every structure row",
};

/// Target for ours/raw on a cache hit: at most 1.1x a raw HGET round trip.
const CACHE_HIT_TARGET: Target = Target {
    ratio: 1.0 / 1.1,
    scope: "cache hit vs one raw HGET",
};

/// A target ratio, and which rows it holds for (shown in its summary line).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Target {
    /// The least passing ratio.
    pub(crate) ratio: f64,
    /// Which rows are held to it, for the summary line.
    pub(crate) scope: &'static str,
}

/// What a row is, besides its figures.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RowInfo {
    /// The structure (table group).
    pub(crate) group: Group,
    /// The operation's name.
    pub(crate) name: &'static str,
    /// What the row compares.
    pub(crate) note: &'static str,
    /// The ours/raw target, if the row is held to one.
    pub(crate) raw_target: Option<Target>,
    /// The ours/python target, if the row is held to one.
    pub(crate) python_target: Option<Target>,
}

impl RowInfo {
    /// A structure operation: held to the ours/python target, and to the
    /// ours/raw target if it is a single-element one.
    pub(crate) fn of(op: &BenchOp) -> RowInfo {
        RowInfo {
            group: op.group,
            name: op.name,
            note: op.note,
            raw_target: match op.group {
                Group::Cache => op.single.then_some(CACHE_HIT_TARGET),
                _ => op.single.then_some(RAW_TARGET),
            },
            // The issue sets no Python target for the cache.
            python_target: (op.group != Group::Cache).then_some(PYTHON_TARGET),
        }
    }
}

/// PASS or MISS against a target.
#[derive(Clone, Copy, Debug, Serialize)]
#[serde(rename_all = "UPPERCASE")]
enum Verdict {
    Pass,
    Miss,
}

impl Verdict {
    /// PASS if `ratio >= target`.
    fn of(ratio: f64, target: f64) -> Verdict {
        if ratio >= target {
            Verdict::Pass
        } else {
            Verdict::Miss
        }
    }
}

/// One row of the table, and one JSON line.
#[derive(Debug, Serialize)]
pub(crate) struct Row {
    structure: Group,
    operation: &'static str,
    mode: String,
    ours_ops_per_sec: f64,
    raw_ops_per_sec: f64,
    python_ops_per_sec: f64,
    ours_over_raw: f64,
    ours_over_python: f64,
    /// What raw redis-rs itself reaches against Python: the ceiling of
    /// `ours_over_python` for a client with no overhead at all.
    raw_over_python: f64,
    /// The median of the per-round ratios ours/raw (each round's two slices run
    /// back to back): less sensitive to drift than the ratio of medians.
    ours_over_raw_paired: f64,
    /// Only single-element operations (and Redlock on one master) are held to it.
    raw_target: Option<Verdict>,
    /// The ratio `raw_target` is against.
    raw_goal: Option<f64>,
    /// Every structure operation (and Redlock on five masters) is held to it.
    python_target: Option<Verdict>,
    /// The ratio `python_target` is against.
    python_goal: Option<f64>,
    #[serde(skip)]
    raw_scope: Option<Target>,
    #[serde(skip)]
    python_scope: Option<Target>,
    ours_rounds: Vec<f64>,
    raw_rounds: Vec<f64>,
    python_rounds: Vec<f64>,
    note: &'static str,
    /// Calls that failed in a contention run beside the row (NextId: the
    /// "quorum not achieved" rate under concurrent clients), if measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<Errors>,
}

/// How many calls of a contention run failed, and what the run was.
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct Errors {
    pub(crate) calls: usize,
    pub(crate) failed: usize,
    pub(crate) setup: &'static str,
}

impl Row {
    /// The row with the failures of a contention run beside it.
    pub(crate) fn with_errors(mut self, errors: Errors) -> Row {
        self.errors = Some(errors);
        self
    }

    /// The row of `op` in one mode, from the per-round figures.
    pub(crate) fn new(op: RowInfo, rounds: Rounds, python_rounds: &[f64]) -> Row {
        let (ours, raw, python) = (
            median(&rounds.ours),
            median(&rounds.raw),
            median(python_rounds),
        );
        Row {
            structure: op.group,
            operation: op.name,
            mode: rounds.mode.label(),
            ours_ops_per_sec: ours,
            raw_ops_per_sec: raw,
            python_ops_per_sec: python,
            ours_over_raw: ours / raw,
            ours_over_python: ours / python,
            raw_over_python: raw / python,
            ours_over_raw_paired: median(&paired_ratios(&rounds.ours, &rounds.raw)),
            raw_target: op.raw_target.map(|t| Verdict::of(ours / raw, t.ratio)),
            raw_goal: op.raw_target.map(|t| t.ratio),
            python_target: op
                .python_target
                .map(|t| Verdict::of(ours / python, t.ratio)),
            python_goal: op.python_target.map(|t| t.ratio),
            raw_scope: op.raw_target,
            python_scope: op.python_target,
            ours_rounds: rounds.ours,
            raw_rounds: rounds.raw,
            python_rounds: python_rounds.to_vec(),
            note: op.note,
            errors: None,
        }
    }
}

/// `ours[i] / raw[i]` for every round.
fn paired_ratios(ours: &[f64], raw: &[f64]) -> Vec<f64> {
    ours.iter().zip(raw).map(|(o, r)| o / r).collect()
}

/// Prints the table (grouped by structure), one line per target and the notes.
pub(crate) fn print_table(rows: &[Row]) {
    println!();
    println!(
        "{:<8} {:<18} {:<10} {:>11} {:>11} {:>12} {:>9} {:>12}  {:<10} {:<9}",
        "struct",
        "operation",
        "mode",
        "ours ops/s",
        "raw ops/s",
        "python ops/s",
        "ours/raw",
        "ours/python",
        "vs raw",
        "vs python"
    );
    let mut last = None;
    for r in rows {
        if last.is_some_and(|g| g != r.structure) {
            println!();
        }
        last = Some(r.structure);
        println!(
            "{:<8} {:<18} {:<10} {:>11} {:>11} {:>12} {:>9.3} {:>12.1}  {:<10} {:<9}",
            r.structure.name(),
            r.operation,
            r.mode,
            thousands(r.ours_ops_per_sec),
            thousands(r.raw_ops_per_sec),
            thousands(r.python_ops_per_sec),
            r.ours_over_raw,
            r.ours_over_python,
            cell(r.raw_target, r.raw_goal),
            cell(r.python_target, r.python_goal),
        );
    }
    println!();
    // One summary line per target, in the order the rows first use them.
    let mut targets: Vec<(&str, Target)> = Vec::new();
    for r in rows {
        for target in [
            r.raw_scope.map(|t| ("ours/raw", t)),
            r.python_scope.map(|t| ("ours/python", t)),
        ]
        .into_iter()
        .flatten()
        {
            if !targets.contains(&target) {
                targets.push(target);
            }
        }
    }
    for (what, target) in targets {
        let held: Vec<(&Row, Verdict, f64)> = rows
            .iter()
            .filter_map(|r| match what {
                "ours/raw" => (r.raw_scope == Some(target))
                    .then_some(r.raw_target.map(|v| (r, v, r.ours_over_raw)))
                    .flatten(),
                _ => (r.python_scope == Some(target))
                    .then_some(r.python_target.map(|v| (r, v, r.ours_over_python)))
                    .flatten(),
            })
            .collect();
        summarize(
            &format!("{what} >= {} ({})", target.ratio, target.scope),
            held,
        );
    }
    let ceilings: Vec<String> = rows
        .iter()
        .filter(|r| matches!(r.python_target, Some(Verdict::Miss)))
        .map(|r| {
            format!(
                "{} {} ({}) {:.3}",
                r.structure.name(),
                r.operation,
                r.mode,
                r.raw_over_python
            )
        })
        .collect();
    if !ceilings.is_empty() {
        println!(
            "  raw/python on those rows (no client overhead at all): {}",
            ceilings.join(", ")
        );
    }
    println!();
    println!(
        "python: pottery {} structures, Redlock and NextID, single-threaded sync (the driver uses no \
         async API); the same figure divides the blocking, async and async x{TASKS} rows of an \
         operation.",
        python::POTTERY_VERSION
    );
    for (i, r) in rows.iter().enumerate() {
        let first = rows
            .get(..i)
            .is_none_or(|before| !before.iter().any(|b| same_op(b, r)));
        if first {
            println!("{} {}: {}", r.structure.name(), r.operation, r.note);
        }
        if let Some(e) = r.errors {
            println!(
                "{} {} ({}): errors {} of {} calls ({:.2}%) with {}",
                r.structure.name(),
                r.operation,
                r.mode,
                e.failed,
                e.calls,
                100.0 * e.failed as f64 / e.calls.max(1) as f64,
                e.setup
            );
        }
    }
}

/// Whether two rows are the same operation (in different modes).
fn same_op(a: &Row, b: &Row) -> bool {
    a.structure == b.structure && a.operation == b.operation
}

/// Prints one target's line: how many rows pass, and every miss with its ratio.
fn summarize(target: &str, rows: Vec<(&Row, Verdict, f64)>) {
    let passed = rows
        .iter()
        .filter(|(_, v, _)| matches!(v, Verdict::Pass))
        .count();
    let misses: Vec<String> = rows
        .iter()
        .filter(|(_, v, _)| matches!(v, Verdict::Miss))
        .map(|(r, _, ratio)| {
            format!(
                "{} {} ({}) {ratio:.3}",
                r.structure.name(),
                r.operation,
                r.mode
            )
        })
        .collect();
    let verdict = if misses.is_empty() { "PASS" } else { "MISS" };
    println!(
        "target {target}: {verdict}, {passed}/{} rows pass",
        rows.len()
    );
    if !misses.is_empty() {
        println!("  misses: {}", misses.join(", "));
    }
}

/// `PASS` or `MISS`.
fn shown(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "PASS",
        Verdict::Miss => "MISS",
    }
}

/// A target cell: `>=0.9 PASS`, or `-` for a row not held to the target.
fn cell(verdict: Option<Verdict>, goal: Option<f64>) -> String {
    match (verdict, goal) {
        (Some(v), Some(goal)) => format!(">={goal} {}", shown(v)),
        _ => "-".to_owned(),
    }
}

/// `1234567.8` as `1,234,568`.
fn thousands(x: f64) -> String {
    if !x.is_finite() {
        return format!("{x}");
    }
    let digits = format!("{:.0}", x.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if x < 0.0 { format!("-{out}") } else { out }
}

/// Writes one JSON object per row, then per row of `more` (another kind of row).
pub(crate) fn write_jsonl(path: &Path, rows: &[Row], more: &[impl Serialize]) -> Result<()> {
    let mut out = BufWriter::new(
        File::create(path).map_err(|e| format!("cannot create {}: {e}", path.display()))?,
    );
    for row in rows {
        serde_json::to_writer(&mut out, row)?;
        out.write_all(b"\n")?;
    }
    for row in more {
        serde_json::to_writer(&mut out, row)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0.4), "0");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(1234567.8), "1,234,568");
        assert_eq!(thousands(-1000.0), "-1,000");
        assert_eq!(thousands(f64::NAN), "NaN");
    }
}
