//! The Redlock watchdog (issue 4, point 4), blocking and async: it keeps a hold
//! alive well past its auto-release time, reports loss (masters killed, key
//! deleted, validity run out), stops renewing on release and drop (promptly),
//! and its renewals do not count as extensions.
//!
//! The first group runs with the suite's server and cluster as the lock's one
//! master; the second starts its own masters (to kill them, or to count the
//! scripts they ran).

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
use pottery_testkit::{Masters, Server};
use support::{Ctx, Target};

const MS: Duration = Duration::from_millis(1);

/// A lock on the case's client with the watchdog on (or off).
fn lock_on(ctx: &Ctx, name: &str, auto_release_ms: u32, watchdog: bool) -> Redlock {
    Redlock::builder(&ctx.key(name))
        .master(ctx.client.clone())
        .auto_release_time(auto_release_ms * MS)
        .watchdog(watchdog)
        .build()
        .unwrap()
}

fn aio_lock(ctx: &Ctx, name: &str, auto_release_ms: u32, watchdog: bool) -> future::Redlock {
    future::Redlock::builder(&ctx.key(name))
        .master(ctx.client.clone())
        .auto_release_time(auto_release_ms * MS)
        .watchdog(watchdog)
        .build()
        .unwrap()
}

fn pttl(client: &Client, key: &str) -> i64 {
    client
        .with_connection(|con| redis::cmd("PTTL").arg(key).query(con))
        .unwrap()
}

fn del(client: &Client, key: &str) {
    client
        .with_connection(|con| redis::cmd("DEL").arg(key).query::<i64>(con))
        .unwrap();
}

/// A client that gives up quickly on a dead server.
fn quick_client(url: &str) -> Client {
    Client::builder(url)
        .connect_timeout(Duration::from_millis(300))
        .response_timeout(Duration::from_millis(500))
        .build()
        .unwrap()
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// How many scripts a server ran (EVAL and EVALSHA calls).
fn scripts_run(client: &Client) -> u64 {
    let info: String = client
        .with_connection(|con| redis::cmd("INFO").arg("commandstats").query(con))
        .unwrap();
    info.lines()
        .filter(|l| l.starts_with("cmdstat_eval:") || l.starts_with("cmdstat_evalsha:"))
        .filter_map(|l| {
            l.split("calls=")
                .nth(1)?
                .split(',')
                .next()?
                .parse::<u64>()
                .ok()
        })
        .sum()
}

// ---- one master: the suite's server or cluster ----

/// auto_release 300 ms, held 1.5 s (5x): the key never expires, no one else
/// gets the lock, and the hold is never reported lost.
fn test_keeps_lock_alive(ctx: &Ctx) {
    // 800 ms: a loaded 2-core CI machine can stall a renewal 200 ms; the loop
    // still outlasts the lock, so without renewals it would expire.
    let lock = lock_on(ctx, "printer", 800, true);
    let other = lock_on(ctx, "printer", 800, false);
    let guard = lock.acquire().unwrap();
    let start = Instant::now();
    let first_valid_until = guard.valid_until();
    while start.elapsed() < 1500 * MS {
        let ttl = pttl(&ctx.client, lock.key());
        assert!(ttl > 0, "PTTL {ttl} after {:?}", start.elapsed());
        assert!(other.try_acquire().unwrap().is_none());
        assert!(!guard.is_lost());
        sleep(50 * MS);
    }
    assert!(guard.valid_until() > first_valid_until + Duration::from_secs(1));
    assert!(guard.locked().unwrap() > 100 * MS);
    guard.release().unwrap();
    assert_eq!(pttl(&ctx.client, lock.key()), -2);
    assert!(other.try_acquire().unwrap().is_some());
}

fn test_aio_keeps_lock_alive(ctx: &Ctx) {
    // 800 ms, as in `test_keeps_lock_alive`.
    let lock = aio_lock(ctx, "shower", 800, true);
    let other = aio_lock(ctx, "shower", 800, false);
    ctx.block_on(async {
        let guard = lock.acquire().await.unwrap();
        let start = Instant::now();
        while start.elapsed() < 1500 * MS {
            assert!(pttl(&ctx.client, lock.key()) > 0, "{:?}", start.elapsed());
            assert!(other.try_acquire().await.unwrap().is_none());
            assert!(!guard.is_lost());
            tokio::time::sleep(50 * MS).await;
        }
        assert!(guard.locked().await.unwrap() > 100 * MS);
        // wait_lost() does not resolve while renewals succeed.
        assert!(!guard.wait_lost(400 * MS).await);
        guard.release().await.unwrap();
        assert_eq!(pttl(&ctx.client, lock.key()), -2);
        other
            .try_acquire()
            .await
            .unwrap()
            .unwrap()
            .release()
            .await
            .unwrap();
    });
}

/// Renewals are not extensions: with a limit of 1, after many renewals one
/// `extend` still succeeds, and the second fails.
fn test_renewals_do_not_count(ctx: &Ctx) {
    let lock = Redlock::builder(&ctx.key("printer"))
        .master(ctx.client.clone())
        .auto_release_time(150 * MS)
        .num_extensions(Some(1))
        .watchdog(true)
        .build()
        .unwrap();
    let mut guard = lock.acquire().unwrap();
    sleep(600 * MS); // about a dozen renewals
    assert!(!guard.is_lost());
    guard.extend().unwrap();
    assert_eq!(
        guard.extend().unwrap_err().kind(),
        pottery::ErrorKind::TooManyExtensions
    );
    assert!(format!("{guard:?}").contains("extensions: 1"), "{guard:?}");
    sleep(300 * MS); // still renewed after the limit was reached
    assert!(pttl(&ctx.client, lock.key()) > 0);
    guard.release().unwrap();
}

fn test_aio_renewals_do_not_count(ctx: &Ctx) {
    let lock = future::Redlock::builder(&ctx.key("shower"))
        .master(ctx.client.clone())
        // Long enough that renewals every 100 ms survive a loaded 2-core CI.
        .auto_release_time(300 * MS)
        .num_extensions(Some(1))
        .watchdog(true)
        .build()
        .unwrap();
    ctx.block_on(async {
        let mut guard = lock.acquire().await.unwrap();
        tokio::time::sleep(900 * MS).await;
        assert!(!guard.is_lost());
        guard.extend().await.unwrap();
        assert_eq!(
            guard.extend().await.unwrap_err().kind(),
            pottery::ErrorKind::TooManyExtensions
        );
        tokio::time::sleep(450 * MS).await;
        assert!(pttl(&ctx.client, lock.key()) > 0);
        guard.release().await.unwrap();
    });
}

/// After release the key is gone for good: no renewal brings it back, and
/// another acquirer's hold expires on its own (nobody renews it).
fn test_release_stops_renewing(ctx: &Ctx) {
    let lock = lock_on(ctx, "printer", 150, true);
    let other = lock_on(ctx, "printer", 150, false);
    let guard = lock.acquire().unwrap();
    sleep(120 * MS);
    guard.release().unwrap();
    assert_eq!(pttl(&ctx.client, lock.key()), -2);
    sleep(300 * MS);
    assert_eq!(pttl(&ctx.client, lock.key()), -2);
    let theirs = other.try_acquire().unwrap().expect("free after release");
    sleep(250 * MS);
    assert_eq!(pttl(&ctx.client, lock.key()), -2, "the other hold expired");
    assert!(theirs.is_lost());
    // Dropping stops renewing too.
    drop(lock.acquire().unwrap());
    assert_eq!(pttl(&ctx.client, lock.key()), -2);
    sleep(300 * MS);
    assert_eq!(pttl(&ctx.client, lock.key()), -2);
}

fn test_aio_release_stops_renewing(ctx: &Ctx) {
    let lock = aio_lock(ctx, "shower", 150, true);
    let other = aio_lock(ctx, "shower", 150, false);
    ctx.block_on(async {
        let guard = lock.acquire().await.unwrap();
        tokio::time::sleep(120 * MS).await;
        guard.release().await.unwrap();
        assert_eq!(pttl(&ctx.client, lock.key()), -2);
        tokio::time::sleep(300 * MS).await;
        assert_eq!(pttl(&ctx.client, lock.key()), -2);
        let theirs = other.try_acquire().await.unwrap().expect("free");
        tokio::time::sleep(250 * MS).await;
        assert_eq!(pttl(&ctx.client, lock.key()), -2);
        assert!(theirs.is_lost());
        drop(theirs);
        drop(lock.acquire().await.unwrap()); // background release
        tokio::time::sleep(50 * MS).await;
        assert_eq!(pttl(&ctx.client, lock.key()), -2);
        tokio::time::sleep(300 * MS).await;
        assert_eq!(pttl(&ctx.client, lock.key()), -2);
    });
}

/// Dropping a watchdog guard never waits for its renewer: well under 50 ms
/// (the release's own round trip included for the blocking guard).
fn test_drop_is_fast(ctx: &Ctx) {
    let lock = lock_on(ctx, "printer", 60, true);
    for pause in [0, 5, 19, 20, 21, 33, 45] {
        let guard = lock.acquire().unwrap();
        sleep(pause * MS);
        let start = Instant::now();
        drop(guard);
        let took = start.elapsed();
        assert!(took < 50 * MS, "drop after {pause} ms took {took:?}");
        assert_eq!(pttl(&ctx.client, lock.key()), -2);
    }
    let guard = lock.acquire().unwrap();
    let start = Instant::now();
    guard.release().unwrap();
    assert!(start.elapsed() < 50 * MS, "{:?}", start.elapsed());
}

fn test_aio_drop_is_fast(ctx: &Ctx) {
    let lock = aio_lock(ctx, "shower", 60, true);
    ctx.block_on(async {
        for pause in [0, 5, 20, 33] {
            let guard = lock.acquire().await.unwrap();
            tokio::time::sleep(pause * MS).await;
            let start = Instant::now();
            drop(guard);
            assert!(start.elapsed() < 50 * MS, "{:?}", start.elapsed());
            let start = Instant::now();
            let guard = lock.acquire().await.unwrap(); // free again soon
            assert!(start.elapsed() < 300 * MS, "{:?}", start.elapsed());
            let start = Instant::now();
            guard.release().await.unwrap();
            assert!(start.elapsed() < 50 * MS, "{:?}", start.elapsed());
        }
    });
}

/// Someone deletes the key: the next renewal hears that the token is gone and
/// reports the loss at once, long before the validity would end.
fn test_deleted_key_is_lost_at_next_renewal(ctx: &Ctx) {
    let lock = lock_on(ctx, "printer", 3000, true); // renews every second
    let guard = lock.acquire().unwrap();
    assert!(!guard.wait_lost(200 * MS));
    del(&ctx.client, lock.key());
    let start = Instant::now();
    assert!(guard.wait_lost(Duration::from_secs(2)));
    let took = start.elapsed();
    assert!(took < 1200 * MS, "{took:?}");
    assert!(
        guard.valid_until() > Instant::now(),
        "lost before the validity ended"
    );
    assert!(guard.is_lost());
    assert_eq!(guard.locked().unwrap(), Duration::ZERO);
    assert_eq!(
        guard.release().unwrap_err().kind(),
        pottery::ErrorKind::ReleaseUnlockedLock
    );
}

fn test_aio_deleted_key_is_lost_at_next_renewal(ctx: &Ctx) {
    let lock = aio_lock(ctx, "shower", 3000, true);
    ctx.block_on(async {
        let guard = lock.acquire().await.unwrap();
        del(&ctx.client, lock.key());
        let start = Instant::now();
        assert!(
            guard.wait_lost(Duration::from_secs(2)).await,
            "wait_lost() resolves"
        );
        assert!(start.elapsed() < 1200 * MS, "{:?}", start.elapsed());
        assert!(guard.is_lost());
        assert!(guard.wait_lost(Duration::MAX).await); // resolves again at once
        assert!(
            guard.release().await.unwrap_err().kind() == pottery::ErrorKind::ReleaseUnlockedLock
        );
    });
}

/// Without the watchdog, a hold is lost when its validity runs out.
fn test_lost_without_watchdog(ctx: &Ctx) {
    let lock = lock_on(ctx, "printer", 200, false);
    assert_eq!(lock.watchdog_interval(), None);
    let guard = lock.acquire().unwrap();
    assert!(!guard.is_lost());
    let until = guard.valid_until();
    assert!(guard.wait_lost(Duration::from_secs(1)));
    let late = Instant::now().saturating_duration_since(until);
    assert!(late < 20 * MS, "{late:?}");
    assert!(guard.is_lost());
    // An extension made in time moves the end.
    let mut guard = lock.acquire().unwrap();
    sleep(100 * MS);
    guard.extend().unwrap();
    sleep(150 * MS);
    assert!(!guard.is_lost());
}

fn test_aio_lost_without_watchdog(ctx: &Ctx) {
    let lock = aio_lock(ctx, "shower", 200, false);
    ctx.block_on(async {
        let guard = lock.acquire().await.unwrap();
        let until = guard.valid_until();
        let lost = guard.wait_lost(Duration::from_secs(1)).await;
        assert!(lost, "lost at the end of the validity");
        let late = Instant::now().saturating_duration_since(until);
        assert!(late < 20 * MS, "{late:?}");
        assert!(guard.is_lost());
    });
}

/// `run` under a watchdog outlives the auto-release time.
fn test_run_with_watchdog(ctx: &Ctx) {
    let lock = lock_on(ctx, "printer", 200, true);
    let n = lock.run(|| {
        sleep(700 * MS);
        42
    });
    assert_eq!(n.unwrap(), 42);
    let alock = aio_lock(ctx, "shower", 200, true);
    let n = ctx.block_on(alock.run(|| async {
        tokio::time::sleep(700 * MS).await;
        7
    }));
    assert_eq!(n.unwrap(), 7);
}

fn test_builder(ctx: &Ctx) {
    let build = |auto: u32, interval: Option<u32>| {
        let b = Redlock::builder(&ctx.key("printer"))
            .master(ctx.client.clone())
            .auto_release_time(auto * MS);
        match interval {
            Some(ms) => b.watchdog_interval(ms * MS),
            None => b.watchdog(true),
        }
        .build()
    };
    assert_eq!(
        build(300, None).unwrap().watchdog_interval(),
        Some(100 * MS)
    );
    assert_eq!(
        build(300, Some(250)).unwrap().watchdog_interval(),
        Some(250 * MS)
    );
    assert_eq!(
        build(300, Some(300)).unwrap_err().kind(),
        pottery::ErrorKind::Config
    );
    assert_eq!(
        build(300, Some(0)).unwrap_err().kind(),
        pottery::ErrorKind::Config
    );
    let off = Redlock::builder(&ctx.key("printer"))
        .master(ctx.client.clone())
        .watchdog(true)
        .watchdog(false)
        .build()
        .unwrap();
    assert_eq!(off.watchdog_interval(), None);
    // The auto-release time may be set after the watchdog.
    let later: future::Redlock = future::Redlock::builder(&ctx.key("printer"))
        .master(ctx.client.clone())
        .watchdog(true)
        .auto_release_time(Duration::from_secs(30))
        .build()
        .unwrap();
    assert_eq!(later.watchdog_interval(), Some(Duration::from_secs(10)));
    let guard = build(300, Some(50)).unwrap().acquire().unwrap();
    let debug = format!("{guard:?}");
    assert!(
        debug.contains("watchdog: Some(50ms)") && debug.contains("lost: false"),
        "{debug}"
    );
}

// ---- masters of its own ----

fn three(auto_release_ms: u32) -> (Masters, Vec<Client>, Redlock, future::Redlock) {
    let masters = Masters::start(3);
    let clients: Vec<Client> = masters.urls().iter().map(|u| quick_client(u)).collect();
    let lock = Redlock::builder("printer")
        .masters(clients.iter().cloned())
        .auto_release_time(auto_release_ms * MS)
        .watchdog(true)
        .build()
        .unwrap();
    let alock = future::Redlock::builder("shower")
        .masters(clients.iter().cloned())
        .auto_release_time(auto_release_ms * MS)
        .watchdog(true)
        .build()
        .unwrap();
    (masters, clients, lock, alock)
}

/// Two of three masters killed: the next renewals fail, and the hold is
/// reported lost when its validity runs out (within about the auto-release
/// time, plus one request timeout for a renewal in flight).
fn test_loss_when_two_of_three_killed(_: &Ctx) {
    let (mut masters, _clients, lock, _) = three(300);
    let guard = lock.acquire().unwrap();
    sleep(400 * MS);
    assert!(!guard.is_lost(), "renewed on all three");
    masters.servers[0].stop();
    masters.servers[2].stop();
    let start = Instant::now();
    assert!(guard.wait_lost(Duration::from_secs(2)));
    let took = start.elapsed();
    assert!(took <= 300 * MS, "{took:?}");
    assert!(guard.is_lost());
    sleep(100 * MS);
    assert!(guard.is_lost(), "lost stays lost");
    let start = Instant::now();
    drop(guard);
    // The release meets two dead masters (refused at once, or the request timeout).
    assert!(start.elapsed() < 200 * MS, "{:?}", start.elapsed());
}

fn test_aio_loss_when_three_of_three_killed(_: &Ctx) {
    let (mut masters, _clients, _, alock) = three(300);
    let rt = rt();
    let guard = rt.block_on(alock.acquire()).unwrap();
    rt.block_on(async { tokio::time::sleep(400 * MS).await });
    assert!(!guard.is_lost());
    for server in &mut masters.servers {
        server.stop();
    }
    let start = Instant::now();
    rt.block_on(async {
        assert!(
            guard.wait_lost(Duration::from_secs(2)).await,
            "wait_lost() resolves"
        );
    });
    let took = start.elapsed();
    assert!(took <= 300 * MS, "{took:?}");
    assert!(guard.is_lost());
    let _enter = rt.enter();
    drop(guard);
}

/// One of three masters killed: a quorum still renews, the hold lives on.
///
/// The blocking acquire reaches all three masters; the async one stops at the
/// first quorum and drops the request still out (shared `run_each_within`), so
/// its hold may live on two only: then the master killed is the third one.
fn test_one_of_three_killed_keeps_lock(_: &Ctx) {
    let (mut masters, clients, lock, alock) = three(300);
    let guard = lock.acquire().unwrap();
    let rt = rt();
    let aguard = rt.block_on(alock.acquire()).unwrap();
    sleep(150 * MS); // a renewal each
    let holds = |key: &str| -> Vec<bool> { clients.iter().map(|c| pttl(c, key) > 0).collect() };
    assert_eq!(holds(lock.key()), [true; 3]);
    let aholds = holds(alock.key());
    assert!(aholds.iter().filter(|&&h| h).count() >= 2, "{aholds:?}");
    let victim = if aholds == [true; 3] {
        1
    } else {
        aholds.iter().position(|&h| !h).unwrap()
    };
    masters.servers[victim].stop();
    sleep(1200 * MS);
    assert!(
        !guard.is_lost() && !aguard.is_lost(),
        "{guard:?} {aguard:?}"
    );
    for (i, c) in clients.iter().enumerate().filter(|&(i, _)| i != victim) {
        assert!(pttl(c, lock.key()) > 0, "master {i}");
        assert_eq!(pttl(c, alock.key()) > 0, aholds[i], "master {i}");
    }
    guard.release().unwrap();
    rt.block_on(aguard.release()).unwrap();
}

/// Counted on the masters themselves: no script runs once the guard is
/// released or dropped (the renewer is stopped, not merely ignored).
fn test_no_renewal_after_release(_: &Ctx) {
    let server = Server::start();
    let client = Client::open(&server.url()).unwrap();
    let build = |name: &str| {
        Redlock::builder(name)
            .master(client.clone())
            .auto_release_time(90 * MS) // renews every 30 ms
            .watchdog(true)
            .build()
            .unwrap()
    };
    let lock = build("printer");
    let guard = lock.acquire().unwrap();
    let before = scripts_run(&client);
    sleep(200 * MS);
    let renewals = scripts_run(&client) - before;
    assert!((4..=9).contains(&renewals), "{renewals} renewals in 200 ms");
    guard.release().unwrap();
    let after_release = scripts_run(&client);
    sleep(200 * MS);
    assert_eq!(scripts_run(&client), after_release);
    drop(lock.acquire().unwrap());
    let after_drop = scripts_run(&client);
    sleep(200 * MS);
    assert_eq!(scripts_run(&client), after_drop);
    // Async: release, and a merely dropped guard.
    let alock = future::Redlock::builder("shower")
        .master(client.clone())
        .auto_release_time(90 * MS)
        .watchdog(true)
        .build()
        .unwrap();
    let rt = rt();
    rt.block_on(async {
        alock.acquire().await.unwrap().release().await.unwrap();
        let n = scripts_run(&client);
        tokio::time::sleep(200 * MS).await;
        assert_eq!(scripts_run(&client), n);
        drop(alock.acquire().await.unwrap());
        tokio::time::sleep(20 * MS).await; // the background release
        let n = scripts_run(&client);
        tokio::time::sleep(200 * MS).await;
        assert_eq!(scripts_run(&client), n);
    });
}

pub(crate) fn suite() -> support::Suite {
    let everywhere = cases![
        test_keeps_lock_alive,
        test_aio_keeps_lock_alive,
        test_renewals_do_not_count,
        test_aio_renewals_do_not_count,
        test_release_stops_renewing,
        test_aio_release_stops_renewing,
        test_drop_is_fast,
        test_aio_drop_is_fast,
        test_deleted_key_is_lost_at_next_renewal,
        test_aio_deleted_key_is_lost_at_next_renewal,
        test_lost_without_watchdog,
        test_aio_lost_without_watchdog,
        test_run_with_watchdog,
        test_builder,
    ];
    let own_masters = cases![
        test_loss_when_two_of_three_killed,
        test_aio_loss_when_three_of_three_killed,
        test_one_of_three_killed_keeps_lock,
        test_no_renewal_after_release,
    ];
    support::Suite::new(
        "redlock_watchdog",
        vec![
            (&[Target::Server, Target::Cluster], everywhere),
            (&[Target::Server], own_masters),
        ],
    )
}
