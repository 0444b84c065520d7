//! The lock hand-off rows: how long a released lock stays idle while 8
//! contenders wait for it, ours against Python pottery's `Redlock`,
//! python-redis-lock and node-redlock, on one master and on five.
//!
//! Every peer runs the same loop with [`CONTENDERS`] contenders on one lock
//! name: acquire (each library's own blocking acquire, with its defaults),
//! record the clock when acquire returns, hold for [`HOLD`], record the clock
//! just before calling release, release. After releasing, a contender contends
//! again only once another one has acquired, so each hand-off goes to a
//! contender that was already waiting (never back to the releaser, which would
//! measure barging instead: a releaser that retries at once wins a lock whose
//! waiters sleep). A hand-off is the next acquire's time minus the previous
//! holder's release time: it includes the release's round trip, the wake-up (or
//! the retry sleep) and the winning acquire.
//!
//! Clock: all contenders of one peer run in one process (ours: threads or Tokio
//! tasks; Python: threads; Node: async functions in one event loop), so a
//! hand-off is a difference of two readings of that process's CLOCK_MONOTONIC:
//! Rust's `Instant`, Python's `time.monotonic_ns()`, Node's
//! `process.hrtime.bigint()` (on Linux all three read CLOCK_MONOTONIC). No
//! reading is ever compared across processes. The statistics are computed here,
//! from every peer's raw events, by one function ([`Stats::of`]).
//!
//! The peers' scripts are `pottery-bench/peers/handoff.py` (pottery,
//! python-redis-lock) and `pottery-bench/peers/node/handoff.js` (node-redlock on
//! ioredis); `bash scripts/dev bench` installs them. A peer that is missing or
//! fails is reported as skipped, with the reason; the bench goes on.

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::runtime::Runtime;

use crate::handoff_report::{HandoffRow, Stats};
use crate::measure::Result;
use crate::redlock::Servers;

/// Contenders for the one lock.
pub(crate) const CONTENDERS: usize = 8;
/// Hand-offs measured per peer and setup.
pub(crate) const HANDOFFS: usize = 200;
/// Acquisitions dropped at the start (connections being opened, threads starting).
pub(crate) const WARMUP: usize = CONTENDERS;
/// How long each holder holds the lock.
pub(crate) const HOLD: Duration = Duration::from_millis(1);

/// One acquisition: `(contender, acquired_ns, releasing_ns)` on the peer's clock.
pub(crate) type Event = (usize, u64, u64);

/// What a peer's run sends back (the scripts print it as one JSON line).
#[derive(Deserialize)]
pub(crate) struct Run {
    /// The library's package name.
    pub(crate) library: String,
    /// Its installed version.
    pub(crate) version: String,
    /// Every acquisition, in no particular order.
    pub(crate) events: Vec<Event>,
    /// Acquires that gave up (node-redlock after its retries) and were retried.
    pub(crate) failures: u64,
}

/// The run's settings, sent to a peer script as one JSON line.
#[derive(Serialize)]
pub(crate) struct Config<'a> {
    pub(crate) urls: &'a [String],
    /// The lock's name (each library adds its own prefix, if any).
    pub(crate) name: String,
    hold_ms: u64,
    /// Acquisitions to record before every contender stops.
    pub(crate) acquisitions: usize,
    pub(crate) contenders: usize,
}

/// A peer of the table: who it is and how to run it.
#[derive(Clone, Copy)]
pub(crate) enum Peer {
    OursBlocking,
    OursAsync,
    Pottery,
    RedisLock,
    NodeRedlock,
    RawFloor,
}

impl Peer {
    pub(crate) const ALL: [Peer; 6] = [
        Peer::OursBlocking,
        Peer::OursAsync,
        Peer::Pottery,
        Peer::RedisLock,
        Peer::NodeRedlock,
        Peer::RawFloor,
    ];

    /// The name in the table.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Peer::OursBlocking => "ours blocking",
            Peer::OursAsync => "ours async",
            Peer::Pottery => "pottery (py)",
            Peer::RedisLock => "python-redis-lock",
            Peer::NodeRedlock => "node-redlock",
            Peer::RawFloor => "raw pub/sub floor",
        }
    }

    /// How the peer waits, for the notes.
    pub(crate) fn note(self) -> &'static str {
        match self {
            Peer::OursBlocking => "8 threads sharing one pottery::sync::Redlock (defaults)",
            Peer::OursAsync => "8 Tokio tasks sharing one pottery::future::Redlock (defaults)",
            Peer::Pottery => {
                "Python pottery 3.0.1 Redlock, 8 threads, one Redlock object each (defaults: a \
                 failed try sleeps random 0-200 ms)"
            }
            Peer::RedisLock => {
                "python-redis-lock Lock(expire=10), 8 threads: a waiter BLPOPs a signal list \
                 that release pushes to; one server only"
            }
            Peer::NodeRedlock => {
                "npm redlock v5 defaults (retryDelay 200 ms, retryJitter 200 ms, retryCount 10; \
                 a give-up is counted and retried), 8 async contenders in one Node process, one \
                 ioredis client per master"
            }
            Peer::RawFloor => {
                "the floor of a pub/sub hand-off, no library: redis-rs, 8 threads, each its own \
                 connection and SUBSCRIBEd connection; SET NX PX, on failure get_message (all \
                 woken), release = our release script (DEL + PUBLISH); one server only"
            }
        }
    }
}

/// Measures every peer on one master and, if there are, on the many masters.
pub(crate) fn measure(servers: &Servers<'_>, rt: &Runtime) -> Result<Vec<HandoffRow>> {
    let mut setups = vec![vec![servers.one.to_owned()]];
    if let Some(urls) = &servers.many {
        setups.push(urls.clone());
    }
    let mut rows = Vec::new();
    for urls in setups {
        let rtt = ping_rtt(urls.first().ok_or("no master")?)?;
        let mut baseline = None;
        for peer in Peer::ALL {
            eprintln!(
                "measuring handoff {}, {} master(s) ...",
                peer.name(),
                urls.len()
            );
            let outcome = if matches!(peer, Peer::RedisLock) && urls.len() > 1 {
                Err("single server only: python-redis-lock has no multi-master mode".to_owned())
            } else if matches!(peer, Peer::RawFloor) && urls.len() > 1 {
                Err("single server only: the floor is one SET NX per attempt".to_owned())
            } else {
                run_peer(peer, &urls, rt)
            };
            let row = HandoffRow::new(peer, urls.len(), rtt, outcome, baseline.as_ref());
            if matches!(peer, Peer::OursBlocking) {
                baseline = row.stats().cloned();
            }
            rows.push(row);
        }
    }
    Ok(rows)
}

/// One peer's run on `urls`: its stats, or why it was skipped.
fn run_peer(peer: Peer, urls: &[String], rt: &Runtime) -> Result<(Stats, Run), String> {
    let config = Config {
        urls,
        name: pottery::random_key().replacen(pottery::RANDOM_KEY_PREFIX, "pottery-bench:", 1),
        hold_ms: HOLD.as_millis() as u64,
        acquisitions: WARMUP + HANDOFFS + 1,
        contenders: CONTENDERS,
    };
    let run = match peer {
        Peer::OursBlocking => ours_blocking(&config).map_err(|e| e.to_string()),
        Peer::OursAsync => ours_async(&config, rt).map_err(|e| e.to_string()),
        Peer::Pottery => script("python3", &[python_script(), "pottery"], &config),
        Peer::RedisLock => script("python3", &[python_script(), "redis_lock"], &config),
        Peer::NodeRedlock => script("node", &[node_script()], &config),
        Peer::RawFloor => crate::handoff_floor::run(&config).map_err(|e| e.to_string()),
    }?;
    Ok((Stats::of(&run.events), run))
}

fn python_script() -> &'static str {
    concat!(env!("CARGO_MANIFEST_DIR"), "/peers/handoff.py")
}

fn node_script() -> &'static str {
    concat!(env!("CARGO_MANIFEST_DIR"), "/peers/node/handoff.js")
}

/// Runs a peer script with `config` on its stdin; its one stdout line is the run.
pub(crate) fn script<T: serde::de::DeserializeOwned>(
    program: &str,
    args: &[&str],
    config: &impl Serialize,
) -> Result<T, String> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    let line = serde_json::to_string(config).map_err(|e| e.to_string())?;
    if let Some(mut stdin) = child.stdin.take() {
        // A script that exits at once (not installed) closes its stdin: its
        // status below says why.
        let _ = writeln!(stdin, "{line}");
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    // A missing module says so on its first line; a traceback on its last.
    let (first, last) = (stderr.lines().next(), stderr.lines().last());
    match out.status.code() {
        Some(0) => serde_json::from_slice(&out.stdout).map_err(|e| format!("bad output: {e}")),
        Some(3) => Err(format!(
            "not installed ({}); `bash scripts/dev bench` installs it",
            first.unwrap_or("").trim()
        )),
        // Node prints the message first, then the stack; Python the traceback, then the message.
        _ => Err(format!(
            "{program} failed ({}): {}",
            out.status,
            if program == "node" { first } else { last }
                .unwrap_or("")
                .trim()
        )),
    }
}

/// The median round trip of a PING to `url`, for the "round trips" column.
pub(crate) fn ping_rtt(url: &str) -> Result<Duration> {
    let mut con = redis::Client::open(url)?.get_connection()?;
    let mut samples = Vec::with_capacity(200);
    for _ in 0..200 {
        let start = Instant::now();
        redis::cmd("PING").query::<String>(&mut con)?;
        samples.push(start.elapsed());
    }
    samples.sort();
    Ok(samples.get(samples.len() / 2).copied().unwrap_or_default())
}

/// The contenders' shared record, for ours (threads or tasks of this process).
pub(crate) struct Tally {
    origin: Instant,
    total: usize,
    state: Mutex<State>,
    /// Blocking contenders wait on it for another's acquisition.
    changed: Condvar,
    /// Async contenders wait on it for the same.
    notify: tokio::sync::Notify,
}

#[derive(Default)]
struct State {
    count: usize,
    last: Option<usize>,
    events: Vec<Event>,
}

impl Tally {
    pub(crate) fn new(total: usize) -> Arc<Tally> {
        Arc::new(Tally {
            origin: Instant::now(),
            total,
            state: Mutex::default(),
            changed: Condvar::new(),
            notify: tokio::sync::Notify::new(),
        })
    }

    /// Nanoseconds since the run began, on this process's monotonic clock.
    pub(crate) fn now(&self) -> u64 {
        self.origin.elapsed().as_nanos() as u64
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records that `me` acquired; returns whether the run is over.
    pub(crate) fn acquired(&self, me: usize) -> bool {
        let over = {
            let mut state = self.lock();
            state.count += 1;
            state.last = Some(me);
            state.count > self.total
        };
        self.changed.notify_all();
        self.notify.notify_waiters();
        over
    }

    pub(crate) fn released(&self, event: Event) {
        self.lock().events.push(event);
    }

    /// `Some(true)`: contend again; `Some(false)`: the run is over; `None`: wait.
    fn may_contend(&self, state: &State, me: usize) -> Option<bool> {
        if state.count > self.total {
            Some(false)
        } else if state.last != Some(me) {
            Some(true)
        } else {
            None
        }
    }

    pub(crate) fn wait_blocking(&self, me: usize) -> bool {
        let mut state = self.lock();
        loop {
            if let Some(go) = self.may_contend(&state, me) {
                return go;
            }
            state = self
                .changed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    async fn wait(&self, me: usize) -> bool {
        loop {
            // Registered before the check, so a wake-up in between is not lost.
            let notified = self.notify.notified();
            if let Some(go) = self.may_contend(&self.lock(), me) {
                return go;
            }
            notified.await;
        }
    }

    pub(crate) fn run(&self) -> Run {
        let events = std::mem::take(&mut self.lock().events);
        Run {
            library: "pottery (rust)".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            events,
            failures: 0,
        }
    }
}

/// The masters' clients for ours.
fn clients(urls: &[String]) -> Result<Vec<pottery::Client>> {
    Ok(urls
        .iter()
        .map(|url| pottery::Client::open(url))
        .collect::<pottery::Result<Vec<_>>>()?)
}

/// Ours, blocking: [`CONTENDERS`] threads sharing one lock.
fn ours_blocking(config: &Config<'_>) -> Result<Run> {
    let lock = pottery::sync::Redlock::builder(&config.name)
        .masters(clients(config.urls)?)
        .build()?;
    let tally = Tally::new(config.acquisitions);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..config.contenders)
            .map(|me| {
                let (lock, tally) = (&lock, &tally);
                scope.spawn(move || -> Result<()> {
                    loop {
                        let guard = lock.acquire()?;
                        let acquired = tally.now();
                        if tally.acquired(me) {
                            return Ok(guard.release()?);
                        }
                        std::thread::sleep(HOLD);
                        let releasing = tally.now();
                        guard.release()?;
                        tally.released((me, acquired, releasing));
                        if !tally.wait_blocking(me) {
                            return Ok(());
                        }
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .try_for_each(|h| h.join().map_err(|_| "a contender panicked")?)
    })?;
    Ok(tally.run())
}

/// Ours, async: [`CONTENDERS`] Tokio tasks sharing one lock.
fn ours_async(config: &Config<'_>, rt: &Runtime) -> Result<Run> {
    let lock = pottery::future::Redlock::builder(&config.name)
        .masters(clients(config.urls)?)
        .build()?;
    let tally = Tally::new(config.acquisitions);
    rt.block_on(async {
        let tasks: Vec<_> = (0..config.contenders)
            .map(|me| {
                let (lock, tally) = (lock.clone(), Arc::clone(&tally));
                tokio::spawn(async move {
                    loop {
                        let guard = lock.acquire().await?;
                        let acquired = tally.now();
                        if tally.acquired(me) {
                            return guard.release().await;
                        }
                        tokio::time::sleep(HOLD).await;
                        let releasing = tally.now();
                        guard.release().await?;
                        tally.released((me, acquired, releasing));
                        if !tally.wait(me).await {
                            return Ok(());
                        }
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await??;
        }
        Ok::<(), crate::measure::Error>(())
    })?;
    Ok(tally.run())
}
