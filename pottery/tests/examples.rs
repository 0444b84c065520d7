//! The programs in `pottery/examples/`, run against this run's private servers
//! as a user would run them: the compiled program, its server URL(s) in the
//! environment, exit status 0 and the output it promises.
//!
//! The test command (`scripts/dev test`) builds them first with
//! `cargo build --workspace --examples`: `cargo test` builds examples only as
//! test harnesses, whose `main` never runs. A program older than its source or
//! the library's is refused rather than run stale.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use crate::support;
use support::{Ctx, Target};

/// `target/<profile>/examples/<name>` (beside `target/<profile>/deps/`, where
/// this test binary is), checked to be newer than what it is built from.
fn example(name: &str) -> Command {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let path: PathBuf = profile_dir.join("examples").join(name);
    let rebuild = "run `cargo build -p pottery --examples` (the test command does)";
    let built = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .unwrap_or_else(|_| panic!("{} is not built: {rebuild}", path.display()));
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sources = [
        crate_dir.join("examples").join(format!("{name}.rs")),
        crate_dir.join("src"),
        crate_dir.join("../pottery-macros/src"),
    ];
    let newest = sources.iter().map(|p| newest(p)).max().unwrap();
    assert!(
        built >= newest,
        "{} is older than its sources: {rebuild}",
        path.display()
    );
    Command::new(path)
}

/// The latest modification time of `path` or of any file under it.
fn newest(path: &Path) -> SystemTime {
    let meta = std::fs::metadata(path).unwrap();
    if !meta.is_dir() {
        return meta.modified().unwrap();
    }
    std::fs::read_dir(path)
        .unwrap()
        .map(|entry| newest(&entry.unwrap().path()))
        .max()
        .unwrap_or(SystemTime::UNIX_EPOCH)
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
