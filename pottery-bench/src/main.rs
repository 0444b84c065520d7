//! `pottery-bench`: pottery's structures (dict, set, list, deque, counter,
//! queue) and its Redlock against raw redis-rs and against Python pottery 3.0.1,
//! in one run, on one Redis server (and five more for the Redlock rows).
//!
//! ```text
//! cargo run --release -p pottery-bench -- --out bench.jsonl                 # ~3 min
//! cargo run --release -p pottery-bench -- --quick --out bench.jsonl         # ~35 s
//! cargo run --release -p pottery-bench -- --quick --only set,queue          # some structures
//! cargo run --release -p pottery-bench -- --only redlock                    # ~20 s
//! ```
//!
//! Unless `--url` is given it starts a private `redis-server` on a free port. Each
//! operation ([`ops`], one module per structure) is measured blocking, async (one
//! task) and async with 32 tasks sharing the client; each side runs in turns,
//! round after round ([`measure`]), with the Python driver ([`python`]) taking
//! its turn in every round. The table and the JSON lines ([`report`]) show the
//! median ops/s of each side and PASS/MISS against the targets; a miss is never
//! hidden, and the exit status is 0 whenever the bench itself ran.
//!
//! The Redlock rows ([`redlock`]) time acquire+release cycles on one master and,
//! unless `--url` is given, on five private servers started for them; the
//! NextId rows ([`nextid`]) time IDs on the same one and five masters.
//!
//! ```text
//! cargo run --release -p pottery-bench -- --only nextid                     # ~20 s
//! ```
//!
//! The hand-off rows ([`handoff`]) time how long a released lock stays idle
//! while 8 contenders wait for it, ours against Python pottery's Redlock,
//! python-redis-lock and node-redlock (a peer not installed is skipped, with
//! the reason), on the same one and five masters.
//!
//! ```text
//! cargo run --release -p pottery-bench -- --only handoff --out handoff.jsonl  # ~1 min
//! ```
//!
//! The work-queue rows ([`workqueue`]) time `RedisWorkQueue`'s put + receive +
//! ack with 1 and 8 consumers, and its put-to-receive latency with idle
//! consumers, blocking and async, against the raw redis-rs stream commands
//! doing the same job and against BullMQ (npm `bullmq`, its defaults), on the
//! same server; the PING round trip of the same run gives the latency in RTTs.
//!
//! ```text
//! cargo run --release -p pottery-bench -- --only workqueue --out wq.jsonl     # ~40 s
//! ```

mod handoff;
mod handoff_floor;
mod handoff_report;
mod measure;
mod nextid;
mod ops;
mod ops_bloom;
mod ops_cache;
mod ops_counter;
mod ops_deque;
mod ops_dict;
mod ops_hll;
mod ops_list;
mod ops_queue;
mod ops_set;
mod python;
mod redlock;
mod report;
mod setup;
mod workqueue;
mod workqueue_async;
mod workqueue_report;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use redis::aio::MultiplexedConnection;
use tokio::runtime::Runtime;

use measure::{Contest, Mode, Plan, Prep, Result, Timer, run_rounds};
use measure::{time_async, time_blocking};
use ops::{BenchOp, Ctx, Data, Group};
use report::{Row, RowInfo, print_table, write_jsonl};
use setup::{Cleanup, Keys, check_same_bytes};

/// Tasks sharing the client in the concurrent async rows.
pub(crate) const TASKS: usize = 32;

/// Command-line arguments.
#[derive(Parser, Debug)]
#[command(
    name = "pottery-bench",
    about = "Benchmarks pottery's structures against raw redis-rs and Python pottery 3.0.1"
)]
struct Args {
    /// Also write the rows as JSON lines to this file.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Use this Redis server instead of a private one (keys are random and deleted after).
    /// Redlock is then measured on this one master only.
    #[arg(long)]
    url: Option<String>,
    /// A ~35 s run: 4 rounds of 0.05 s slices unless --rounds says otherwise.
    #[arg(long)]
    quick: bool,
    /// Rounds per operation [default: 10 of 0.15 s for dict and 7 of 0.12 s for the
    /// other structures, or 4 of 0.05 s with --quick; for the work queue's
    /// throughput, 9 runs per peer, or 3 with --quick].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000))]
    rounds: Option<u32>,
    /// Only these structures, comma-separated [default: all].
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<Group>,
}

impl Args {
    /// The timing plan these arguments ask for, for an operation on `group`.
    fn plan(&self, group: Group) -> Plan {
        // Many short rounds rather than a few long ones: on a busy machine the
        // median then drops more of the slices that another process disturbed.
        // The structures added after the dict get fewer, shorter rounds in a full
        // run, to keep it under 3 minutes.
        let (rounds, slice_ms, warmup_ms) = match (self.quick, group) {
            (true, _) => (4, 50, 30),
            (false, Group::Dict) => (10, 150, 100),
            (false, _) => (7, 120, 100),
        };
        Plan {
            rounds: self.rounds.map_or(rounds, |r| r as usize),
            slice: Duration::from_millis(slice_ms),
            warmup: Duration::from_millis(warmup_ms),
        }
    }

    /// Whether operations on `group` are measured.
    fn selected(&self, group: Group) -> bool {
        self.only.is_empty() || self.only.contains(&group)
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

/// Sets up the server, data, clients and Python driver, measures every selected
/// operation, prints the table and writes the JSON lines.
fn run(args: &Args) -> Result<()> {
    let started = Instant::now();
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
    let connect = || -> Result<redis::Connection> {
        let con = raw_client
            .get_connection_with_timeout(pottery::DEFAULT_CONNECT_TIMEOUT)
            .map_err(|e| format!("cannot connect to Redis: {e}"))?;
        con.set_read_timeout(Some(pottery::DEFAULT_RESPONSE_TIMEOUT))?;
        con.set_write_timeout(Some(pottery::DEFAULT_RESPONSE_TIMEOUT))?;
        Ok(con)
    };
    // `con` is timed; `prep_con` does the untimed work between slices.
    let (mut con, mut prep_con) = (connect()?, connect()?);
    let async_config = redis::AsyncConnectionConfig::new()
        .set_connection_timeout(Some(pottery::DEFAULT_CONNECT_TIMEOUT))
        .set_response_timeout(Some(pottery::DEFAULT_RESPONSE_TIMEOUT));
    let aconn =
        rt.block_on(raw_client.get_multiplexed_async_connection_with_config(&async_config))?;
    let (keys, py_keys) = (Keys::random(), Keys::random());
    let _cleanup = Cleanup {
        client: raw_client.clone(),
        keys: [keys.all(), py_keys.all()].concat(),
    };

    // The Redlock's many masters: private servers, unless --url was given.
    let multi_master = [Group::Redlock, Group::Nextid, Group::Handoff]
        .into_iter()
        .any(|group| args.selected(group));
    let masters = match (&args.url, multi_master) {
        (None, true) => Some(start_masters()?),
        _ => None,
    };
    let master_urls = masters.as_ref().map(pottery_testkit::Masters::urls);

    let client = pottery::Client::open(&url)?;
    let ctx = Arc::new(Ctx::new(&client, keys, Data::new()?)?);
    ctx.fill(&mut con)?;
    let config = python::Config {
        redis_keys: &py_keys,
        keys: &ctx.data.keys,
        values: &ctx.data.values,
        counts: &ctx.data.counts,
        many: ops::MANY,
        maxlen: ops_deque::MAXLEN,
        redlock_masters: master_urls.as_deref().unwrap_or_default(),
    };
    let mut py = python::Driver::start(&url, &config)?;
    if py.version != python::POTTERY_VERSION {
        eprintln!(
            "WARNING: Python pottery is {}, not {}",
            py.version,
            python::POTTERY_VERSION
        );
    }
    check_same_bytes(&mut con, &ctx, &py_keys)?;

    let mut rows = Vec::new();
    let mut plans = Vec::new();
    for op in ops::all().into_iter().filter(|op| args.selected(op.group)) {
        eprintln!("measuring {} {} ...", op.group.name(), op.name);
        let plan = args.plan(op.group);
        let mut contests = contests(&op, &ctx, &mut con, &aconn, &rt);
        let mut python: Timer<'_> = Box::new(|slice| py.run(op.python, slice));
        let mut prep: Prep<'_> = Box::new(|slice| match op.prep {
            Some(prep) => prep(&ctx, &mut prep_con, slice),
            None => Ok(()),
        });
        let (results, python_rounds) = run_rounds(&plan, &mut contests, &mut python, &mut prep)?;
        rows.extend(
            results
                .into_iter()
                .map(|r| Row::new(RowInfo::of(&op), r, &python_rounds)),
        );
        let shown = format!(
            "{} rounds of {:.2} s slices",
            plan.rounds,
            plan.slice.as_secs_f64()
        );
        if !plans.contains(&shown) {
            plans.push(shown);
        }
    }
    let one_master_only =
        args.url.is_some() && (args.selected(Group::Redlock) || args.selected(Group::Handoff));
    if args.selected(Group::Redlock) {
        if one_master_only {
            eprintln!("redlock: --url given: measuring on that one master only");
        }
        let plan = args.plan(Group::Redlock);
        let servers = redlock::Servers {
            one: &url,
            many: master_urls.clone(),
        };
        rows.extend(redlock::measure(&plan, &servers, &ctx.keys, &rt, &mut py)?);
        let shown = format!(
            "{} rounds of {:.2} s slices",
            plan.rounds,
            plan.slice.as_secs_f64()
        );
        if !plans.contains(&shown) {
            plans.push(shown);
        }
    }
    if args.selected(Group::Nextid) {
        let plan = args.plan(Group::Nextid);
        let servers = redlock::Servers {
            one: &url,
            many: master_urls.clone(),
        };
        rows.extend(nextid::measure(&plan, &servers, &ctx.keys, &rt, &mut py)?);
        let shown = format!(
            "{} rounds of {:.2} s slices",
            plan.rounds,
            plan.slice.as_secs_f64()
        );
        if !plans.contains(&shown) {
            plans.push(shown);
        }
    }
    py.finish()?;
    let handoffs = if args.selected(Group::Handoff) {
        let servers = redlock::Servers {
            one: &url,
            many: master_urls.clone(),
        };
        handoff::measure(&servers, &rt)?
    } else {
        Vec::new()
    };

    let workqueue = if args.selected(Group::Workqueue) {
        let rounds = match (args.rounds, args.quick) {
            (Some(rounds), _) => rounds as usize,
            (None, true) => workqueue::QUICK_ROUNDS,
            (None, false) => workqueue::ROUNDS,
        };
        Some(workqueue::measure(&url, &rt, rounds)?)
    } else {
        None
    };

    if !rows.is_empty() {
        print_table(&rows);
    }
    handoff_report::print_table(&handoffs);
    if let Some(workqueue) = &workqueue {
        workqueue_report::print_table(workqueue);
    }
    if one_master_only {
        println!(
            "redlock: --url given, so only the 1-master rows were measured (the {}-master rows \
             need {} private servers, started only without --url).",
            redlock::MANY_MASTERS,
            redlock::MANY_MASTERS
        );
    }
    if let Some(path) = &args.out {
        let more: Vec<serde_json::Value> = handoffs
            .iter()
            .filter_map(|row| serde_json::to_value(row).ok())
            .chain(
                workqueue
                    .iter()
                    .flat_map(workqueue_report::WorkQueueRows::json),
            )
            .collect();
        write_jsonl(path, &rows, &more)?;
        println!(
            "wrote {} rows to {}",
            rows.len() + more.len(),
            path.display()
        );
    }
    if !plans.is_empty() {
        println!("{} per side", plans.join(", "));
    }
    println!("took {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// The Redlock's many masters: private servers on free ports.
fn start_masters() -> Result<pottery_testkit::Masters> {
    let servers = (0..redlock::MANY_MASTERS)
        .map(|_| pottery_testkit::Server::try_start())
        .collect::<Result<Vec<_>, String>>()
        .map_err(|why| {
            format!("cannot start the Redlock's masters (pass --url to skip them): {why}")
        })?;
    Ok(pottery_testkit::Masters { servers })
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
