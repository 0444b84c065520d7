//! `pottery-bench`: pottery's `RedisDict` against raw redis-rs and against Python
//! pottery 3.0.1, in one run, on one Redis server.
//!
//! ```text
//! cargo run --release -p pottery-bench -- --out bench.jsonl          # ~70 s
//! cargo run --release -p pottery-bench -- --quick --out bench.jsonl  # ~20 s
//! ```
//!
//! Unless `--url` is given it starts a private `redis-server` on a free port. Each
//! operation ([`ops`]) is measured blocking, async (one task) and async with 32
//! tasks sharing the client; each side runs in turns, round after round
//! ([`measure`]), with the Python driver ([`python`]) taking its turn in every
//! round. The table and the JSON lines show the median ops/s of each side.

mod measure;
mod ops;
mod python;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use pottery::{future, sync};
use redis::Commands;
use redis::aio::MultiplexedConnection;
use serde::Serialize;
use tokio::runtime::Runtime;

use measure::{Contest, Mode, Plan, Result, Rounds, Timer, median, run_rounds};
use measure::{time_async, time_blocking};
use ops::{BenchOp, Ctx, Data};

/// Tasks sharing the client in the concurrent async rows.
const TASKS: usize = 32;
/// Target for ours/raw on single-element operations.
const RAW_TARGET: f64 = 0.9;
/// Target for ours/python on every row.
const PYTHON_TARGET: f64 = 8.0;

/// Command-line arguments.
#[derive(Parser, Debug)]
#[command(
    name = "pottery-bench",
    about = "Benchmarks pottery's RedisDict against raw redis-rs and Python pottery 3.0.1"
)]
struct Args {
    /// Also write the rows as JSON lines to this file.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Use this Redis server instead of a private one (keys are random and deleted after).
    #[arg(long)]
    url: Option<String>,
    /// A ~20 s run: 0.06 s slices, 5 rounds unless --rounds says otherwise.
    #[arg(long)]
    quick: bool,
    /// Rounds per operation [default: 10, or 5 with --quick].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000))]
    rounds: Option<u32>,
}

impl Args {
    /// The timing plan these arguments ask for.
    fn plan(&self) -> Plan {
        let (rounds, slice_ms, warmup_ms) = if self.quick {
            (3, 100, 50)
        } else {
            (5, 300, 100)
        };
        Plan {
            rounds: self.rounds.map_or(rounds, |r| r as usize),
            slice: Duration::from_millis(slice_ms),
            warmup: Duration::from_millis(warmup_ms),
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
struct Row {
    operation: &'static str,
    mode: String,
    ours_ops_per_sec: f64,
    raw_ops_per_sec: f64,
    python_ops_per_sec: f64,
    ours_over_raw: f64,
    ours_over_python: f64,
    /// The median of the per-round ratios ours/raw (each round's two slices run
    /// back to back): less sensitive to drift than the ratio of medians.
    ours_over_raw_paired: f64,
    /// Only single-element operations are held to it.
    raw_target: Option<Verdict>,
    python_target: Verdict,
    ours_rounds: Vec<f64>,
    raw_rounds: Vec<f64>,
    python_rounds: Vec<f64>,
    note: &'static str,
}

impl Row {
    /// The row of `op` in one mode, from the per-round figures.
    fn new(op: &BenchOp, rounds: Rounds, python_rounds: &[f64]) -> Row {
        let (ours, raw, python) = (
            median(&rounds.ours),
            median(&rounds.raw),
            median(python_rounds),
        );
        Row {
            operation: op.name,
            mode: rounds.mode.label(),
            ours_ops_per_sec: ours,
            raw_ops_per_sec: raw,
            python_ops_per_sec: python,
            ours_over_raw: ours / raw,
            ours_over_python: ours / python,
            ours_over_raw_paired: median(&paired_ratios(&rounds.ours, &rounds.raw)),
            raw_target: op.single.then(|| Verdict::of(ours / raw, RAW_TARGET)),
            python_target: Verdict::of(ours / python, PYTHON_TARGET),
            ours_rounds: rounds.ours,
            raw_rounds: rounds.raw,
            python_rounds: python_rounds.to_vec(),
            note: op.note,
        }
    }
}

/// `ours[i] / raw[i]` for every round.
fn paired_ratios(ours: &[f64], raw: &[f64]) -> Vec<f64> {
    ours.iter().zip(raw).map(|(o, r)| o / r).collect()
}

/// Deletes the bench's keys when dropped, whatever happened (best effort).
struct Cleanup {
    client: redis::Client,
    keys: Vec<String>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Ok(mut con) = self.client.get_connection() {
            let _: redis::RedisResult<()> = con.del(&self.keys);
        }
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("pottery-bench: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Sets up the server, data, clients and Python driver, measures every operation,
/// prints the table and writes the JSON lines.
fn run(args: &Args) -> Result<()> {
    let started = Instant::now();
    let plan = args.plan();
    let mut server = None;
    let url = match &args.url {
        Some(url) => url.clone(),
        None => server.insert(pottery_testkit::Server::start()).url(),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let raw_client = redis::Client::open(url.as_str())?;
    let mut con = raw_client.get_connection()?;
    let aconn = rt.block_on(raw_client.get_multiplexed_async_connection())?;
    let (key, py_key) = (pottery::random_key(), pottery::random_key());
    let _cleanup = Cleanup {
        client: raw_client.clone(),
        keys: vec![key.clone(), py_key.clone()],
    };

    let data = Data::new()?;
    let () = con.hset_multiple(&key, &data.enc_pairs)?;
    let client = pottery::Client::open(&url)?;
    let ctx = Arc::new(Ctx {
        dict: sync::RedisDict::new(&client, &key),
        adict: future::RedisDict::new(&client, &key),
        key,
        data,
    });
    let config = python::Config {
        key: &py_key,
        keys: &ctx.data.keys,
        values: &ctx.data.values,
        many: ops::MANY,
    };
    let mut py = python::Driver::start(&url, &config)?;
    if py.version != python::POTTERY_VERSION {
        eprintln!(
            "WARNING: Python pottery is {}, not {}",
            py.version,
            python::POTTERY_VERSION
        );
    }
    check_same_bytes(&mut con, &ctx, &py_key)?;

    let mut rows = Vec::new();
    for op in ops::all() {
        eprintln!("measuring {} ...", op.name);
        let mut contests = contests(&op, &ctx, &mut con, &aconn, &rt);
        let mut python: Timer<'_> = Box::new(|slice| py.run(op.python, slice));
        let (results, python_rounds) = run_rounds(&plan, &mut contests, &mut python)?;
        rows.extend(
            results
                .into_iter()
                .map(|r| Row::new(&op, r, &python_rounds)),
        );
    }
    py.finish()?;

    print_table(&rows);
    if let Some(path) = &args.out {
        write_jsonl(path, &rows)?;
        println!("wrote {} rows to {}", rows.len(), path.display());
    }
    println!(
        "{} rounds of {:.2} s slices per side; took {:.1} s",
        plan.rounds,
        plan.slice.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The three contests (blocking, async, async x32) of `op`.
fn contests<'a>(
    op: &BenchOp,
    ctx: &'a Arc<Ctx>,
    con: &'a mut redis::Connection,
    aconn: &'a MultiplexedConnection,
    rt: &'a Runtime,
) -> Vec<Contest<'a>> {
    let (ours_blocking, raw_blocking) = (op.ours_blocking, op.raw_blocking);
    let (ours_async, raw_async) = (op.ours_async, op.raw_async);
    let ours_tasks = move |tasks: usize| -> Timer<'a> {
        Box::new(move |slice| {
            let ctx = Arc::clone(ctx);
            time_async(rt, tasks, slice, move |i| ours_async(Arc::clone(&ctx), i))
        })
    };
    let raw_tasks = move |tasks: usize| -> Timer<'a> {
        Box::new(move |slice| {
            let (ctx, con) = (Arc::clone(ctx), aconn.clone());
            time_async(rt, tasks, slice, move |i| {
                raw_async(Arc::clone(&ctx), con.clone(), i)
            })
        })
    };
    vec![
        Contest {
            mode: Mode::Blocking,
            ours: Box::new(move |slice| time_blocking(slice, |i| ours_blocking(ctx, i))),
            raw: Box::new(move |slice| time_blocking(slice, |i| raw_blocking(ctx, con, i))),
        },
        Contest {
            mode: Mode::Async,
            ours: ours_tasks(1),
            raw: raw_tasks(1),
        },
        Contest {
            mode: Mode::AsyncConcurrent(TASKS),
            ours: ours_tasks(TASKS),
            raw: raw_tasks(TASKS),
        },
    ]
}

/// Warns unless Python stored an entry with the very bytes ours and raw send.
fn check_same_bytes(con: &mut redis::Connection, ctx: &Ctx, py_key: &str) -> Result<()> {
    let data = &ctx.data;
    let (Some(field), Some(value)) = (data.enc_keys.first(), data.enc_values.first()) else {
        return Err("no bench data".into());
    };
    let theirs: Option<Vec<u8>> = con.hget(py_key, field)?;
    if theirs.as_deref() != Some(value.as_slice()) {
        eprintln!(
            "WARNING: Python stored {:?} at field {:?} where pottery encodes {:?}: the sides \
             do not send the same bytes",
            theirs.map(|v| String::from_utf8_lossy(&v).into_owned()),
            String::from_utf8_lossy(field),
            String::from_utf8_lossy(value),
        );
    }
    Ok(())
}

/// Prints the table, one line per target and the notes.
fn print_table(rows: &[Row]) {
    println!();
    println!(
        "{:<14} {:<10} {:>11} {:>11} {:>12} {:>9} {:>12}  {:<9} {:<7}",
        "operation",
        "mode",
        "ours ops/s",
        "raw ops/s",
        "python ops/s",
        "ours/raw",
        "ours/python",
        "raw>=0.9",
        "py>=8"
    );
    for r in rows {
        println!(
            "{:<14} {:<10} {:>11} {:>11} {:>12} {:>9.2} {:>12.1}  {:<9} {:<7}",
            r.operation,
            r.mode,
            thousands(r.ours_ops_per_sec),
            thousands(r.raw_ops_per_sec),
            thousands(r.python_ops_per_sec),
            r.ours_over_raw,
            r.ours_over_python,
            r.raw_target.map_or("-", shown),
            shown(r.python_target),
        );
    }
    println!();
    let raw_rows = rows
        .iter()
        .filter_map(|r| r.raw_target.map(|v| (r, v, r.ours_over_raw)));
    summarize(
        &format!("ours/raw >= {RAW_TARGET} (single-element ops: insert, get, contains_key, len)"),
        raw_rows.collect(),
    );
    let python_rows = rows
        .iter()
        .map(|r| (r, r.python_target, r.ours_over_python));
    summarize(
        &format!("ours/python >= {PYTHON_TARGET} (every row)"),
        python_rows.collect(),
    );
    println!();
    println!(
        "python: pottery {} RedisDict, single-threaded sync (it has no async dict); the same \
         figure divides the blocking, async and async x{TASKS} rows of an operation.",
        python::POTTERY_VERSION
    );
    for op in ops::all() {
        println!("{}: {}", op.name, op.note);
    }
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
        .map(|(r, _, ratio)| format!("{} ({}) {ratio:.2}", r.operation, r.mode))
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

/// Writes one JSON object per row.
fn write_jsonl(path: &PathBuf, rows: &[Row]) -> Result<()> {
    let mut out = BufWriter::new(
        File::create(path).map_err(|e| format!("cannot create {}: {e}", path.display()))?,
    );
    for row in rows {
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
