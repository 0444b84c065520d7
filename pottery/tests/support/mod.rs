//! The harness of pottery's Redis-backed test suites.
//!
//! Each suite is a test binary with its own `main` (libtest-mimic), so that the
//! private Redis servers it starts live exactly as long as the run: they start on
//! first use, are shared by the suite's cases (each case uses its own keys) and
//! are killed when `main` returns. A case written once against a [`Ctx`] runs on
//! a single server and on a 3-master cluster.

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

/// The servers of one suite run, started on first use.
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

/// Runs `cases` on every target in `targets` and stops the servers; the caller
/// exits with the returned conclusion (after dropping anything else it started).
pub fn run(suite: &str, targets: &[Target], cases: Vec<Case>) -> libtest_mimic::Conclusion {
    run_groups(suite, vec![(targets, cases)])
}

/// Like [`run`], for groups of cases that run on different targets (for example
/// interop cases, which need a single server, beside cases that run everywhere).
pub fn run_groups(suite: &str, groups: Vec<(&[Target], Vec<Case>)>) -> libtest_mimic::Conclusion {
    let args = Arguments::from_args();
    let env = Arc::new(Env::default());
    let mut trials = Vec::new();
    for (targets, cases) in groups {
        for &target in targets {
            for &(name, case) in &cases {
                trials.push(trial(suite, &env, target, name, case));
            }
        }
    }
    let conclusion = libtest_mimic::run(&args, trials);
    drop(env);
    conclusion
}

fn trial(suite: &str, env: &Arc<Env>, target: Target, name: &'static str, case: fn(&Ctx)) -> Trial {
    let env = Arc::clone(env);
    let label = match target {
        Target::Server => "server",
        Target::Cluster => "cluster",
    };
    let prefix = format!("test:{suite}:{name}:{label}:");
    Trial::test(format!("{label}::{name}"), move || {
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
