//! Redlock's deadlines: every call returns within its stated worst case (+10%)
//! against a server stopped with SIGSTOP, blocking and async; `Duration::MAX`
//! is no limit and never panics; zero durations fail at `build()`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use crate::support;

use std::time::{Duration, Instant};

use pottery::{Client, Error, future, sync::Redlock};
use pottery_testkit::Server;
use support::{Ctx, Target};

const MS: Duration = Duration::from_millis(1);
const REQUEST: Duration = Duration::from_millis(100);

/// The client's own timeout is long (5 s): only the lock's request timeout
/// can keep the calls short.
fn slow_client(server: &Server) -> Client {
    Client::builder(&server.url())
        .connect_timeout(Duration::from_secs(5))
        .response_timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

/// `took` is within `limit` + 10% (and a 15 ms allowance for the scheduler
/// of a loaded machine).
fn within(what: &str, took: Duration, limit: Duration) {
    let bound = limit + limit / 10 + 15 * MS;
    assert!(took <= bound, "{what} took {took:?}, more than {bound:?}");
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let value = f();
    (value, start.elapsed())
}

fn blocking_lock(client: &Client, name: &str) -> Redlock {
    Redlock::builder(name)
        .master(client.clone())
        .request_timeout(REQUEST)
        .build()
        .unwrap()
}

fn async_lock(client: &Client, name: &str) -> future::Redlock {
    future::Redlock::builder(name)
        .master(client.clone())
        .request_timeout(REQUEST)
        .build()
        .unwrap()
}

fn test_blocking_calls_keep_their_deadlines_on_a_frozen_server(_: &Ctx) {
    let server = Server::start();
    let client = slow_client(&server);
    let lock = blocking_lock(&client, "printer");
    let mut guard = lock.acquire().unwrap();
    server.freeze();
    let (locked, took) = timed(|| guard.locked());
    within("locked", took, REQUEST);
    assert!(locked.is_err(), "{locked:?}");
    let (extended, took) = timed(|| guard.extend());
    within("extend", took, REQUEST);
    assert!(extended.is_err());
    // Each call after a timeout needs a new connection: it is bounded too.
    let other = blocking_lock(&client, "scanner");
    for round in 0..3 {
        let (attempt, took) = timed(|| other.try_acquire());
        within(&format!("try_acquire #{round}"), took, 2 * REQUEST);
        assert_eq!(
            attempt.unwrap_err().kind(),
            pottery::ErrorKind::QuorumIsImpossible
        );
    }
    let (waited, took) = timed(|| other.acquire_timeout(300 * MS));
    within("acquire_timeout", took, 300 * MS + 2 * REQUEST);
    assert!(waited.is_err());
    let (released, took) = timed(|| guard.release());
    within("release", took, REQUEST);
    assert!(released.is_err());
    server.thaw();
}

fn test_async_calls_keep_their_deadlines_on_a_frozen_server(ctx: &Ctx) {
    let server = Server::start();
    let client = slow_client(&server);
    let lock = async_lock(&client, "shower");
    ctx.block_on(async {
        let mut guard = lock.acquire().await.unwrap();
        server.freeze();
        let start = Instant::now();
        assert!(guard.locked().await.is_err());
        within("locked", start.elapsed(), REQUEST);
        let start = Instant::now();
        assert!(guard.extend().await.is_err());
        within("extend", start.elapsed(), REQUEST);
        let other = async_lock(&client, "bath");
        for round in 0..3 {
            let start = Instant::now();
            let err = other.try_acquire().await.unwrap_err();
            within(
                &format!("try_acquire #{round}"),
                start.elapsed(),
                2 * REQUEST,
            );
            assert_eq!(err.kind(), pottery::ErrorKind::QuorumIsImpossible);
        }
        let start = Instant::now();
        assert!(other.acquire_timeout(300 * MS).await.is_err());
        within("acquire_timeout", start.elapsed(), 300 * MS + 2 * REQUEST);
        let start = Instant::now();
        assert!(guard.release().await.is_err());
        within("release", start.elapsed(), REQUEST);
    });
    server.thaw();
}

/// `run` on a frozen server: the acquire's deadline, then the error.
fn test_run_keeps_its_deadline_on_a_frozen_server(ctx: &Ctx) {
    let server = Server::start();
    let client = slow_client(&server);
    let lock = Redlock::builder("printer")
        .master(client.clone())
        .request_timeout(REQUEST)
        .run_timeout(200 * MS)
        .build()
        .unwrap();
    let alock = future::Redlock::builder("shower")
        .master(client.clone())
        .request_timeout(REQUEST)
        .run_blocking(false)
        .build()
        .unwrap();
    server.freeze();
    let (ran, took) = timed(|| lock.run(|| ()));
    within("run", took, 200 * MS + 2 * REQUEST);
    assert!(ran.is_err());
    ctx.block_on(async {
        let start = Instant::now();
        assert!(alock.run(|| async {}).await.is_err());
        within("async run", start.elapsed(), 2 * REQUEST);
    });
    server.thaw();
}

/// `Duration::MAX` everywhere: no limit, no panic.
fn test_duration_max_is_no_limit(ctx: &Ctx) {
    let max = Duration::MAX;
    let lock = Redlock::builder(&ctx.key("forever"))
        .master(ctx.client.clone())
        .auto_release_time(max)
        .request_timeout(max)
        .retry_delay(max)
        .run_timeout(max)
        .num_extensions(None)
        .build()
        .unwrap();
    let year = Duration::from_secs(365 * 24 * 3600);
    assert!(lock.auto_release_time() >= 100 * year);
    let mut guard = lock.acquire_timeout(max).unwrap().expect("free");
    assert!(guard.valid_until() > Instant::now() + 90 * year);
    assert!(guard.locked().unwrap() > 90 * year);
    guard.extend().unwrap();
    assert!(!guard.is_lost());
    assert!(lock.try_acquire().unwrap().is_none());
    guard.release().unwrap();
    assert_eq!(lock.run(|| 7).unwrap(), 7);
    assert!(!lock.acquire().unwrap().wait_lost(Duration::ZERO));

    // A hold that expires: acquire_timeout(MAX) waits for it, wait_lost(MAX)
    // returns at its end.
    let short = Redlock::builder(&ctx.key("short"))
        .master(ctx.client.clone())
        .auto_release_time(150 * MS)
        .retry_delay(20 * MS)
        .build()
        .unwrap();
    let held = short.acquire().unwrap();
    let (next, took) = timed(|| short.acquire_timeout(max).unwrap());
    assert!(next.is_some() && took < Duration::from_secs(1), "{took:?}");
    assert!(held.wait_lost(max));

    let alock = future::Redlock::builder(&ctx.key("forever-aio"))
        .master(ctx.client.clone())
        .auto_release_time(max)
        .request_timeout(max)
        .run_timeout(max)
        .watchdog(true)
        .build()
        .unwrap();
    ctx.block_on(async {
        let guard = alock.acquire_timeout(max).await.unwrap().expect("free");
        assert!(!guard.wait_lost(10 * MS).await);
        assert!(alock.try_acquire().await.unwrap().is_none());
        guard.release().await.unwrap();
        assert_eq!(alock.run(|| async { 7 }).await.unwrap(), 7);
    });
    // A renewal interval of no limit cannot keep a hold: a config error.
    let err = Redlock::builder("printer")
        .master(ctx.client.clone())
        .watchdog_interval(max)
        .build()
        .unwrap_err();
    assert!(err.kind() == pottery::ErrorKind::Config, "{err}");
}

/// Zero or nonsensical durations fail at `build()`, not at the first call.
fn test_zero_durations_fail_at_build(ctx: &Ctx) {
    let zero = Duration::ZERO;
    let name = ctx.key("printer");
    let base = || Redlock::builder(&name).master(ctx.client.clone());
    let errors: Vec<(&str, Error)> = vec![
        (
            "auto_release_time",
            base().auto_release_time(zero).build().unwrap_err(),
        ),
        (
            "auto_release_time < 1 ms",
            base().auto_release_time(MS / 2).build().unwrap_err(),
        ),
        (
            "request_timeout",
            base().request_timeout(zero).build().unwrap_err(),
        ),
        ("retry_delay", base().retry_delay(zero).build().unwrap_err()),
        ("run_timeout", base().run_timeout(zero).build().unwrap_err()),
        (
            "watchdog_interval",
            base().watchdog_interval(zero).build().unwrap_err(),
        ),
        (
            "watchdog_interval = auto_release_time",
            base()
                .auto_release_time(300 * MS)
                .watchdog_interval(300 * MS)
                .build()
                .unwrap_err(),
        ),
    ];
    for (what, err) in errors {
        assert!(err.kind() == pottery::ErrorKind::Config, "{what}: {err}");
    }
    // The async builder checks the same.
    let err = future::Redlock::builder("printer")
        .master(ctx.client.clone())
        .request_timeout(zero)
        .build()
        .unwrap_err();
    assert!(err.kind() == pottery::ErrorKind::Config, "{err}");
    // acquire_timeout(ZERO) is a call, not a setting: one attempt.
    let lock = base().build().unwrap();
    assert!(lock.acquire_timeout(zero).unwrap().is_some());
}

pub(crate) fn suite() -> support::Suite {
    let own_server = cases![
        test_blocking_calls_keep_their_deadlines_on_a_frozen_server,
        test_async_calls_keep_their_deadlines_on_a_frozen_server,
        test_run_keeps_its_deadline_on_a_frozen_server,
    ];
    let everywhere = cases![
        test_duration_max_is_no_limit,
        test_zero_durations_fail_at_build
    ];
    support::Suite::new(
        "redlock_deadline",
        vec![
            (&[Target::Server], own_server),
            (&[Target::Server, Target::Cluster], everywhere),
        ],
    )
}
