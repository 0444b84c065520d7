//! The programs in `pottery/examples/`, run against this run's private servers
//! as a user would run them: the compiled binary, its server URL(s) in the
//! environment, exit status 0 and the output it promises.
//!
//! `cargo test --all-targets` (the test command) builds the examples beside
//! the tests; a run of this suite alone needs `cargo build -p pottery --examples` first.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::path::PathBuf;
use std::process::Command;

use crate::support;
use support::{Ctx, Target};

/// `target/<profile>/examples/<name>`, beside `target/<profile>/deps/` where
/// this test binary is.
fn example(name: &str) -> Command {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let path: PathBuf = profile_dir.join("examples").join(name);
    assert!(
        path.exists(),
        "{} is not built: run `cargo test --all-targets` or `cargo build -p pottery --examples`",
        path.display()
    );
    Command::new(path)
}

/// Runs `cmd`; asserts exit status 0 and that stdout holds every line of `expect`.
fn run(mut cmd: Command, expect: &[&str]) {
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{cmd:?} failed ({})\n{stdout}\n{stderr}",
        out.status
    );
    for line in expect {
        assert!(stdout.contains(line), "{cmd:?}: no {line:?} in\n{stdout}");
    }
}

/// Each example on the single server, by `REDIS_URL`.
fn on_server(ctx: &Ctx, name: &str, expect: &[&str]) {
    let mut cmd = example(name);
    cmd.env("REDIS_URL", ctx.url());
    run(cmd, expect);
}

fn job_pipeline(ctx: &Ctx) {
    on_server(
        ctx,
        "job_pipeline",
        &["queued 30 jobs", "30 results, largest 900", "ok"],
    );
}

fn memoize(ctx: &Ctx) {
    on_server(
        ctx,
        "memoize",
        &[
            "attribute: 1 hit, 1 miss",
            "fetched 1 time(s) for 3 calls",
            "ok",
        ],
    );
}

fn unique_visitors(ctx: &Ctx) {
    on_server(ctx, "unique_visitors", &["unique visitors today", "ok"]);
}

fn cluster_visitors(ctx: &Ctx) {
    let mut cmd = example("cluster_visitors");
    cmd.env("REDIS_CLUSTER_URLS", ctx.env.cluster().urls().join(","));
    run(cmd, &["the week: about", "ok"]);
}

pub(crate) fn suite() -> support::Suite {
    // The examples choose their own keys, as a user's program would: each runs
    // once, on the target it is written for.
    let cases = cases![job_pipeline, memoize, unique_visitors, cluster_visitors];
    support::Suite::one("examples", &[Target::Server], cases)
}
