//! Redlock, blocking and async, on one server and on a 3-master cluster (each as
//! the lock's one master), and over 5 independent masters for faults.
//!
//! The first groups port every case of Python pottery 3.0.1's
//! `tests/test_redlock.py` (blocking, named after it) and `tests/test_aioredlock.py`
//! (async, `test_aio_<name>`); the rest covers faults over 5 masters the test
//! starts (killed, frozen, restarted), mutual exclusion (threads, tasks, other
//! Rust processes and a Python process) and interop with Python pottery.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use crate::support;

use std::thread::sleep;
use std::time::{Duration, Instant};

use pottery::{Client, future, sync::Redlock};
use pottery_testkit::{Masters, Server, python};
use support::{Ctx, Target};

const MS: Duration = Duration::from_millis(1);

/// pottery's fixture: `Redlock(masters={redis}, key='printer', auto_release_time=.2)`.
fn redlock(ctx: &Ctx) -> Redlock {
    lock_on(ctx, "printer", 200)
}

fn lock_on(ctx: &Ctx, name: &str, auto_release_ms: u64) -> Redlock {
    Redlock::builder(&ctx.key(name))
        .master(ctx.client.clone())
        .auto_release_time(Duration::from_millis(auto_release_ms))
        .build()
        .unwrap()
}

fn aio_lock(ctx: &Ctx, name: &str, auto_release_ms: u64) -> future::Redlock {
    future::Redlock::builder(&ctx.key(name))
        .master(ctx.client.clone())
        .auto_release_time(Duration::from_millis(auto_release_ms))
        .build()
        .unwrap()
}

fn exists(client: &Client, key: &str) -> bool {
    client
        .with_connection(|con| redis::cmd("EXISTS").arg(key).query::<i64>(con))
        .unwrap()
        == 1
}

fn get(client: &Client, key: &str) -> Option<String> {
    client
        .with_connection(|con| redis::cmd("GET").arg(key).query(con))
        .unwrap()
}

/// A client that gives up quickly on a dead or frozen server.
fn quick_client(url: &str) -> Client {
    Client::builder(url)
        .connect_timeout(Duration::from_millis(500))
        .response_timeout(Duration::from_secs(1))
        .build()
        .unwrap()
}

// ---- pottery 3.0.1 tests/test_redlock.py ----

fn test_acquire_fails_within_auto_release_time(ctx: &Ctx) {
    let lock = lock_on(ctx, "printer", 1);
    assert!(lock.try_acquire().unwrap().is_none());
    assert!(!exists(&ctx.client, lock.key()));
}

fn test_acquire_and_time_out(ctx: &Ctx) {
    let lock = redlock(ctx);
    assert!(!exists(&ctx.client, lock.key()));
    let guard = lock.acquire().unwrap();
    assert!(exists(&ctx.client, lock.key()));
    sleep(400 * MS);
    assert!(!exists(&ctx.client, lock.key()));
    assert_eq!(
        guard.release().unwrap_err().kind(),
        pottery::ErrorKind::ReleaseUnlockedLock
    );
}

fn test_acquire_same_lock_twice_blocking_without_timeout(ctx: &Ctx) {
    let lock = redlock(ctx);
    let start = Instant::now();
    let first = lock.acquire().unwrap();
    assert!(exists(&ctx.client, lock.key()));
    let second = lock.acquire().unwrap();
    assert!(exists(&ctx.client, lock.key()));
    assert!(start.elapsed() >= 200 * MS, "{:?}", start.elapsed());
    // The first hold expired: releasing it must not remove the second one.
    drop(first);
    assert!(exists(&ctx.client, lock.key()));
    assert_eq!(get(&ctx.client, lock.key()).unwrap(), second.token());
    second.release().unwrap();
}

fn test_acquire_same_lock_twice_non_blocking_without_timeout(ctx: &Ctx) {
    let lock = redlock(ctx);
    let _guard = lock.acquire().unwrap();
    assert!(exists(&ctx.client, lock.key()));
    assert!(lock.try_acquire().unwrap().is_none());
    assert!(exists(&ctx.client, lock.key()));
    sleep(400 * MS);
    assert!(!exists(&ctx.client, lock.key()));
}

/// Python rejects `acquire(blocking=False, timeout=0)` with ValueError; here the
/// two are different methods, and a zero timeout means exactly one attempt.
fn test_acquire_same_lock_twice_non_blocking_with_timeout(ctx: &Ctx) {
    let lock = redlock(ctx);
    let _guard = lock.acquire().unwrap();
    let start = Instant::now();
    assert!(lock.acquire_timeout(Duration::ZERO).unwrap().is_none());
    assert!(start.elapsed() < 100 * MS);
    assert!(exists(&ctx.client, lock.key()));
}

fn test_acquired(ctx: &Ctx) {
    let lock = redlock(ctx);
    assert!(!exists(&ctx.client, lock.key()));
    let guard = lock.acquire().unwrap();
    assert!(exists(&ctx.client, lock.key()));
    let left = guard.locked().unwrap();
    assert!(left > Duration::ZERO && left < 200 * MS, "{left:?}");
    sleep(400 * MS);
    assert!(!exists(&ctx.client, lock.key()));
    assert_eq!(guard.locked().unwrap(), Duration::ZERO);
}

fn test_extend(ctx: &Ctx) {
    let lock = redlock(ctx);
    let mut expired = lock.acquire().unwrap();
    sleep(400 * MS);
    assert_eq!(
        expired.extend().unwrap_err().kind(),
        pottery::ErrorKind::ExtendUnlockedLock
    );
    let mut guard = lock.acquire().unwrap();
    for _ in 0..pottery::DEFAULT_NUM_EXTENSIONS {
        guard.extend().unwrap();
    }
    assert_eq!(
        guard.extend().unwrap_err().kind(),
        pottery::ErrorKind::TooManyExtensions
    );
}

fn test_acquire_then_release(ctx: &Ctx) {
    let lock = redlock(ctx);
    let guard = lock.acquire().unwrap();
    assert!(exists(&ctx.client, lock.key()));
    guard.release().unwrap();
    assert!(!exists(&ctx.client, lock.key()));
}

fn test_release_unlocked_lock(ctx: &Ctx) {
    let guard = redlock(ctx).acquire().unwrap();
    sleep(400 * MS);
    assert_eq!(
        guard.release().unwrap_err().kind(),
        pottery::ErrorKind::ReleaseUnlockedLock
    );
}

fn test_releaseunlockedlock_repr(ctx: &Ctx) {
    let lock = redlock(ctx);
    let guard = lock.acquire().unwrap();
    sleep(400 * MS);
    let err = guard.release().unwrap_err();
    assert_eq!(err.kind(), pottery::ErrorKind::ReleaseUnlockedLock);
    assert_eq!(err.key(), Some(lock.key()));
    assert!(
        err.to_string()
            .starts_with(&format!("release unlocked lock at key `{}`", lock.key()))
    );
    assert!(format!("{err:?}").contains("ReleaseUnlockedLock"));
}

/// Releasing twice does not compile (`release` takes the guard); a second hold
/// taken after the release is independent.
fn test_release_same_lock_twice(ctx: &Ctx) {
    let lock = redlock(ctx);
    lock.acquire().unwrap().release().unwrap();
    assert!(!exists(&ctx.client, lock.key()));
    let again = lock.try_acquire().unwrap().unwrap();
    sleep(400 * MS);
    assert_eq!(
        again.release().unwrap_err().kind(),
        pottery::ErrorKind::ReleaseUnlockedLock
    );
}

fn test_context_manager(ctx: &Ctx) {
    let lock = redlock(ctx);
    let inside = lock.run(|| exists(&ctx.client, lock.key())).unwrap();
    assert!(inside);
    assert!(!exists(&ctx.client, lock.key()));
}

fn test_context_manager_time_out_before_exit(ctx: &Ctx) {
    let lock = redlock(ctx);
    let err = lock
        .run(|| {
            assert!(exists(&ctx.client, lock.key()));
            sleep(400 * MS);
            assert!(!exists(&ctx.client, lock.key()));
        })
        .unwrap_err();
    assert_eq!(err.kind(), pottery::ErrorKind::ReleaseUnlockedLock);
    assert!(!exists(&ctx.client, lock.key()));
}

fn test_context_manager_acquired(ctx: &Ctx) {
    let lock = redlock(ctx);
    {
        let guard = lock.acquire().unwrap();
        assert!(exists(&ctx.client, lock.key()));
        assert!(guard.locked().unwrap() > Duration::ZERO);
    }
    assert!(!exists(&ctx.client, lock.key()));
}

fn test_context_manager_acquired_time_out_before_exit(ctx: &Ctx) {
    let lock = redlock(ctx);
    let guard = lock.acquire().unwrap();
    assert!(guard.locked().unwrap() > Duration::ZERO);
    sleep(400 * MS);
    assert!(!exists(&ctx.client, lock.key()));
    assert_eq!(guard.locked().unwrap(), Duration::ZERO);
    assert_eq!(
        guard.release().unwrap_err().kind(),
        pottery::ErrorKind::ReleaseUnlockedLock
    );
}

/// Python raises ReleaseUnlockedLock at the end of the `with` after an explicit
/// release; a released guard is consumed, so its drop has nothing to do.
fn test_context_manager_release_before_exit(ctx: &Ctx) {
    let lock = redlock(ctx);
    let guard = lock.acquire().unwrap();
    assert!(exists(&ctx.client, lock.key()));
    guard.release().unwrap();
    assert!(!exists(&ctx.client, lock.key()));
}

fn test_invalid_context_manager_params(ctx: &Ctx) {
    let err = Redlock::builder(&ctx.key("printer"))
        .master(ctx.client.clone())
        .run_blocking(false)
        .run_timeout(200 * MS)
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), pottery::ErrorKind::Config);
}

fn test_default_context_manager_params(ctx: &Ctx) {
    let (lock, lock2) = (redlock(ctx), redlock(ctx));
    let first = lock.acquire().unwrap();
    assert!(first.locked().unwrap() > Duration::ZERO);
    let second = lock2.acquire().unwrap(); // waits until the first hold expires
    assert_eq!(first.locked().unwrap(), Duration::ZERO);
    assert!(second.locked().unwrap() > Duration::ZERO);
}

fn test_overridden_context_manager_params(ctx: &Ctx) {
    let lock = redlock(ctx);
    let lock2 = Redlock::builder(&ctx.key("printer"))
        .master(ctx.client.clone())
        .auto_release_time(200 * MS)
        .run_blocking(false)
        .build()
        .unwrap();
    let _held = lock.acquire().unwrap();
    let err = lock2.run(|| unreachable!()).unwrap_err();
    assert_eq!(err.kind(), pottery::ErrorKind::QuorumNotAchieved);
}

fn test_repr(ctx: &Ctx) {
    let lock = redlock(ctx);
    let shown = format!("{lock:?}");
    assert!(shown.starts_with("Redlock {"), "{shown}");
    assert!(shown.contains(&format!("\"redlock:{}\"", ctx.key("printer"))));
    assert_eq!(lock.key(), format!("redlock:{}", ctx.key("printer")));
}

/// Python checks `__slots__`; the Rust analogue: a lock handle is one pointer.
fn test_slots(ctx: &Ctx) {
    let _ = redlock(ctx);
    assert_eq!(size_of::<Redlock>(), size_of::<usize>());
    assert_eq!(size_of::<future::Redlock>(), size_of::<usize>());
}

/// A master that fails, with `raise_on_redis_errors(false)` (pottery's default).
fn dead_master_lock(raise: bool) -> (Server, Redlock) {
    let mut server = Server::start();
    let lock = Redlock::builder("printer")
        .master(quick_client(&server.url()))
        .auto_release_time(200 * MS)
        .raise_on_redis_errors(raise)
        .build()
        .unwrap();
    server.stop();
    (server, lock)
}

fn test_acquire_rediserror(_: &Ctx) {
    let (_server, lock) = dead_master_lock(false);
    assert!(lock.try_acquire().unwrap().is_none());
}

fn test_acquire_quorumisimpossible(_: &Ctx) {
    let (_server, lock) = dead_master_lock(true);
    let err = lock.acquire().unwrap_err();
    assert!(
        err.kind() == pottery::ErrorKind::QuorumIsImpossible,
        "{err}"
    );
    assert!(
        std::error::Error::source(&err).is_some(),
        "carries the cause"
    );
}

/// Acquired on a live master that then dies.
fn lock_then_kill(raise: bool) -> (Server, pottery::RedlockGuard) {
    let mut server = Server::start();
    let lock = Redlock::builder("printer")
        .master(quick_client(&server.url()))
        .auto_release_time(Duration::from_secs(10))
        .raise_on_redis_errors(raise)
        .build()
        .unwrap();
    let guard = lock.acquire().unwrap();
    server.stop();
    (server, guard)
}

fn test_locked_rediserror(_: &Ctx) {
    let (_server, guard) = lock_then_kill(false);
    assert_eq!(guard.locked().unwrap(), Duration::ZERO);
}

fn test_locked_quorumisimpossible(_: &Ctx) {
    let (_server, guard) = lock_then_kill(true);
    assert_eq!(
        guard.locked().unwrap_err().kind(),
        pottery::ErrorKind::QuorumIsImpossible
    );
}

fn test_extend_rediserror(_: &Ctx) {
    let (_server, mut guard) = lock_then_kill(false);
    assert_eq!(
        guard.extend().unwrap_err().kind(),
        pottery::ErrorKind::ExtendUnlockedLock
    );
}

fn test_extend_quorumisimpossible(_: &Ctx) {
    let (_server, mut guard) = lock_then_kill(true);
    assert_eq!(
        guard.extend().unwrap_err().kind(),
        pottery::ErrorKind::QuorumIsImpossible
    );
}

fn test_release_rediserror(_: &Ctx) {
    let (_server, guard) = lock_then_kill(false);
    assert_eq!(
        guard.release().unwrap_err().kind(),
        pottery::ErrorKind::ReleaseUnlockedLock
    );
}

fn test_release_quorumisimpossible(_: &Ctx) {
    let (_server, guard) = lock_then_kill(true);
    assert_eq!(
        guard.release().unwrap_err().kind(),
        pottery::ErrorKind::QuorumIsImpossible
    );
}

/// Five masters: databases 1 to 5 of the test server, as pottery's test uses.
fn five_dbs(ctx: &Ctx) -> Vec<Client> {
    let base = ctx.url();
    let base = base.strip_suffix("/0").unwrap();
    (1..=5)
        .map(|db| Client::open(&format!("{base}/{db}")).unwrap())
        .collect()
}

fn test_contention(ctx: &Ctx) {
    let masters = five_dbs(ctx);
    for num_locks in 1..=10 {
        let name = ctx.key(&format!("printer{num_locks}"));
        let locks: Vec<Redlock> = (0..num_locks)
            .map(|_| {
                Redlock::builder(&name)
                    .masters(masters.iter().cloned())
                    .auto_release_time(200 * MS)
                    .build()
                    .unwrap()
            })
            .collect();
        let guards: Vec<_> = std::thread::scope(|s| {
            let tries: Vec<_> = locks
                .iter()
                .map(|lock| s.spawn(move || lock.try_acquire().unwrap()))
                .collect();
            tries.into_iter().map(|t| t.join().unwrap()).collect()
        });
        let num_locked = guards.iter().filter(|g| g.is_some()).count();
        assert!(num_locked <= 1, "{num_locks} locks, {num_locked} locked");
        assert!(num_locks - 1 <= num_locks - num_locked);
    }
}

// pottery's TestSynchronize, with `run` (the `synchronize` macro comes later).

fn test_synchronize(ctx: &Ctx) {
    let lock = redlock(ctx);
    let mut times: Vec<Instant> = std::thread::scope(|s| {
        let runs: Vec<_> = (0..3)
            .map(|_| {
                let lock = lock.clone();
                s.spawn(move || {
                    lock.run(|| {
                        sleep(100 * MS);
                        Instant::now()
                    })
                    .unwrap()
                })
            })
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    times.sort();
    for pair in times.windows(2) {
        assert!(pair[1] - pair[0] > 100 * MS, "{:?}", pair[1] - pair[0]);
    }
}

fn test_synchronize_fails(ctx: &Ctx) {
    let lock = Redlock::builder(&ctx.key("synchronized-func"))
        .master(ctx.client.clone())
        .auto_release_time(MS)
        .run_blocking(false)
        .build()
        .unwrap();
    let err = lock.run(|| unreachable!()).unwrap_err();
    assert_eq!(err.kind(), pottery::ErrorKind::QuorumNotAchieved);
}

// ---- pottery 3.0.1 tests/test_aioredlock.py ----

fn test_aio_locked_acquire_and_release(ctx: &Ctx) {
    ctx.block_on(async {
        let lock = aio_lock(ctx, "shower", 10_000);
        let guard = lock.acquire().await.unwrap();
        assert!(guard.locked().await.unwrap() > Duration::from_secs(9));
        guard.release().await.unwrap();
        assert!(!exists(&ctx.client, lock.key()));
        assert!(lock.try_acquire().await.unwrap().is_some());
    });
}

fn test_aio_extend(ctx: &Ctx) {
    ctx.block_on(async {
        let lock = aio_lock(ctx, "shower", 200);
        let mut expired = lock.acquire().await.unwrap();
        tokio::time::sleep(400 * MS).await;
        assert!(
            expired.extend().await.unwrap_err().kind() == pottery::ErrorKind::ExtendUnlockedLock
        );
        let mut guard = lock.acquire().await.unwrap();
        for _ in 0..pottery::DEFAULT_NUM_EXTENSIONS {
            guard.extend().await.unwrap();
        }
        assert_eq!(
            guard.extend().await.unwrap_err().kind(),
            pottery::ErrorKind::TooManyExtensions
        );
        guard.release().await.unwrap();
    });
}

fn test_aio_context_manager(ctx: &Ctx) {
    ctx.block_on(async {
        let lock = aio_lock(ctx, "shower", 10_000);
        let inside = lock
            .run(|| async { exists(&ctx.client, lock.key()) })
            .await
            .unwrap();
        assert!(inside);
        assert!(!exists(&ctx.client, lock.key()));
    });
}

fn test_aio_context_manager_extend(ctx: &Ctx) {
    ctx.block_on(async {
        let lock = aio_lock(ctx, "shower", 10_000);
        let mut guard = lock.acquire().await.unwrap();
        for _ in 0..3 {
            guard.extend().await.unwrap();
        }
        assert_eq!(
            guard.extend().await.unwrap_err().kind(),
            pottery::ErrorKind::TooManyExtensions
        );
        guard.release().await.unwrap();
        assert!(!exists(&ctx.client, lock.key()));
    });
}

fn test_aio_acquire_fails_within_auto_release_time(ctx: &Ctx) {
    ctx.block_on(async {
        let lock = aio_lock(ctx, "shower", 1);
        assert!(lock.try_acquire().await.unwrap().is_none());
    });
}

fn test_aio_context_manager_fails_within_auto_release_time(ctx: &Ctx) {
    ctx.block_on(async {
        let lock = future::Redlock::builder(&ctx.key("shower"))
            .master(ctx.client.clone())
            .auto_release_time(MS)
            .run_blocking(false)
            .build()
            .unwrap();
        let err = lock.run(|| async {}).await.unwrap_err();
        assert_eq!(err.kind(), pottery::ErrorKind::QuorumNotAchieved);
    });
}

fn test_aio_acquire_and_time_out(ctx: &Ctx) {
    ctx.block_on(async {
        let lock = aio_lock(ctx, "shower", 300);
        let guard = lock.acquire().await.unwrap();
        assert!(guard.locked().await.unwrap() > Duration::ZERO);
        tokio::time::sleep(300 * MS).await;
        assert_eq!(guard.locked().await.unwrap(), Duration::ZERO);
    });
}

fn test_aio_context_manager_time_out_before_exit(ctx: &Ctx) {
    ctx.block_on(async {
        let lock = aio_lock(ctx, "shower", 200);
        let err = lock.run(|| tokio::time::sleep(400 * MS)).await.unwrap_err();
        assert_eq!(err.kind(), pottery::ErrorKind::ReleaseUnlockedLock);
    });
}

fn test_aio_context_manager_release_before_exit(ctx: &Ctx) {
    ctx.block_on(async {
        let lock = aio_lock(ctx, "shower", 10_000);
        let guard = lock.acquire().await.unwrap();
        guard.release().await.unwrap();
        assert!(!exists(&ctx.client, lock.key()));
    });
}

fn test_aio_context_manager_nonblocking_with_timeout(ctx: &Ctx) {
    let err = future::Redlock::builder(&ctx.key("shower"))
        .master(ctx.client.clone())
        .run_blocking(false)
        .run_timeout(100 * MS)
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), pottery::ErrorKind::Config);
}

fn test_aio_acquire_nonblocking_with_timeout(ctx: &Ctx) {
    ctx.block_on(async {
        let lock = aio_lock(ctx, "shower", 10_000);
        let held = lock.acquire().await.unwrap();
        let start = Instant::now();
        assert!(
            lock.acquire_timeout(Duration::ZERO)
                .await
                .unwrap()
                .is_none()
        );
        assert!(start.elapsed() < 100 * MS);
        held.release().await.unwrap();
    });
}

fn test_aio_acquire_rediserror(_: &Ctx) {
    let mut server = Server::start();
    let lock = future::Redlock::builder("shower")
        .master(quick_client(&server.url()))
        .raise_on_redis_errors(false)
        .build()
        .unwrap();
    server.stop();
    rt().block_on(async {
        assert!(lock.try_acquire().await.unwrap().is_none());
    });
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// An async hold on a master that then dies.
fn aio_lock_then_kill(
    raise: bool,
) -> (
    Server,
    tokio::runtime::Runtime,
    pottery::future::RedlockGuard,
) {
    let mut server = Server::start();
    let lock = future::Redlock::builder("shower")
        .master(quick_client(&server.url()))
        .raise_on_redis_errors(raise)
        .build()
        .unwrap();
    let rt = rt();
    let guard = rt.block_on(lock.acquire()).unwrap();
    server.stop();
    (server, rt, guard)
}

fn test_aio_locked_rediserror(_: &Ctx) {
    let (_server, rt, guard) = aio_lock_then_kill(false);
    assert_eq!(rt.block_on(guard.locked()).unwrap(), Duration::ZERO);
    let (_server, rt, guard) = aio_lock_then_kill(true);
    assert!(
        rt.block_on(guard.locked()).unwrap_err().kind() == pottery::ErrorKind::QuorumIsImpossible
    );
}

fn test_aio_extend_rediserror(_: &Ctx) {
    let (_server, rt, mut guard) = aio_lock_then_kill(false);
    assert!(
        rt.block_on(guard.extend()).unwrap_err().kind() == pottery::ErrorKind::ExtendUnlockedLock
    );
}

fn test_aio_release_rediserror(_: &Ctx) {
    let (_server, rt, guard) = aio_lock_then_kill(false);
    assert!(
        rt.block_on(guard.release()).unwrap_err().kind() == pottery::ErrorKind::ReleaseUnlockedLock
    );
}

fn test_aio_enqueued(ctx: &Ctx) {
    ctx.block_on(async {
        let (lock, lock2) = (aio_lock(ctx, "shower", 200), aio_lock(ctx, "shower", 200));
        let _first = lock.acquire().await.unwrap();
        // lock2 waits until the first hold expires:
        let start = Instant::now();
        let second = lock2.acquire().await.unwrap();
        assert!(start.elapsed() >= 100 * MS);
        second.release().await.unwrap();
        let _third = lock.acquire().await.unwrap();
        // lock2 waits until its timeout:
        assert!(lock2.acquire_timeout(100 * MS).await.unwrap().is_none());
    });
}

fn test_aio_contention(ctx: &Ctx) {
    let masters = five_dbs(ctx);
    ctx.block_on(async {
        for num_locks in 1..=10 {
            let name = ctx.key(&format!("shower{num_locks}"));
            let locks: Vec<future::Redlock> = (0..num_locks)
                .map(|_| {
                    future::Redlock::builder(&name)
                        .masters(masters.iter().cloned())
                        .auto_release_time(200 * MS)
                        .build()
                        .unwrap()
                })
                .collect();
            let tasks: Vec<_> = locks
                .iter()
                .cloned()
                .map(|lock| tokio::spawn(async move { lock.try_acquire().await.unwrap() }))
                .collect();
            let mut guards = Vec::new();
            for task in tasks {
                guards.push(task.await.unwrap());
            }
            let num_locked = guards.iter().filter(|g| g.is_some()).count();
            assert!(num_locked <= 1, "{num_locks} locks, {num_locked} locked");
            for guard in guards.into_iter().flatten() {
                guard.release().await.unwrap();
            }
        }
    });
}

fn test_aio_slots(ctx: &Ctx) {
    let _ = aio_lock(ctx, "shower", 200);
    assert_eq!(size_of::<future::Redlock>(), size_of::<usize>());
}

fn test_aio_repr(ctx: &Ctx) {
    let lock = aio_lock(ctx, "shower", 200);
    assert!(format!("{lock:?}").contains(&format!("redlock:{}", ctx.key("shower"))));
}

// ---- beyond pottery ----

/// The wire format: `redlock:<name>` holds the token, a UUIDv4 string, with a
/// millisecond TTL of the auto-release time.
fn test_wire_format(ctx: &Ctx) {
    let lock = lock_on(ctx, "printer", 5_000);
    let guard = lock.acquire().unwrap();
    let value = get(&ctx.client, lock.key()).unwrap();
    assert_eq!(value, guard.token());
    let uuid = uuid::Uuid::parse_str(&value).unwrap();
    assert_eq!(uuid.get_version_num(), 4);
    assert_eq!(value, uuid.hyphenated().to_string());
    let pttl: i64 = ctx
        .client
        .with_connection(|con| redis::cmd("PTTL").arg(lock.key()).query(con))
        .unwrap();
    assert!(pttl > 4_900 && pttl <= 5_000, "{pttl}");
    // A fresh token every attempt.
    guard.release().unwrap();
    let again = lock.acquire().unwrap();
    assert_ne!(again.token(), value);
}

fn test_guard_drop_releases(ctx: &Ctx) {
    let lock = lock_on(ctx, "printer", 10_000);
    {
        let _guard = lock.acquire().unwrap();
        assert!(lock.try_acquire().unwrap().is_none());
    }
    assert!(!exists(&ctx.client, lock.key()));
    // A panic inside `run` releases too.
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        lock.run(|| panic!("inside")).unwrap();
    }));
    assert!(caught.is_err());
    assert!(!exists(&ctx.client, lock.key()));
}

fn test_aio_guard_drop_releases_in_background(ctx: &Ctx) {
    let lock = aio_lock(ctx, "shower", 10_000);
    ctx.block_on(async {
        let guard = lock.acquire().await.unwrap();
        drop(guard);
        let deadline = Instant::now() + Duration::from_secs(2);
        while exists(&ctx.client, lock.key()) {
            assert!(Instant::now() < deadline, "not released in the background");
            tokio::time::sleep(5 * MS).await;
        }
    });
    // Dropped outside any runtime: released at once, blocking.
    let guard = ctx.block_on(lock.acquire()).unwrap();
    drop(guard);
    assert!(!exists(&ctx.client, lock.key()));
}

fn test_unlimited_extensions(ctx: &Ctx) {
    let lock = Redlock::builder(&ctx.key("printer"))
        .master(ctx.client.clone())
        .auto_release_time(200 * MS)
        .num_extensions(None)
        .build()
        .unwrap();
    let mut guard = lock.acquire().unwrap();
    for _ in 0..6 {
        sleep(100 * MS);
        guard.extend().unwrap(); // kept alive past 3 auto-release times
    }
    assert!(guard.locked().unwrap() > 100 * MS);
    let limited = Redlock::builder(&ctx.key("other"))
        .master(ctx.client.clone())
        .num_extensions(Some(1))
        .build()
        .unwrap();
    let mut guard = limited.acquire().unwrap();
    guard.extend().unwrap();
    assert_eq!(
        guard.extend().unwrap_err().kind(),
        pottery::ErrorKind::TooManyExtensions
    );
}

fn test_builder_errors(ctx: &Ctx) {
    assert_eq!(
        Redlock::builder("x").build().unwrap_err().kind(),
        pottery::ErrorKind::Config
    );
    let err = Redlock::builder("x")
        .master(ctx.client.clone())
        .auto_release_time(Duration::from_micros(500))
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), pottery::ErrorKind::Config);
}

/// Another structure's key type at `redlock:<name>`: a wrong-type error, not a
/// silent failure.
fn test_wrong_type(ctx: &Ctx) {
    let lock = redlock(ctx);
    ctx.client
        .with_connection(|con| {
            redis::cmd("HSET")
                .arg(lock.key())
                .arg("f")
                .arg("v")
                .query::<i64>(con)
        })
        .unwrap();
    // SET NX on an existing key of any type just declines.
    assert!(lock.try_acquire().unwrap().is_none());
}

const ITERATIONS: usize = 200;

/// A non-atomic read-modify-write under the lock.
fn bump(client: &Client, counter: &str) {
    let now: i64 = client
        .with_connection(|con| redis::cmd("GET").arg(counter).query::<Option<i64>>(con))
        .unwrap()
        .unwrap_or(0);
    client
        .with_connection(|con| redis::cmd("SET").arg(counter).arg(now + 1).query::<()>(con))
        .unwrap();
}

fn count(client: &Client, counter: &str) -> i64 {
    get(client, counter).map_or(0, |v| v.parse().unwrap())
}

fn fast_lock(masters: Vec<Client>, name: &str) -> Redlock {
    Redlock::builder(name)
        .masters(masters)
        .retry_delay(5 * MS)
        .build()
        .unwrap()
}

fn test_mutual_exclusion_threads(ctx: &Ctx) {
    let lock = fast_lock(vec![ctx.client.clone()], &ctx.key("printer"));
    let counter = ctx.key("counter");
    std::thread::scope(|s| {
        for _ in 0..8 {
            let (lock, counter) = (lock.clone(), &counter);
            s.spawn(move || {
                for _ in 0..ITERATIONS {
                    lock.run(|| bump(&ctx.client, counter)).unwrap();
                }
            });
        }
    });
    assert_eq!(count(&ctx.client, &counter), 8 * ITERATIONS as i64);
}

fn test_aio_mutual_exclusion_tasks(ctx: &Ctx) {
    let lock = future::Redlock::builder(&ctx.key("shower"))
        .master(ctx.client.clone())
        .retry_delay(5 * MS)
        .build()
        .unwrap();
    let counter = ctx.key("counter");
    ctx.block_on(async {
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (lock, counter, client) = (lock.clone(), counter.clone(), ctx.client.clone());
                tokio::spawn(async move {
                    for _ in 0..50 {
                        let guard = lock.acquire().await.unwrap();
                        let mut con = client.async_connection().await.unwrap();
                        let now: Option<i64> = redis::cmd("GET")
                            .arg(&counter)
                            .query_async(&mut con)
                            .await
                            .unwrap();
                        tokio::task::yield_now().await;
                        let _: () = redis::cmd("SET")
                            .arg(&counter)
                            .arg(now.unwrap_or(0) + 1)
                            .query_async(&mut con)
                            .await
                            .unwrap();
                        guard.release().await.unwrap();
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
    });
    assert_eq!(count(&ctx.client, &counter), 8 * 50);
}

/// The environment variable that turns this test binary into a lock worker.
const WORKER_ENV: &str = "POTTERY_REDLOCK_WORKER";

/// A worker process: `ITERATIONS` locked bumps of the counter named in `spec`.
fn lock_worker(spec: &str) {
    let mut lines = spec.lines();
    let (url, name, counter) = (
        lines.next().unwrap(),
        lines.next().unwrap(),
        lines.next().unwrap(),
    );
    let client = Client::open(url).unwrap();
    let lock = fast_lock(vec![client.clone()], name);
    for _ in 0..ITERATIONS {
        lock.run(|| bump(&client, counter)).unwrap();
    }
    println!("{ITERATIONS}");
}

/// 2 Rust processes (this binary re-run as workers), a Python pottery process
/// and 8 threads here, each bumping a counter non-atomically under the lock.
fn test_mutual_exclusion_processes_and_python(ctx: &Ctx) {
    let name = ctx.key("printer");
    let counter = ctx.key("counter");
    let spec = format!("{}\n{name}\n{counter}", ctx.url());
    let exe = std::env::current_exe().unwrap();
    let workers: Vec<_> = (0..2)
        .map(|_| {
            std::process::Command::new(&exe)
                .env(WORKER_ENV, &spec)
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let script = r#"
import os, sys
from redis import Redis
from pottery import Redlock
Redlock._RETRY_DELAY = 0.005
r = Redis.from_url(os.environ['REDIS_URL'])
name, counter, n = sys.stdin.read().split('\n')[:3]
lock = Redlock(key=name, masters={r})
for _ in range(int(n)):
    with lock:
        now = int(r.get(counter) or 0)
        r.set(counter, now + 1)
print('done')
"#;
    let lock = fast_lock(vec![ctx.client.clone()], &name);
    std::thread::scope(|s| {
        let (url, stdin) = (ctx.url(), format!("{name}\n{counter}\n{ITERATIONS}\n"));
        s.spawn(move || assert_eq!(python(script, &url, &stdin).trim(), "done"));
        for _ in 0..8 {
            let (lock, counter) = (lock.clone(), &counter);
            s.spawn(move || {
                for _ in 0..ITERATIONS {
                    lock.run(|| bump(&ctx.client, counter)).unwrap();
                }
            });
        }
    });
    for worker in workers {
        let out = worker.wait_with_output().unwrap();
        assert!(out.status.success(), "worker failed: {out:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            ITERATIONS.to_string()
        );
    }
    // 8 threads + 2 worker processes + 1 Python process.
    assert_eq!(count(&ctx.client, &counter), 11 * ITERATIONS as i64);
}

// ---- faults, over 5 masters the test starts ----

fn five_masters() -> (Masters, Vec<Client>) {
    let masters = Masters::start(5);
    let clients = masters.urls().iter().map(|u| quick_client(u)).collect();
    (masters, clients)
}

fn five_lock(clients: &[Client]) -> Redlock {
    Redlock::builder("printer")
        .masters(clients.iter().cloned())
        .build()
        .unwrap()
}

fn holders(clients: &[Client], key: &str) -> usize {
    clients
        .iter()
        .filter(|c| {
            c.with_connection(|con| redis::cmd("EXISTS").arg(key).query::<i64>(con))
                .is_ok_and(|n| n == 1)
        })
        .count()
}

fn test_two_of_five_killed(_: &Ctx) {
    let (mut masters, clients) = five_masters();
    let lock = five_lock(&clients);
    masters.servers[0].stop();
    masters.servers[3].stop();
    let guard = lock.try_acquire().unwrap().expect("3 of 5 is a quorum");
    assert_eq!(holders(&clients, lock.key()), 3);
    assert!(guard.locked().unwrap() > Duration::from_secs(9));
    guard.release().unwrap();
    assert_eq!(holders(&clients, lock.key()), 0);
}

fn test_three_of_five_killed_is_prompt(_: &Ctx) {
    let (mut masters, clients) = five_masters();
    let lock = five_lock(&clients);
    for i in [0, 2, 4] {
        masters.servers[i].stop();
    }
    let start = Instant::now();
    let err = lock.acquire().unwrap_err();
    assert!(
        err.kind() == pottery::ErrorKind::QuorumIsImpossible,
        "{err}"
    );
    assert!(start.elapsed() < 300 * MS, "{:?}", start.elapsed());
    assert_eq!(holders(&clients, lock.key()), 0, "partial holds released");
    let async_lock: future::Redlock = future::Redlock::builder("printer")
        .masters(clients.iter().cloned())
        .build()
        .unwrap();
    let start = Instant::now();
    let err = rt().block_on(async_lock.acquire()).unwrap_err();
    assert!(
        err.kind() == pottery::ErrorKind::QuorumIsImpossible,
        "{err}"
    );
    assert!(start.elapsed() < 300 * MS, "{:?}", start.elapsed());
}

/// One master frozen (SIGSTOP): every operation stays within the request
/// timeout (100 ms) plus scheduling slack.
fn test_frozen_master_is_bounded(_: &Ctx) {
    let (masters, clients) = five_masters();
    let lock = five_lock(&clients);
    lock.acquire().unwrap().release().unwrap(); // connections open
    masters.servers[1].freeze();
    let bound = pottery::DEFAULT_REQUEST_TIMEOUT + 150 * MS;
    for _ in 0..3 {
        let start = Instant::now();
        let mut guard = lock.acquire().unwrap();
        assert!(
            start.elapsed() < bound,
            "acquire took {:?}",
            start.elapsed()
        );
        let start = Instant::now();
        assert!(guard.locked().unwrap() > Duration::from_secs(9));
        guard.extend().unwrap();
        guard.release().unwrap();
        assert!(
            start.elapsed() < 3 * bound,
            "locked+extend+release took {:?}",
            start.elapsed()
        );
    }
    let async_lock: future::Redlock = future::Redlock::builder("printer")
        .masters(clients.iter().cloned())
        .build()
        .unwrap();
    rt().block_on(async {
        for _ in 0..3 {
            let start = Instant::now();
            let guard = async_lock.acquire().await.unwrap();
            assert!(
                start.elapsed() < bound,
                "acquire took {:?}",
                start.elapsed()
            );
            guard.release().await.unwrap();
        }
    });
    // Three frozen: prompt QuorumIsImpossible, about one request timeout.
    masters.servers[2].freeze();
    masters.servers[3].freeze();
    let start = Instant::now();
    assert_eq!(
        lock.acquire().unwrap_err().kind(),
        pottery::ErrorKind::QuorumIsImpossible
    );
    assert!(start.elapsed() < 3 * bound, "{:?}", start.elapsed());
    for server in &masters.servers {
        server.thaw();
    }
}

fn test_restarted_master(_: &Ctx) {
    let (mut masters, clients) = five_masters();
    let lock = five_lock(&clients);
    lock.acquire().unwrap().release().unwrap();
    masters.servers[2].stop();
    masters.servers[4].stop();
    let guard = lock.acquire().unwrap();
    assert_eq!(holders(&clients, lock.key()), 3);
    guard.release().unwrap();
    masters.servers[2].restart();
    masters.servers[4].restart();
    // Without two of the original masters, the quorum needs both restarted ones.
    masters.servers[0].stop();
    masters.servers[1].stop();
    let guard = lock.acquire().unwrap();
    assert_eq!(
        holders(&clients, lock.key()),
        3,
        "restarted masters take part again"
    );
    guard.release().unwrap();
    assert_eq!(holders(&clients, lock.key()), 0);
    let async_lock: future::Redlock = future::Redlock::builder("printer")
        .masters(clients.iter().cloned())
        .build()
        .unwrap();
    rt().block_on(async {
        let guard = async_lock.acquire().await.unwrap();
        assert_eq!(holders(&clients, async_lock.key()), 3);
        guard.release().await.unwrap();
    });
}

// ---- interop with Python pottery (single server) ----

const PY_LOCK: &str = r#"
import os, sys
from redis import Redis
from pottery import Redlock
r = Redis.from_url(os.environ['REDIS_URL'])
name, action, *rest = sys.stdin.read().split('\n')
lock = Redlock(key=name, masters={r}, auto_release_time=10)
if action == 'acquire':
    print(lock.acquire(blocking=False), lock._uuid)
elif action == 'release':
    lock._uuid = rest[0]
    lock.release()
    print('released')
"#;

fn py(ctx: &Ctx, name: &str, action: &str, extra: &str) -> String {
    python(PY_LOCK, &ctx.url(), &format!("{name}\n{action}\n{extra}"))
        .trim()
        .to_owned()
}

fn test_python_holds_rust_waits(ctx: &Ctx) {
    let name = ctx.key("printer");
    let lock = Redlock::new(&ctx.client, &name);
    let out = py(ctx, &name, "acquire", "");
    let (ok, token) = out.split_once(' ').unwrap();
    assert_eq!(ok, "True");
    assert!(lock.try_acquire().unwrap().is_none());
    assert!(lock.acquire_timeout(300 * MS).unwrap().is_none());
    assert_eq!(py(ctx, &name, "release", token), "released");
    let _guard = lock
        .try_acquire()
        .unwrap()
        .expect("free once Python released");
}

fn test_rust_holds_python_waits(ctx: &Ctx) {
    let name = ctx.key("printer");
    let lock = Redlock::new(&ctx.client, &name);
    let guard = lock.acquire().unwrap();
    assert!(py(ctx, &name, "acquire", "").starts_with("False "));
    guard.release().unwrap();
    assert!(py(ctx, &name, "acquire", "").starts_with("True "));
}

fn test_release_never_removes_python_hold(ctx: &Ctx) {
    let name = ctx.key("printer");
    let lock = lock_on(ctx, "printer", 200);
    let ours = lock.acquire().unwrap();
    sleep(400 * MS); // our hold expired
    let out = py(ctx, &name, "acquire", "");
    let (ok, token) = out.split_once(' ').unwrap();
    assert_eq!(ok, "True");
    assert_eq!(
        ours.release().unwrap_err().kind(),
        pottery::ErrorKind::ReleaseUnlockedLock
    );
    assert_eq!(get(&ctx.client, lock.key()).as_deref(), Some(token));
    let mut ours = lock.acquire_timeout(Duration::ZERO).unwrap();
    assert!(ours.is_none());
    drop(ours.take());
    assert_eq!(get(&ctx.client, lock.key()).as_deref(), Some(token));
}

pub(crate) fn suite() -> support::Suite {
    let everywhere = cases![
        test_acquire_fails_within_auto_release_time,
        test_acquire_and_time_out,
        test_acquire_same_lock_twice_blocking_without_timeout,
        test_acquire_same_lock_twice_non_blocking_without_timeout,
        test_acquire_same_lock_twice_non_blocking_with_timeout,
        test_acquired,
        test_extend,
        test_acquire_then_release,
        test_release_unlocked_lock,
        test_releaseunlockedlock_repr,
        test_release_same_lock_twice,
        test_context_manager,
        test_context_manager_time_out_before_exit,
        test_context_manager_acquired,
        test_context_manager_acquired_time_out_before_exit,
        test_context_manager_release_before_exit,
        test_invalid_context_manager_params,
        test_default_context_manager_params,
        test_overridden_context_manager_params,
        test_repr,
        test_slots,
        test_synchronize,
        test_synchronize_fails,
        test_aio_locked_acquire_and_release,
        test_aio_extend,
        test_aio_context_manager,
        test_aio_context_manager_extend,
        test_aio_acquire_fails_within_auto_release_time,
        test_aio_context_manager_fails_within_auto_release_time,
        test_aio_acquire_and_time_out,
        test_aio_context_manager_time_out_before_exit,
        test_aio_context_manager_release_before_exit,
        test_aio_context_manager_nonblocking_with_timeout,
        test_aio_acquire_nonblocking_with_timeout,
        test_aio_enqueued,
        test_aio_slots,
        test_aio_repr,
        test_wire_format,
        test_guard_drop_releases,
        test_aio_guard_drop_releases_in_background,
        test_unlimited_extensions,
        test_builder_errors,
        test_wrong_type,
        test_mutual_exclusion_threads,
        test_aio_mutual_exclusion_tasks,
    ];
    // Cases that start their own servers, or need databases 1-5 / Python.
    let single = cases![
        test_acquire_rediserror,
        test_acquire_quorumisimpossible,
        test_locked_rediserror,
        test_locked_quorumisimpossible,
        test_extend_rediserror,
        test_extend_quorumisimpossible,
        test_release_rediserror,
        test_release_quorumisimpossible,
        test_contention,
        test_aio_acquire_rediserror,
        test_aio_locked_rediserror,
        test_aio_extend_rediserror,
        test_aio_release_rediserror,
        test_aio_contention,
        test_two_of_five_killed,
        test_three_of_five_killed_is_prompt,
        test_frozen_master_is_bounded,
        test_restarted_master,
        test_mutual_exclusion_processes_and_python,
        test_python_holds_rust_waits,
        test_rust_holds_python_waits,
        test_release_never_removes_python_hold,
    ];
    support::Suite::new(
        "redlock",
        vec![
            (&[Target::Server, Target::Cluster], everywhere),
            (&[Target::Server], single),
        ],
    )
    .worker(WORKER_ENV, lock_worker)
}
