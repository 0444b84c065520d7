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
//! round. The table and the JSON lines ([`report`]) show the median ops/s of each
//! side and PASS/MISS against the targets; a miss is never hidden, and the exit
//! status is 0 whenever the bench itself ran.

mod measure;
mod ops;
mod python;
mod report;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use pottery::{future, sync};
use redis::Commands;
use redis::aio::MultiplexedConnection;
use tokio::runtime::Runtime;

use measure::{Contest, Mode, Plan, Result, Timer, run_rounds};
use measure::{time_async, time_blocking};
use ops::{BenchOp, Ctx, Data};
use report::{Row, print_table, write_jsonl};

/// Tasks sharing the client in the concurrent async rows.
pub(crate) const TASKS: usize = 32;

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
        // Many short rounds rather than a few long ones: on a busy machine the
        // median then drops more of the slices that another process disturbed.
        let (rounds, slice_ms, warmup_ms) = if self.quick {
            (5, 60, 40)
        } else {
            (10, 150, 100)
        };
        Plan {
            rounds: self.rounds.map_or(rounds, |r| r as usize),
            slice: Duration::from_millis(slice_ms),
            warmup: Duration::from_millis(warmup_ms),
        }
    }
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
    // Raw connections get the same timeouts as pottery's defaults, so both sides
    // do the same job: a response timeout costs a timer per async request.
    let raw_client = redis::Client::open(url.as_str())?;
    let mut con = raw_client
        .get_connection_with_timeout(pottery::DEFAULT_CONNECT_TIMEOUT)
        .map_err(|e| format!("cannot connect to Redis: {e}"))?;
    con.set_read_timeout(Some(pottery::DEFAULT_RESPONSE_TIMEOUT))?;
    con.set_write_timeout(Some(pottery::DEFAULT_RESPONSE_TIMEOUT))?;
    let async_config = redis::AsyncConnectionConfig::new()
        .set_connection_timeout(Some(pottery::DEFAULT_CONNECT_TIMEOUT))
        .set_response_timeout(Some(pottery::DEFAULT_RESPONSE_TIMEOUT));
    let aconn =
        rt.block_on(raw_client.get_multiplexed_async_connection_with_config(&async_config))?;
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
