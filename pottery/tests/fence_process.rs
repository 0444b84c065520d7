//! Kleppmann's scenario for real (issue 12, point 2): holder A is another
//! process. It takes the lock (short auto-release time, no watchdog), says so
//! on stdout, and is SIGSTOPped by the test past the lock's expiry; B (the
//! test) takes the lock and writes through the fences of a dict, a list, a
//! set, a counter and a deque; A is SIGCONTed and writes through the same
//! fences with its older token. A reports each outcome on stdout: every write
//! refused with `StaleFence`; B's data is intact. On a server and on a
//! cluster, with A blocking and async.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use crate::support;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use pottery::{Client, ErrorKind, Result, future, sync};
use support::{Ctx, Target};

/// The environment variable that makes this binary holder A.
const WORKER: &str = "POTTERY_FENCE_HOLDER";

/// A's hold: short, so that B gets the lock soon after A is stopped.
const AUTO_RELEASE: Duration = Duration::from_millis(600);

/// What each structure holds: A would write 1, B writes 2.
const NAMES: [&str; 5] = ["dict", "list", "set", "counter", "deque"];

/// `target|urls (comma-separated)|key prefix|blocking or async`.
fn spec(ctx: &Ctx, mode: &str) -> String {
    let urls = match ctx.target {
        Target::Server => ctx.url(),
        Target::Cluster => ctx.env.cluster().urls().join(","),
    };
    let target = match ctx.target {
        Target::Server => "server",
        Target::Cluster => "cluster",
    };
    format!("{target}|{urls}|{}|{mode}", ctx.key(mode))
}

fn client_of(target: &str, urls: &str) -> Client {
    match target {
        "server" => Client::open(urls).unwrap(),
        _ => Client::cluster(urls.split(',').map(str::to_owned)).unwrap(),
    }
}

fn lock_name(prefix: &str) -> String {
    format!("{prefix}lock")
}

/// Holder A: acquire, say `held TOKEN`, wait for a line on stdin (the test
/// sends it once A has been stopped and resumed), write through every fence
/// and print `NAME OUTCOME` for each.
fn holder(spec: &str) {
    let parts: Vec<&str> = spec.split('|').collect();
    let [target, urls, prefix, mode] = parts[..] else {
        panic!("bad spec {spec}");
    };
    let client = client_of(target, urls);
    let mut out = std::io::stdout();
    let outcomes = match mode {
        "blocking" => {
            let lock: sync::Redlock = sync::Redlock::builder(&lock_name(prefix))
                .master(client.clone())
                .auto_release_time(AUTO_RELEASE)
                .build()
                .unwrap();
            let guard = lock.acquire().unwrap();
            writeln!(out, "held {}", guard.fencing_token()).unwrap();
            out.flush().unwrap();
            wait_for_go();
            let outcomes = write_blocking(&client, prefix, &guard, 1);
            drop(guard); // expired, and B's token is there: changes nothing
            outcomes
        }
        _ => {
            let rt = tokio::runtime::Runtime::new().unwrap();
            rt.block_on(async {
                let lock: future::Redlock = future::Redlock::builder(&lock_name(prefix))
                    .master(client.clone())
                    .auto_release_time(AUTO_RELEASE)
                    .build()
                    .unwrap();
                let guard = lock.acquire().await.unwrap();
                writeln!(out, "held {}", guard.fencing_token()).unwrap();
                out.flush().unwrap();
                wait_for_go();
                write_async(&client, prefix, guard.fencing_token(), 1).await
            })
        }
    };
    for (name, outcome) in NAMES.iter().zip(outcomes) {
        let said = match outcome {
            Ok(()) => "written".to_owned(),
            Err(err) if err.kind() == ErrorKind::StaleFence => "StaleFence".to_owned(),
            Err(err) => format!("error {err}"),
        };
        writeln!(out, "{name} {said}").unwrap();
    }
    out.flush().unwrap();
}

fn wait_for_go() {
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).unwrap();
}

fn key(prefix: &str, name: &str) -> String {
    format!("{prefix}{name}")
}

/// One fenced write of `value` to each structure, blocking.
fn write_blocking(
    client: &Client,
    prefix: &str,
    token: impl Into<pottery::FenceToken> + Copy,
    value: i64,
) -> Vec<Result<()>> {
    let token: pottery::FenceToken = token.into();
    let k = |name| key(prefix, name);
    vec![
        sync::RedisDict::<String, i64>::new(client, &k("dict"))
            .fenced(token)
            .insert("report", value)
            .map(drop),
        sync::RedisList::<i64>::new(client, &k("list"))
            .fenced(token)
            .push(value),
        sync::RedisSet::<i64>::new(client, &k("set"))
            .fenced(token)
            .insert(value)
            .map(drop),
        sync::RedisCounter::<String>::new(client, &k("counter"))
            .fenced(token)
            .increment("pages", value)
            .map(drop),
        sync::RedisDeque::<i64>::with_maxlen(client, &k("deque"), 4)
            .fenced(token)
            .push_back(value),
    ]
}

/// [`write_blocking`], async.
async fn write_async(client: &Client, prefix: &str, token: u64, value: i64) -> Vec<Result<()>> {
    let k = |name| key(prefix, name);
    vec![
        future::RedisDict::<String, i64>::new(client, &k("dict"))
            .fenced(token)
            .insert("report", value)
            .await
            .map(drop),
        future::RedisList::<i64>::new(client, &k("list"))
            .fenced(token)
            .push(value)
            .await,
        future::RedisSet::<i64>::new(client, &k("set"))
            .fenced(token)
            .insert(value)
            .await
            .map(drop),
        future::RedisCounter::<String>::new(client, &k("counter"))
            .fenced(token)
            .increment("pages", value)
            .await
            .map(drop),
        future::RedisDeque::<i64>::with_maxlen(client, &k("deque"), 4)
            .fenced(token)
            .push_back(value)
            .await,
    ]
}

/// Holder A's process; resumed and killed if the case fails before A ends.
struct Holder(Child);

impl Drop for Holder {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            signal(&self.0, "-CONT");
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

fn signal(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .arg(signal)
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success(), "kill {signal}");
}

/// What every structure holds, as text, read through the case's client.
fn contents(ctx: &Ctx, prefix: &str) -> String {
    let c = &ctx.client;
    let k = |name| key(prefix, name);
    format!(
        "{:?} {:?} {:?} {:?} {:?}",
        sync::RedisDict::<String, i64>::new(c, &k("dict"))
            .to_hash_map()
            .unwrap(),
        sync::RedisList::<i64>::new(c, &k("list")).to_vec().unwrap(),
        sync::RedisSet::<i64>::new(c, &k("set")).to_vec().unwrap(),
        sync::RedisCounter::<String>::new(c, &k("counter"))
            .to_hash_map()
            .unwrap(),
        sync::RedisDeque::<i64>::new(c, &k("deque"))
            .to_vec()
            .unwrap(),
    )
}

fn stopped_holder_is_refused(ctx: &Ctx, mode: &str) {
    let spec = spec(ctx, mode);
    let prefix = ctx.key(mode);
    let mut a = Holder(
        Command::new(std::env::current_exe().unwrap())
            .env(WORKER, &spec)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(a.0.stdout.take().unwrap()).lines();
    let held = lines.next().unwrap().unwrap();
    let a_token: u64 = held.strip_prefix("held ").unwrap().parse().unwrap();
    signal(&a.0, "-STOP");

    // B: waits until A's hold expires (A, stopped, cannot extend it).
    let lock: sync::Redlock = sync::Redlock::builder(&lock_name(&prefix))
        .master(ctx.client.clone())
        .build()
        .unwrap();
    let guard = lock
        .acquire_timeout(Duration::from_secs(10))
        .unwrap()
        .expect("A's hold expires");
    assert!(guard.fencing_token() > a_token, "tokens grow");
    for outcome in write_blocking(&ctx.client, &prefix, &guard, 2) {
        outcome.unwrap();
    }
    let written = contents(ctx, &prefix);
    guard.release().unwrap();

    signal(&a.0, "-CONT");
    let mut stdin = a.0.stdin.take().unwrap();
    writeln!(stdin, "go").unwrap();
    drop(stdin);
    let reported: Vec<String> = lines.map(Result::unwrap).collect();
    assert!(
        a.0.wait().unwrap().success(),
        "holder A failed: {reported:?}"
    );
    let expected: Vec<String> = NAMES.iter().map(|n| format!("{n} StaleFence")).collect();
    assert_eq!(reported, expected, "A's late writes");
    assert_eq!(contents(ctx, &prefix), written, "B's data is intact");
    assert_eq!(
        written, r#"{"report": 2} [2] [2] {"pages": 2} [2]"#,
        "what B wrote"
    );
}

fn stopped_blocking_holder_is_refused(ctx: &Ctx) {
    stopped_holder_is_refused(ctx, "blocking");
}

fn stopped_async_holder_is_refused(ctx: &Ctx) {
    stopped_holder_is_refused(ctx, "async");
}

pub(crate) fn suite() -> support::Suite {
    support::Suite::one(
        "fence_process",
        &[Target::Server, Target::Cluster],
        cases![
            stopped_blocking_holder_is_refused,
            stopped_async_holder_is_refused
        ],
    )
    .worker(WORKER, holder)
}
