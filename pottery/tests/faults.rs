//! The fault suite: every structure's operations ([`ops`]), blocking and
//! async, under each fault of a table, each fault a trial with servers of its
//! own. For each it asserts that every call returns within its deadline +
//! 10%, that the client recovers by itself once the fault ends (at most one
//! failed call per mode after it, for the connection that broke), and that
//! nothing panics.
//!
//! Faults on one server (`faults::server::*`): a proxy in front of it that
//! delays replies past the deadline, drops them, truncates them, resets or
//! black-holes connections; the server frozen (SIGSTOP), or killed (SIGKILL)
//! and restarted on its port. On a replicated cluster (`faults::cluster::*`,
//! see [`cluster`]): a master killed, a master frozen, a slot migrating; there
//! calls on a healthy master must all succeed meanwhile, and no write the
//! replica confirmed may be lost across the failover. `redlock` holds the
//! Redlock-under-stall cases (issue 11).
//!
//! The figures are printed on stdout (libtest-mimic captures nothing), one
//! table row per fault and mode, prefixed `faults|`:
//!
//! ```sh
//! cargo test -p pottery --test suite -- faults:: | grep '^faults|'
//! ```
//!
//! Columns: calls made during the fault and how many failed; p99 and max
//! call time (during and after); the call that took the largest share of
//! its deadline; recovery, from the end of the fault to the first success;
//! failed calls after the end; acknowledged writes lost (kill only). Below
//! them, the errors each mode saw during the fault, without ops and keys.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

#[macro_use]
mod ops;
mod cluster;
mod redlock;
mod report;

use std::time::{Duration, Instant};

use pottery::Client;
use pottery_testkit::{Fault, Proxy, Server};

use crate::support::{self, Case, Ctx, Target};
use ops::Op;
use report::Figures;

/// Every client's response timeout: the deadline of a single call.
const TIMEOUT: Duration = Duration::from_millis(300);

/// How long the proxy holds a reply: past every call's deadline.
const DELAY: Duration = Duration::from_secs(1);

/// How long a client may take to recover once a fault ends.
const RECOVERY_LIMIT: Duration = Duration::from_secs(10);

/// Failed calls allowed per mode once a fault has ended: the one on the
/// connection that broke (an idle one is not known to be broken until used).
const FAILED_AFTER_LIMIT: usize = 1;

/// A server and a proxy in front of it.
struct Rig {
    server: Server,
    proxy: Proxy,
}

/// What a single-server fault does, and how it ends.
struct SingleFault {
    name: &'static str,
    /// Whether the client goes through the proxy (else straight to the server).
    proxied: bool,
    start: fn(&mut Rig),
    end: fn(&mut Rig),
}

/// Writes one trial per fault, `faults::server::NAME`, from one table.
macro_rules! single_faults {
    ($($name:ident: proxied $proxied:expr, start $start:expr, end $end:expr;)*) => {
        $(fn $name(ctx: &Ctx) {
            single(ctx, &SingleFault {
                name: stringify!($name),
                proxied: $proxied,
                start: $start,
                end: $end,
            })
        })*
        fn single_cases() -> Vec<Case> {
            cases![$($name),*]
        }
    };
}

single_faults! {
    proxy_delay: proxied true, start |r| r.proxy.set(Fault::Delay(DELAY)), end |r| r.proxy.clear();
    proxy_drop: proxied true, start |r| r.proxy.set(Fault::Drop), end |r| r.proxy.clear();
    proxy_truncate: proxied true, start |r| r.proxy.set(Fault::Truncate(2)), end |r| r.proxy.clear();
    proxy_reset: proxied true, start |r| r.proxy.set(Fault::Reset), end |r| r.proxy.clear();
    proxy_black_hole: proxied true, start |r| r.proxy.set(Fault::BlackHole), end |r| r.proxy.clear();
    sigstop: proxied false, start |r| r.server.freeze(), end |r| r.server.thaw();
    sigkill_restart: proxied false, start |r| r.server.stop(), end |r| r.server.restart();
}

/// The client every fault uses: a short response timeout, the default
/// connect timeout (a call must not wait it out: the deadline bounds it).
fn client(url: &str) -> Client {
    Client::builder(url)
        .response_timeout(TIMEOUT)
        .build()
        .unwrap()
}

/// A runtime for one mode's async calls, shared by the threads that call
/// (their futures run on the thread that blocks on them, where their times
/// are recorded; tasks they spawn run on its worker).
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

/// The two modes, each run on a thread of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Blocking,
    Async,
}

const MODES: [Mode; 2] = [Mode::Blocking, Mode::Async];

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Blocking => "blocking",
            Mode::Async => "async",
        }
    }
}

/// One client in one mode, with the runtime its async calls use throughout.
struct Caller<'a> {
    mode: Mode,
    client: &'a Client,
    runtime: &'a tokio::runtime::Runtime,
    prefix: String,
}

impl Caller<'_> {
    fn call(&self, op: &Op) -> pottery::Result<()> {
        let key = format!("{}:{}:{}", self.prefix, op.name, self.mode.name());
        let blocking = self.mode == Mode::Blocking;
        ops::run(op, blocking, self.runtime, self.client, &key)
    }

    /// Every op once: the failures, named.
    fn pass(&self, ops: &[Op]) -> Vec<String> {
        ops.iter()
            .filter_map(|op| self.call(op).err().map(|e| format!("{}: {e}", op.name)))
            .collect()
    }

    /// Tries the first op until it succeeds: how long that took from `since`,
    /// and the failed calls.
    fn recover(&self, ops: &[Op], since: Instant) -> (Option<Duration>, Vec<String>) {
        let mut failed = Vec::new();
        while since.elapsed() < RECOVERY_LIMIT {
            match self.call(&ops[0]) {
                Ok(()) => return (Some(since.elapsed()), failed),
                Err(err) => failed.push(format!("{}: {err}", ops[0].name)),
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        (None, failed)
    }
}

/// Runs `f` for each mode at once, each on its thread, with its caller.
fn each_mode<T: Send>(
    client: &Client,
    prefix: &str,
    runtimes: &[tokio::runtime::Runtime; 2],
    f: impl Fn(&Caller<'_>) -> T + Sync,
) -> [T; 2] {
    std::thread::scope(|s| {
        let running = MODES.map(|mode| {
            let f = &f;
            let caller = Caller {
                mode,
                client,
                runtime: &runtimes[mode as usize],
                prefix: prefix.to_owned(),
            };
            s.spawn(move || f(&caller))
        });
        running.map(|t| t.join().unwrap())
    })
}

/// One single-server fault over every op in both modes.
fn single(_: &Ctx, fault: &SingleFault) {
    let server = Server::start();
    let proxy = Proxy::start(&server);
    let mut rig = Rig { server, proxy };
    let url = if fault.proxied {
        rig.proxy.url()
    } else {
        rig.server.url()
    };
    let client = client(&url);
    let ops = ops::all();
    let runtimes = [runtime(), runtime()];
    let prefix = format!("faults:{}", fault.name);

    // Healthy first (twice: data to read, connections pooled).
    let warm = each_mode(&client, &prefix, &runtimes, |c| {
        let failed = [c.pass(&ops), c.pass(&ops)].concat();
        ops::take_calls();
        failed
    });
    for (mode, failed) in MODES.iter().zip(&warm) {
        assert!(failed.is_empty(), "{mode:?}, healthy: {failed:?}");
    }

    (fault.start)(&mut rig);
    let during = each_mode(&client, &prefix, &runtimes, |c| {
        c.pass(&ops);
        ops::take_calls()
    });
    (fault.end)(&mut rig);
    let ended = Instant::now();
    let after = each_mode(&client, &prefix, &runtimes, |c| {
        let (recovery, mut failed) = c.recover(&ops, ended);
        failed.extend(c.pass(&ops));
        (recovery, failed, ops::take_calls())
    });

    let mut figures = Vec::new();
    for ((mode, calls), (recovery, failed, calls_after)) in MODES.iter().zip(during).zip(after) {
        figures.push(Figures {
            fault: fault.name.to_owned(),
            mode: mode.name(),
            during: calls,
            after: calls_after,
            recovery,
            failed_after: failed,
            lost: None,
        });
    }
    report::print(&figures);
    report::check(&figures, FAILED_AFTER_LIMIT);
}

fn cluster_cases() -> Vec<Case> {
    use cluster::{freeze_master, kill_master, slot_migrating};
    cases![kill_master, freeze_master, slot_migrating]
}

pub(crate) fn suite() -> support::Suite {
    let stall = cases![
        test_try_acquire_with_one_held_and_two_stalled_is_quorum_impossible_in_both_modes,
        test_acquire_with_one_held_and_two_stalled_fails_at_its_deadline_in_both_modes,
    ];
    support::Suite::new(
        "faults",
        vec![
            (&[Target::Server], single_cases()),
            (&[Target::Cluster], cluster_cases()),
            (&[Target::Server], stall),
        ],
    )
}

use redlock::{
    test_acquire_with_one_held_and_two_stalled_fails_at_its_deadline_in_both_modes,
    test_try_acquire_with_one_held_and_two_stalled_is_quorum_impossible_in_both_modes,
};
