//! `#[pottery::synchronize]` and `pottery::Synchronized`: functions that run
//! holding a Redlock, blocking and async, on one server and on a 3-master cluster
//! (each as the lock's one master); over 3 independent masters; and against a
//! Python pottery process. The compile errors of the macro are checked by
//! `tests/synchronize_ui.rs` (trybuild).
//!
//! Ports pottery 3.0.1's `test_synchronize` and `test_synchronize_fails`
//! (`tests/test_redlock.py`) to the attribute.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use crate::support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::sleep;
use std::time::{Duration, Instant};

use pottery::{Client, Error, Synchronized, future, sync::Redlock, synchronize};
use pottery_testkit::{Masters, python};
use support::{Ctx, Target};

const MS: Duration = Duration::from_millis(1);
const THREADS: usize = 8;
const ROUNDS: usize = 5;

fn get(client: &Client, key: &str) -> Option<String> {
    client
        .with_connection(|con| redis::cmd("GET").arg(key).query(con))
        .unwrap()
}

fn pttl(client: &Client, key: &str) -> i64 {
    client
        .with_connection(|con| redis::cmd("PTTL").arg(key).query(con))
        .unwrap()
}

fn exists(client: &Client, key: &str) -> bool {
    get(client, key).is_some()
}

/// A non-atomic increment: read, pause, write back (loses updates unless
/// serialized).
fn bump(client: &Client, counter: &str) -> pottery::Result<()> {
    let now: i64 = get(client, counter).map_or(0, |v| v.parse().unwrap());
    sleep(MS);
    client.with_connection(|con| redis::cmd("SET").arg(counter).arg(now + 1).query::<()>(con))
}

fn count(client: &Client, counter: &str) -> usize {
    get(client, counter).map_or(0, |v| v.parse().unwrap())
}

// ---- pottery 3.0.1 tests/test_redlock.py ----

#[synchronize(key = "test:synchronize:synchronized-func", masters = client, auto_release_time_ms = 200)]
fn timed(client: &Client) -> pottery::Result<Instant> {
    sleep(100 * MS);
    Ok(Instant::now())
}

/// Three threads call a synchronized function that sleeps 100 ms: their ends
/// are more than 100 ms apart.
fn test_synchronize(ctx: &Ctx) {
    let mut times: Vec<Instant> = std::thread::scope(|s| {
        let runs: Vec<_> = (0..3)
            .map(|_| s.spawn(|| timed(&ctx.client).unwrap()))
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    times.sort();
    for pair in times.windows(2) {
        assert!(pair[1] - pair[0] > 100 * MS, "{:?}", pair[1] - pair[0]);
    }
}

#[synchronize(
    key = "test:synchronize:synchronized-fails",
    masters = client,
    auto_release_time_ms = 1,
    blocking = false
)]
fn never(client: &Client) -> pottery::Result<()> {
    unreachable!("acquired too slowly to be valid: the body does not run")
}

fn test_synchronize_fails(ctx: &Ctx) {
    assert_eq!(
        never(&ctx.client).unwrap_err().kind(),
        pottery::ErrorKind::QuorumNotAchieved
    );
}

// ---- the attribute on a blocking fn ----

#[synchronize(key = "test:synchronize:threads", masters = client)]
fn locked_bump(client: &Client, counter: &str) -> pottery::Result<()> {
    bump(client, counter)
}

fn test_blocking_fn_from_8_threads_keeps_exact_count(ctx: &Ctx) {
    let counter = ctx.key("counter");
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                for _ in 0..ROUNDS {
                    locked_bump(&ctx.client, &counter).unwrap();
                }
            });
        }
    });
    assert_eq!(count(&ctx.client, &counter), THREADS * ROUNDS);
    assert!(!exists(&ctx.client, "redlock:test:synchronize:threads"));
}

/// Without the lock the same increments lose updates: the test above proves
/// something.
fn test_unsynchronized_loses_updates(ctx: &Ctx) {
    let counter = ctx.key("counter");
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                for _ in 0..ROUNDS {
                    bump(&ctx.client, &counter).unwrap();
                }
            });
        }
    });
    assert!(count(&ctx.client, &counter) < THREADS * ROUNDS);
}

#[synchronize(key = "test:synchronize:key", masters = client, auto_release_time_ms = 3000)]
fn inside(client: &Client) -> pottery::Result<(Option<String>, i64)> {
    let key = "redlock:test:synchronize:key";
    Ok((get(client, key), pttl(client, key)))
}

fn test_lock_key_is_redlock_prefixed(ctx: &Ctx) {
    let (token, ttl) = inside(&ctx.client).unwrap();
    let token = token.expect("the lock is held during the call");
    assert_eq!(token.len(), 36, "{token}");
    assert!(ttl > 2000 && ttl <= 3000, "{ttl}");
    assert!(!exists(&ctx.client, "redlock:test:synchronize:key"));
}

#[synchronize(key = "test:synchronize:busy-once", masters = client, blocking = false)]
fn busy_once(client: &Client, ran: &AtomicBool) -> pottery::Result<()> {
    ran.store(true, Ordering::SeqCst);
    Ok(())
}

fn test_nonblocking_call_fails_at_once_while_held(ctx: &Ctx) {
    let lock = Redlock::new(&ctx.client, "test:synchronize:busy-once");
    let ran = AtomicBool::new(false);
    let held = lock.acquire().unwrap();
    let start = Instant::now();
    let err = busy_once(&ctx.client, &ran).unwrap_err();
    assert_eq!(err.kind(), pottery::ErrorKind::QuorumNotAchieved, "{err}");
    assert!(start.elapsed() < 150 * MS, "{:?}", start.elapsed());
    assert!(!ran.load(Ordering::SeqCst));
    held.release().unwrap();
    busy_once(&ctx.client, &ran).unwrap();
    assert!(ran.load(Ordering::SeqCst));
}

#[synchronize(key = "test:synchronize:busy-timeout", masters = client, timeout_ms = 300)]
fn busy_timeout(client: &Client) -> pottery::Result<()> {
    Ok(())
}

fn test_call_with_timeout_fails_after_timeout_while_held(ctx: &Ctx) {
    let lock = Redlock::new(&ctx.client, "test:synchronize:busy-timeout");
    let held = lock.acquire().unwrap();
    let start = Instant::now();
    assert!(busy_timeout(&ctx.client).unwrap_err().kind() == pottery::ErrorKind::QuorumNotAchieved);
    let waited = start.elapsed();
    assert!(waited >= 300 * MS && waited < 1000 * MS, "{waited:?}");
    held.release().unwrap();
    busy_timeout(&ctx.client).unwrap();
}

#[synchronize(key = "test:synchronize:waits", masters = client)]
fn waits(client: &Client) -> pottery::Result<Instant> {
    Ok(Instant::now())
}

/// Another thread holds the lock for 300 ms: a blocking call waits for it.
fn test_blocking_call_waits_for_holder(ctx: &Ctx) {
    let lock = Redlock::new(&ctx.client, "test:synchronize:waits");
    let held = lock.acquire().unwrap();
    let start = Instant::now();
    let released = std::thread::scope(|s| {
        let holder = s.spawn(move || {
            sleep(300 * MS);
            held.release().unwrap();
            Instant::now()
        });
        let ran = waits(&ctx.client).unwrap();
        let released = holder.join().unwrap();
        assert!(ran >= released, "ran before the holder released");
        released
    });
    assert!(released - start >= 300 * MS);
}

#[synchronize(key = "test:synchronize:waits-expiry", masters = client)]
fn waits_expiry(client: &Client) -> pottery::Result<()> {
    Ok(())
}

/// A holder that never releases (a crashed process): the call runs once the
/// hold expires.
fn test_blocking_call_waits_for_expiry(ctx: &Ctx) {
    let lock = Redlock::builder("test:synchronize:waits-expiry")
        .master(ctx.client.clone())
        .auto_release_time(300 * MS)
        .build()
        .unwrap();
    std::mem::forget(lock.acquire().unwrap());
    let start = Instant::now();
    waits_expiry(&ctx.client).unwrap();
    assert!(start.elapsed() >= 250 * MS, "{:?}", start.elapsed());
}

#[synchronize(key = "test:synchronize:outlived", masters = client, auto_release_time_ms = 100)]
fn outlives_hold(client: &Client, ran: &AtomicBool) -> pottery::Result<u32> {
    sleep(300 * MS);
    ran.store(true, Ordering::SeqCst);
    Ok(1)
}

fn test_body_outliving_its_hold_fails(ctx: &Ctx) {
    let ran = AtomicBool::new(false);
    let err = outlives_hold(&ctx.client, &ran).unwrap_err();
    assert_eq!(err.kind(), pottery::ErrorKind::ReleaseUnlockedLock, "{err}");
    assert!(ran.load(Ordering::SeqCst));
}

#[synchronize(key = "test:synchronize:panics", masters = client)]
fn panics(client: &Client) -> pottery::Result<()> {
    assert!(exists(client, "redlock:test:synchronize:panics"));
    panic!("boom")
}

fn test_panic_releases_the_lock(ctx: &Ctx) {
    let client = ctx.client.clone();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || panics(&client)));
    assert!(outcome.is_err());
    assert!(!exists(&ctx.client, "redlock:test:synchronize:panics"));
}

/// A caller's own error type: the lock's errors arrive through `From`.
#[derive(Debug)]
enum AppError {
    Busy,
    Lock(Error),
    Parse(std::num::ParseIntError),
}

impl From<Error> for AppError {
    fn from(err: Error) -> Self {
        if err.kind() == pottery::ErrorKind::QuorumNotAchieved {
            AppError::Busy
        } else {
            AppError::Lock(err)
        }
    }
}

impl From<std::num::ParseIntError> for AppError {
    fn from(err: std::num::ParseIntError) -> Self {
        AppError::Parse(err)
    }
}

#[synchronize(key = "test:synchronize:parse", masters = client, blocking = false)]
fn parse(client: &Client, text: &str) -> Result<i64, AppError> {
    if text.is_empty() {
        return Ok(0);
    }
    let n: i64 = text.parse()?;
    Ok(n * 2)
}

/// `?` and `return` in the body, a custom error type, the lock released after
/// each outcome.
fn test_body_errors_early_returns_and_custom_error(ctx: &Ctx) {
    let key = "redlock:test:synchronize:parse";
    assert_eq!(parse(&ctx.client, "21").unwrap(), 42);
    assert_eq!(parse(&ctx.client, "").unwrap(), 0);
    assert!(
        matches!(parse(&ctx.client, "x"), Err(AppError::Parse(e)) if e.to_string().contains("invalid digit"))
    );
    assert!(!exists(&ctx.client, key));
    let held = Redlock::new(&ctx.client, "test:synchronize:parse")
        .acquire()
        .unwrap();
    assert!(matches!(parse(&ctx.client, "1"), Err(AppError::Busy)));
    drop(held);
    let lock_error = match parse(&ctx.client, "1") {
        Err(AppError::Lock(err)) => Some(err),
        _ => None,
    };
    assert!(lock_error.is_none());
}

#[synchronize(key = "test:synchronize:bad-masters", masters = Client::open(url))]
fn bad_masters(url: &str) -> pottery::Result<()> {
    unreachable!("no masters: the body does not run")
}

#[synchronize(key = "test:synchronize:no-masters", masters = Vec::new())]
fn no_masters() -> pottery::Result<()> {
    unreachable!("no masters: the body does not run")
}

/// A `masters` expression that fails is the call's error; no masters is a
/// configuration error.
fn test_masters_errors_are_returned(ctx: &Ctx) {
    let _ = ctx;
    let err = bad_masters("nonsense://x").unwrap_err();
    assert_ne!(err.kind(), pottery::ErrorKind::QuorumNotAchieved, "{err}");
    assert_eq!(no_masters().unwrap_err().kind(), pottery::ErrorKind::Config);
}

struct Printer {
    client: Client,
    lock: Redlock,
    printed: AtomicUsize,
}

impl Printer {
    /// `masters` from `self`.
    #[synchronize(key = "test:synchronize:printer", masters = &self.client)]
    fn print(&self, copies: usize) -> pottery::Result<usize> {
        assert!(exists(&self.client, "redlock:test:synchronize:printer"));
        Ok(self.printed.fetch_add(copies, Ordering::SeqCst) + copies)
    }

    /// A whole lock from `self`, and a borrowed result with an elided lifetime.
    #[synchronize(lock = &self.lock)]
    fn first_word<'a>(&self, text: &'a str) -> pottery::Result<&'a str> {
        assert!(exists(&self.client, self.lock.key()));
        Ok(text.split(' ').next().unwrap_or(""))
    }

    /// Elided lifetimes, `self` by value and a generic parameter.
    #[synchronize(lock = &self.lock)]
    fn describe<T: std::fmt::Display>(self, what: T) -> pottery::Result<String> {
        Ok(format!("{what} {}", self.printed.load(Ordering::SeqCst)))
    }
}

#[synchronize(lock = lock)]
fn trimmed<'a>(lock: &Redlock, text: &'a str) -> pottery::Result<&'a str> {
    Ok(text.trim())
}

fn test_methods_generics_and_lock_argument(ctx: &Ctx) {
    let printer = Printer {
        client: ctx.client.clone(),
        lock: Redlock::new(&ctx.client, &ctx.key("printer")),
        printed: AtomicUsize::new(0),
    };
    assert_eq!(printer.print(2).unwrap(), 2);
    assert_eq!(printer.print(3).unwrap(), 5);
    assert_eq!(printer.first_word("hello world").unwrap(), "hello");
    let held = printer.lock.acquire().unwrap();
    let busy = Redlock::builder(&ctx.key("printer"))
        .master(ctx.client.clone())
        .run_blocking(false)
        .build()
        .unwrap();
    assert_eq!(
        trimmed(&busy, " x ").unwrap_err().kind(),
        pottery::ErrorKind::QuorumNotAchieved
    );
    drop(held);
    assert_eq!(trimmed(&busy, " x ").unwrap(), "x");
    assert_eq!(printer.describe("printed").unwrap(), "printed 5");
}

// ---- the attribute on an async fn ----

#[synchronize(key = "test:synchronize:tasks", masters = &client)]
async fn locked_bump_async(client: Client, counter: String) -> pottery::Result<()> {
    let d: future::RedisDict<String, i64> = future::RedisDict::new(&client, &counter);
    let now = d.get("n").await?.unwrap_or(0);
    tokio::time::sleep(MS).await;
    d.insert("n", now + 1).await?;
    Ok(())
}

fn test_async_fn_from_8_tasks_keeps_exact_count(ctx: &Ctx) {
    let counter = ctx.key("counter");
    ctx.block_on(async {
        let tasks: Vec<_> = (0..THREADS)
            .map(|_| {
                let (client, counter) = (ctx.client.clone(), counter.clone());
                tokio::spawn(async move {
                    for _ in 0..ROUNDS {
                        locked_bump_async(client.clone(), counter.clone())
                            .await
                            .unwrap();
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        let d: future::RedisDict<String, i64> = future::RedisDict::new(&ctx.client, &counter);
        assert_eq!(d.get("n").await.unwrap(), Some((THREADS * ROUNDS) as i64));
    });
    assert!(!exists(&ctx.client, "redlock:test:synchronize:tasks"));
}

#[synchronize(key = "test:synchronize:aio-key", masters = client, auto_release_time_ms = 2000)]
async fn inside_async(client: &Client) -> pottery::Result<Option<String>> {
    tokio::time::sleep(MS).await;
    Ok(get(client, "redlock:test:synchronize:aio-key"))
}

#[synchronize(key = "test:synchronize:aio-busy", masters = client, blocking = false)]
async fn aio_busy_once(client: &Client) -> pottery::Result<()> {
    Ok(())
}

#[synchronize(key = "test:synchronize:aio-busy", masters = client, timeout_ms = 300)]
async fn aio_busy_timeout(client: &Client) -> pottery::Result<()> {
    Ok(())
}

#[synchronize(key = "test:synchronize:aio-busy", masters = client)]
async fn aio_waits(client: &Client) -> pottery::Result<Instant> {
    Ok(Instant::now())
}

fn test_async_fn_key_contention_and_waiting(ctx: &Ctx) {
    ctx.block_on(async {
        let token = inside_async(&ctx.client).await.unwrap().expect("held");
        assert_eq!(token.len(), 36);
        assert!(!exists(&ctx.client, "redlock:test:synchronize:aio-key"));

        let lock = future::Redlock::new(&ctx.client, "test:synchronize:aio-busy");
        let held = lock.acquire().await.unwrap();
        let start = Instant::now();
        assert!(
            aio_busy_once(&ctx.client).await.unwrap_err().kind()
                == pottery::ErrorKind::QuorumNotAchieved
        );
        assert!(start.elapsed() < 150 * MS);
        let start = Instant::now();
        assert!(
            aio_busy_timeout(&ctx.client).await.unwrap_err().kind()
                == pottery::ErrorKind::QuorumNotAchieved
        );
        let waited = start.elapsed();
        assert!(waited >= 300 * MS && waited < 1000 * MS, "{waited:?}");

        let start = Instant::now();
        let release = tokio::spawn(async move {
            tokio::time::sleep(300 * MS).await;
            held.release().await.unwrap();
            Instant::now()
        });
        let ran = aio_waits(&ctx.client).await.unwrap();
        let released = release.await.unwrap();
        assert!(ran >= released && released - start >= 300 * MS);
    });
}

#[synchronize(key = "test:synchronize:aio-outlived", masters = client, auto_release_time_ms = 100)]
async fn aio_outlives_hold(client: &Client) -> pottery::Result<()> {
    tokio::time::sleep(300 * MS).await;
    Ok(())
}

#[synchronize(lock = lock)]
async fn aio_parse(lock: &future::Redlock, text: &str) -> Result<i64, AppError> {
    if text.is_empty() {
        return Ok(0);
    }
    Ok(text.parse::<i64>()? + 1)
}

fn test_async_fn_errors_and_lock_argument(ctx: &Ctx) {
    ctx.block_on(async {
        let err = aio_outlives_hold(&ctx.client).await.unwrap_err();
        assert_eq!(err.kind(), pottery::ErrorKind::ReleaseUnlockedLock, "{err}");

        let lock = future::Redlock::builder(&ctx.key("parse"))
            .master(ctx.client.clone())
            .run_blocking(false)
            .build()
            .unwrap();
        assert_eq!(aio_parse(&lock, "41").await.unwrap(), 42);
        assert_eq!(aio_parse(&lock, "").await.unwrap(), 0);
        assert!(matches!(
            aio_parse(&lock, "x").await,
            Err(AppError::Parse(_))
        ));
        let held = lock.acquire().await.unwrap();
        assert!(matches!(aio_parse(&lock, "1").await, Err(AppError::Busy)));
        held.release().await.unwrap();
        assert!(!exists(&ctx.client, lock.key()));
    });
}

// ---- Synchronized ----

fn test_synchronized_from_8_threads_keeps_exact_count(ctx: &Ctx) {
    let counter = ctx.key("counter");
    let lock = Redlock::new(&ctx.client, &ctx.key("wrapped"));
    let locked = Synchronized::new(lock, |client: &Client, counter: &str| bump(client, counter));
    assert_eq!(
        locked.lock().key(),
        format!("redlock:{}", ctx.key("wrapped"))
    );
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                for _ in 0..ROUNDS {
                    locked
                        .call((&ctx.client, counter.as_str()))
                        .unwrap()
                        .unwrap();
                }
            });
        }
    });
    assert_eq!(count(&ctx.client, &counter), THREADS * ROUNDS);
    assert!(!exists(&ctx.client, locked.lock().key()));
}

fn test_synchronized_from_8_tasks_keeps_exact_count(ctx: &Ctx) {
    let counter = ctx.key("counter");
    ctx.block_on(async {
        let lock = future::Redlock::new(&ctx.client, &ctx.key("wrapped"));
        let locked = Arc::new(Synchronized::new(
            lock,
            |client: Client, counter: String| async move {
                let d: future::RedisDict<String, i64> = future::RedisDict::new(&client, &counter);
                let now = d.get("n").await?.unwrap_or(0);
                tokio::time::sleep(MS).await;
                d.insert("n", now + 1).await?;
                Ok::<(), pottery::Error>(())
            },
        ));
        let tasks: Vec<_> = (0..THREADS)
            .map(|_| {
                let (locked, client, counter) =
                    (Arc::clone(&locked), ctx.client.clone(), counter.clone());
                tokio::spawn(async move {
                    for _ in 0..ROUNDS {
                        locked
                            .call((client.clone(), counter.clone()))
                            .await
                            .unwrap()
                            .unwrap();
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        let d: future::RedisDict<String, i64> = future::RedisDict::new(&ctx.client, &counter);
        assert_eq!(d.get("n").await.unwrap(), Some((THREADS * ROUNDS) as i64));
        assert!(!exists(&ctx.client, locked.lock().key()));
    });
}

fn test_synchronized_follows_the_lock_settings(ctx: &Ctx) {
    let name = ctx.key("wrapped");
    let lock = Redlock::builder(&name)
        .master(ctx.client.clone())
        .run_timeout(200 * MS)
        .build()
        .unwrap();
    let calls = AtomicUsize::new(0);
    let locked = Synchronized::new(lock.clone(), || calls.fetch_add(1, Ordering::SeqCst));
    assert_eq!(locked.call(()).unwrap(), 0);
    let held = lock.acquire().unwrap();
    let start = Instant::now();
    assert_eq!(
        locked.call(()).unwrap_err().kind(),
        pottery::ErrorKind::QuorumNotAchieved
    );
    assert!(start.elapsed() >= 200 * MS);
    drop(held);
    assert_eq!(locked.call(()).unwrap(), 1);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    let (lock, f) = locked.into_parts();
    assert_eq!(lock.run(f).unwrap(), 2);
}

// ---- over independent masters ----

#[synchronize(key = "test:synchronize:masters", masters = masters)]
fn on_masters(masters: &[Client]) -> pottery::Result<usize> {
    Ok(masters
        .iter()
        .filter(|m| exists(m, "redlock:test:synchronize:masters"))
        .count())
}

/// The lock is held on a quorum of 3 independent masters during each call (the
/// third master's answer is not awaited once 2 said yes), and free after it.
fn test_three_masters(ctx: &Ctx) {
    let _ = ctx;
    let servers = Masters::start(3);
    let clients: Vec<Client> = servers
        .urls()
        .iter()
        .map(|u| Client::open(u).unwrap())
        .collect();
    for _ in 0..3 {
        let holding = on_masters(&clients).unwrap();
        assert!(holding >= 2, "{holding}");
    }
    let busy = Redlock::builder("test:synchronize:masters")
        .masters(clients.clone())
        .run_blocking(false)
        .build()
        .unwrap();
    busy.run(|| ()).unwrap();
}

// ---- interop with Python pottery ----

const PY_SYNCHRONIZE: &str = r#"
import os, sys
from redis import Redis
from pottery import synchronize, QuorumNotAchieved
r = Redis.from_url(os.environ['REDIS_URL'])
key = sys.stdin.read().strip()

@synchronize(key=key, masters={r}, blocking=False)
def func():
    return r.get('redlock:' + key) is not None

try:
    print('ran', func())
except QuorumNotAchieved:
    print('busy')
"#;

#[synchronize(key = "test:synchronize:python", masters = client)]
fn rust_holds(client: &Client, url: &str) -> pottery::Result<String> {
    Ok(python(PY_SYNCHRONIZE, url, "test:synchronize:python")
        .trim()
        .to_owned())
}

#[synchronize(key = "test:synchronize:python", masters = client, blocking = false)]
fn rust_once(client: &Client) -> pottery::Result<()> {
    Ok(())
}

/// Python's `@synchronize` and ours exclude each other on the same key.
fn test_python_synchronize_interop(ctx: &Ctx) {
    let url = ctx.url();
    assert_eq!(rust_holds(&ctx.client, &url).unwrap(), "busy");
    assert_eq!(
        python(PY_SYNCHRONIZE, &url, "test:synchronize:python").trim(),
        "ran True"
    );
    // A Python process holds it (and exits without releasing): we are busy.
    let hold = r#"
import os
from redis import Redis
from pottery import Redlock
r = Redis.from_url(os.environ['REDIS_URL'])
print(Redlock(key='test:synchronize:python', masters={r}, auto_release_time=1).acquire())
"#;
    assert_eq!(python(hold, &url, "").trim(), "True");
    assert_eq!(
        rust_once(&ctx.client).unwrap_err().kind(),
        pottery::ErrorKind::QuorumNotAchieved
    );
}

pub(crate) fn suite() -> support::Suite {
    let everywhere = cases![
        test_synchronize,
        test_synchronize_fails,
        test_blocking_fn_from_8_threads_keeps_exact_count,
        test_unsynchronized_loses_updates,
        test_lock_key_is_redlock_prefixed,
        test_nonblocking_call_fails_at_once_while_held,
        test_call_with_timeout_fails_after_timeout_while_held,
        test_blocking_call_waits_for_holder,
        test_blocking_call_waits_for_expiry,
        test_body_outliving_its_hold_fails,
        test_panic_releases_the_lock,
        test_body_errors_early_returns_and_custom_error,
        test_masters_errors_are_returned,
        test_methods_generics_and_lock_argument,
        test_async_fn_from_8_tasks_keeps_exact_count,
        test_async_fn_key_contention_and_waiting,
        test_async_fn_errors_and_lock_argument,
        test_synchronized_from_8_threads_keeps_exact_count,
        test_synchronized_from_8_tasks_keeps_exact_count,
        test_synchronized_follows_the_lock_settings,
    ];
    let server_only = cases![test_three_masters, test_python_synchronize_interop];
    support::Suite::new(
        "synchronize",
        vec![
            (&[Target::Server, Target::Cluster], everywhere),
            (&[Target::Server], server_only),
        ],
    )
}
