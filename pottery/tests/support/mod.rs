//! The harness of pottery's Redis-backed test suites.
//!
//! Every suite (`dict.rs`, `redlock.rs`, ...) is a module of one test binary,
//! `suite.rs`, with its own `main` (libtest-mimic), so that the crate is linked
//! once and the private Redis servers live exactly as long as the run: they start
//! on first use, are shared by every suite's cases (each case uses its own keys;
//! a case that needs a server to itself starts one) and are killed when `main`
//! returns. A case written once against a [`Ctx`] runs on a single server and on
//! a 3-master cluster. A trial is named `SUITE::TARGET::CASE`, so
//! `cargo test -p pottery --test suite dict::` runs one suite.

#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::sync::{Arc, OnceLock};

use libtest_mimic::{Arguments, Failed, Trial};
use pottery::Client;
use pottery_testkit::{Cluster, Server};

/// Where a case runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// One redis-server.
    Server,
    /// A local Redis Cluster of 3 masters.
    Cluster,
}

/// The servers of one run, started on first use.
#[derive(Default)]
pub struct Env {
    server: OnceLock<Server>,
    cluster: OnceLock<Cluster>,
}

impl Env {
    pub fn server(&self) -> &Server {
        self.server.get_or_init(Server::start)
    }

    pub fn cluster(&self) -> &Cluster {
        self.cluster.get_or_init(Cluster::start)
    }

    pub fn client(&self, target: Target) -> Client {
        match target {
            Target::Server => Client::open(&self.server().url()).unwrap(),
            Target::Cluster => Client::cluster(self.cluster().urls()).unwrap(),
        }
    }
}

/// What a case gets: a fresh client on its target and a namespace for its keys.
pub struct Ctx {
    pub client: Client,
    pub target: Target,
    pub env: Arc<Env>,
    prefix: String,
}

impl Ctx {
    /// A key private to this case (and target).
    pub fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// The URL of the single server (only on [`Target::Server`]).
    pub fn url(&self) -> String {
        self.env.server().url()
    }

    /// Runs `future` on a fresh Tokio runtime (multi-threaded, 2 workers).
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
            .block_on(future)
    }
}

/// One raw command (`args[0]` and its arguments) on a fresh connection to `url`.
#[allow(clippy::indexing_slicing)]
pub fn raw(url: &str, args: &[&str]) -> redis::Value {
    let mut con = redis::Client::open(url).unwrap().get_connection().unwrap();
    let mut cmd = redis::cmd(args[0]);
    for arg in &args[1..] {
        cmd.arg(*arg);
    }
    cmd.query(&mut con).unwrap()
}

/// A named case.
pub type Case = (&'static str, fn(&Ctx));

/// Lists cases by function name: `cases![a, b]`.
#[macro_export]
macro_rules! cases {
    ($($f:ident),* $(,)?) => {
        vec![$((stringify!($f), $f as fn(&support::Ctx))),*]
    };
}

/// Cases and the targets they run on.
pub type Group = (&'static [Target], Vec<Case>);

/// A worker process: the environment variable that makes one, and what it runs
/// with the variable's value.
pub type Worker = (&'static str, fn(&str));

/// One suite: its name (the first part of its trials' names and of its keys),
/// its groups of cases, and what its process needs besides.
pub struct Suite {
    name: &'static str,
    groups: Vec<Group>,
    worker: Option<Worker>,
    before: Option<fn()>,
}

impl Suite {
    /// A suite of `groups`.
    pub fn new(name: &'static str, groups: Vec<Group>) -> Suite {
        Suite {
            name,
            groups,
            worker: None,
            before: None,
        }
    }

    /// A suite of one group.
    pub fn one(name: &'static str, targets: &'static [Target], cases: Vec<Case>) -> Suite {
        Suite::new(name, vec![(targets, cases)])
    }

    /// The test binary, re-run with `var` set (to a spec for `worker`), is a
    /// worker process of one of this suite's cases instead of a test run.
    pub fn worker(mut self, var: &'static str, worker: fn(&str)) -> Suite {
        self.worker = Some((var, worker));
        self
    }

    /// Runs `check` once, before the first of this suite's cases that runs; when
    /// it panics, each of them fails with its message.
    pub fn before(mut self, check: fn()) -> Suite {
        self.before = Some(check);
        self
    }
}

/// When this process was started as a worker by one of `suites`' cases, runs
/// the worker and returns true.
pub fn run_worker(suites: &[Suite]) -> bool {
    for suite in suites {
        if let Some((var, worker)) = suite.worker
            && let Ok(spec) = std::env::var(var)
        {
            worker(&spec);
            return true;
        }
    }
    false
}

/// Runs every suite's cases on their targets, with one set of shared servers,
/// and stops the servers; the caller exits with the returned conclusion.
///
/// `REDIS_URL` names the shared single server (set here, before any thread of
/// the run exists), for the cases of `Client::from_env`.
pub fn run_suites(suites: Vec<Suite>) -> libtest_mimic::Conclusion {
    let args = Arguments::from_args();
    let env = Arc::new(Env::default());
    if !args.list {
        #[allow(unsafe_code)]
        // SAFETY: no thread that reads the environment exists yet.
        unsafe {
            std::env::set_var("REDIS_URL", env.server().url());
        }
    }
    let mut trials = Vec::new();
    for suite in suites {
        let before = Arc::new(Before {
            check: suite.before,
            outcome: OnceLock::new(),
        });
        for (targets, cases) in suite.groups {
            for &target in targets {
                for &(name, case) in &cases {
                    trials.push(trial(suite.name, &env, &before, target, name, case));
                }
            }
        }
    }
    let conclusion = libtest_mimic::run(&args, trials);
    drop(env);
    conclusion
}

/// Runs `cases` on every target in `targets` and stops the servers: the `main`
/// of a suite that is a test binary of its own.
pub fn run(
    suite: &'static str,
    targets: &'static [Target],
    cases: Vec<Case>,
) -> libtest_mimic::Conclusion {
    run_suites(vec![Suite::one(suite, targets, cases)])
}

/// Like [`run`], for groups of cases that run on different targets.
pub fn run_groups(suite: &'static str, groups: Vec<Group>) -> libtest_mimic::Conclusion {
    run_suites(vec![Suite::new(suite, groups)])
}

/// A suite's check, run by its first case.
struct Before {
    check: Option<fn()>,
    outcome: OnceLock<Result<(), String>>,
}

impl Before {
    fn passed(&self) -> Result<(), Failed> {
        let Some(check) = self.check else {
            return Ok(());
        };
        self.outcome
            .get_or_init(|| std::panic::catch_unwind(check).map_err(|p| panic_message(&p)))
            .clone()
            .map_err(Failed::from)
    }
}

fn trial(
    suite: &str,
    env: &Arc<Env>,
    before: &Arc<Before>,
    target: Target,
    name: &'static str,
    case: fn(&Ctx),
) -> Trial {
    let (env, before) = (Arc::clone(env), Arc::clone(before));
    let label = match target {
        Target::Server => "server",
        Target::Cluster => "cluster",
    };
    let prefix = format!("test:{suite}:{name}:{label}:");
    Trial::test(format!("{suite}::{label}::{name}"), move || {
        before.passed()?;
        let ctx = Ctx {
            client: env.client(target),
            target,
            env: Arc::clone(&env),
            prefix,
        };
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| case(&ctx)))
            .map_err(|panic| Failed::from(panic_message(&panic)))
    })
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "panicked".to_owned())
}

/// Starts `n` copies of this test binary as workers: each runs the worker of
/// the suite that registered `var` (see [`Suite::worker`]) on `spec`.
pub fn spawn_workers(var: &str, spec: &str, n: usize) -> Vec<std::process::Child> {
    let exe = std::env::current_exe().unwrap();
    (0..n)
        .map(|_| {
            std::process::Command::new(&exe)
                .env(var, spec)
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect()
}

/// Waits for workers from [`spawn_workers`]; panics unless each succeeded.
/// Their standard outputs, in order.
pub fn wait_workers(workers: Vec<std::process::Child>) -> Vec<String> {
    workers
        .into_iter()
        .map(|worker| {
            let out = worker.wait_with_output().unwrap();
            assert!(out.status.success(), "worker failed: {out:?}");
            String::from_utf8_lossy(&out.stdout).into_owned()
        })
        .collect()
}
