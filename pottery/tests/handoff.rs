//! Redlock's event-driven hand-off: a release wakes a waiter at once (with a
//! 10-minute retry delay, so only the wake-up can make it fast), blocking and
//! async, on a server and on a cluster (sharded pub/sub), over TLS and as an
//! ACL user; a holder that does not publish (Python pottery) is polled for:
//! Python still blocks us and we block Python; mutual exclusion stays exact
//! with 8 contenders; one subscription connection per client however many
//! locks wait; deadlines hold while waiting. Faults: `handoff_faults.rs`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use crate::support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use pottery::{Client, future, sync::Redlock};
use pottery_testkit::{Masters, python, require_python_pottery};
use support::{Ctx, Target};

pub(crate) const MS: Duration = Duration::from_millis(1);
/// A retry delay no polling waiter would wake from in a test's time: a fast
/// hand-off can only be the wake-up's.
pub(crate) const SLOW_POLL: Duration = Duration::from_secs(600);
/// A hand-off far faster than any pause drawn from `SLOW_POLL`, generous for a
/// loaded machine.
pub(crate) const WOKEN: Duration = Duration::from_secs(2);

pub(crate) fn lock(client: &Client, name: &str, retry: Duration) -> Redlock {
    Redlock::builder(name)
        .master(client.clone())
        .retry_delay(retry)
        .build()
        .unwrap()
}

fn aio_lock(client: &Client, name: &str, retry: Duration) -> future::Redlock {
    future::Redlock::builder(name)
        .master(client.clone())
        .retry_delay(retry)
        .build()
        .unwrap()
}

/// Waits until `client`'s subscriber wants `n` channels and a little more
/// (its SUBSCRIBE confirmed, in the background).
pub(crate) fn settle(client: &Client, n: usize) {
    let start = Instant::now();
    while pottery::__private::subscribed_channels(client).len() < n && start.elapsed() < 10 * WOKEN
    {
        thread::sleep(10 * MS);
    }
    thread::sleep(300 * MS);
}

/// A release wakes a waiter whose retry delay is ten minutes: the hand-off
/// takes far less than any polling pause would.
fn release_wakes_a_waiter(ctx: &Ctx) {
    let name = ctx.key("printer");
    let holder = lock(&ctx.client, &name, SLOW_POLL);
    let waiter_client = ctx.env.client(ctx.target);
    let waiter = lock(&waiter_client, &name, SLOW_POLL);
    for _ in 0..3 {
        let guard = holder.acquire().unwrap();
        let (acquired, released) = thread::scope(|s| {
            let waiting = s.spawn(|| {
                let guard = waiter.acquire_timeout(Duration::from_secs(60)).unwrap();
                (Instant::now(), guard)
            });
            settle(&waiter_client, 1);
            let released = Instant::now();
            guard.release().unwrap();
            let (acquired, guard) = waiting.join().unwrap();
            drop(guard.expect("the waiter acquires"));
            (acquired, released)
        });
        let handoff = acquired - released;
        assert!(handoff < WOKEN, "hand-off took {handoff:?}");
    }
}

/// The same, async, waiting with `Duration::MAX` (no limit).
fn release_wakes_an_async_waiter(ctx: &Ctx) {
    let name = ctx.key("printer");
    let holder = lock(&ctx.client, &name, SLOW_POLL);
    let waiter_client = ctx.env.client(ctx.target);
    let waiter = aio_lock(&waiter_client, &name, SLOW_POLL);
    ctx.block_on(async {
        let guard = holder.acquire().unwrap();
        let waiting = tokio::spawn(async move {
            let guard = waiter.acquire_timeout(Duration::MAX).await.unwrap();
            (Instant::now(), guard)
        });
        let c = waiter_client.clone();
        tokio::task::spawn_blocking(move || settle(&c, 1))
            .await
            .unwrap();
        let released = Instant::now();
        guard.release().unwrap();
        let (acquired, guard) = waiting.await.unwrap();
        guard.expect("the waiter acquires").release().await.unwrap();
        let handoff = acquired - released;
        assert!(handoff < WOKEN, "hand-off took {handoff:?}");
    });
}

/// Python pottery holds: we wait (its release does not publish: we poll)
/// and acquire after it; we hold: Python's non-blocking acquire fails.
fn python_blocks_us_and_we_block_python(ctx: &Ctx) {
    require_python_pottery();
    let name = ctx.key("printer");
    let url = ctx.url();
    let ours = lock(&ctx.client, &name, 100 * MS);
    const HOLD: &str = r#"
import os, sys, time
from redis import Redis
from pottery import Redlock
name = sys.stdin.read().strip()
lock = Redlock(key=name, masters={Redis.from_url(os.environ['REDIS_URL'])})
with lock:
    time.sleep(1.5)
print('done')
"#;
    thread::scope(|s| {
        let holding = s.spawn(|| python(HOLD, &url, &name));
        let start = Instant::now();
        while !ours.status().unwrap().held && start.elapsed() < Duration::from_secs(30) {
            thread::sleep(10 * MS);
        }
        assert!(ours.try_acquire().unwrap().is_none(), "Python holds it");
        let guard = ours.acquire_timeout(Duration::from_secs(30)).unwrap();
        assert!(guard.is_some(), "acquired after Python released");
        assert_eq!(holding.join().unwrap().trim(), "done");
        const TRY: &str = r#"
import os, sys
from redis import Redis
from pottery import Redlock
name = sys.stdin.read().strip()
lock = Redlock(key=name, masters={Redis.from_url(os.environ['REDIS_URL'])})
print(lock.acquire(blocking=False))
"#;
        assert_eq!(python(TRY, &url, &name).trim(), "False");
    });
}

/// 8 contenders, 20 critical sections each, never two at once; on one
/// master (server or cluster) and, on the server target, on 3 masters.
fn mutual_exclusion_with_8_contenders(ctx: &Ctx) {
    let mut setups = vec![vec![ctx.client.clone()]];
    let masters;
    if ctx.target == Target::Server {
        masters = Masters::start(3);
        setups.push(
            masters
                .urls()
                .iter()
                .map(|u| Client::open(u).unwrap())
                .collect(),
        );
    }
    for clients in setups {
        let lock: Redlock = Redlock::builder(&ctx.key("counter"))
            .masters(clients)
            .build()
            .unwrap();
        let inside = AtomicUsize::new(0);
        let sections = AtomicUsize::new(0);
        thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    for _ in 0..20 {
                        let guard = lock.acquire().unwrap();
                        assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0, "two holders");
                        thread::sleep(MS);
                        inside.fetch_sub(1, Ordering::SeqCst);
                        sections.fetch_add(1, Ordering::SeqCst);
                        guard.release().unwrap();
                    }
                });
            }
        });
        assert_eq!(sections.load(Ordering::SeqCst), 160);
    }
}

/// Ten locks of different names wait on one client: one connection holds
/// every subscription (each channel has one subscriber, and one connection
/// of that server has all ten).
fn one_subscription_connection_per_client(ctx: &Ctx) {
    // On a cluster, one hash tag: all ten channels on one node.
    let names: Vec<String> = (0..10)
        .map(|i| ctx.key(&format!("{{one}}:lock{i}")))
        .collect();
    let waiter_client = ctx.env.client(ctx.target);
    let holders: Vec<Redlock> = names
        .iter()
        .map(|n| lock(&ctx.client, n, SLOW_POLL))
        .collect();
    let guards: Vec<_> = holders.iter().map(|l| l.acquire().unwrap()).collect();
    let waiters: Vec<Redlock> = names
        .iter()
        .map(|n| lock(&waiter_client, n, 200 * MS))
        .collect();
    let channels: Vec<String> = names
        .iter()
        .map(|n| format!("redlock:{n}:released"))
        .collect();
    let nodes = match ctx.target {
        Target::Server => vec![ctx.url()],
        Target::Cluster => ctx.env.cluster().urls(),
    };
    let (numsub, field) = match ctx.target {
        Target::Server => ("NUMSUB", "sub="),
        Target::Cluster => ("SHARDNUMSUB", "ssub="),
    };
    thread::scope(|s| {
        let waiting: Vec<_> = waiters
            .iter()
            .map(|w| s.spawn(move || w.acquire_timeout(Duration::from_secs(3)).unwrap()))
            .collect();
        settle(&waiter_client, 10);
        for channel in &channels {
            // Shard channels are counted on their node only: the sum is the
            // channel's subscribers.
            let subscribers: i64 = nodes
                .iter()
                .map(|node| {
                    let counts = support::raw(node, &["PUBSUB", numsub, channel]);
                    let counts: Vec<redis::Value> = redis::from_redis_value(counts).unwrap();
                    redis::from_redis_value::<i64>(counts[1].clone()).unwrap()
                })
                .sum();
            assert_eq!(subscribers, 1, "{channel}");
        }
        let all_ten = format!("{field}10");
        let ours: usize = nodes
            .iter()
            .map(|node| {
                let list = support::raw(node, &["CLIENT", "LIST", "TYPE", "pubsub"]);
                let list: String = redis::from_redis_value(list).unwrap();
                list.lines()
                    .filter(|l| l.contains("name=pottery-subscriber"))
                    .filter(|l| l.split(' ').any(|f| f == all_ten))
                    .count()
            })
            .sum();
        assert_eq!(ours, 1, "one connection holds the ten subscriptions");
        for w in waiting {
            assert!(w.join().unwrap().is_none());
        }
    });
    drop(guards);
}

/// A fast hand-off between `holder` and `waiter` (clients of one server):
/// the waiter's subscriber connected with the waiter's settings.
fn fast_handoff(holder: &Client, waiter: &Client, name: &str) {
    let holding = lock(holder, name, SLOW_POLL);
    let waiting = lock(waiter, name, SLOW_POLL);
    let guard = holding.acquire().unwrap();
    thread::scope(|s| {
        let acquiring = s.spawn(|| {
            let guard = waiting.acquire_timeout(Duration::from_secs(60)).unwrap();
            (Instant::now(), guard)
        });
        settle(waiter, 1);
        let released = Instant::now();
        guard.release().unwrap();
        let (acquired, guard) = acquiring.join().unwrap();
        drop(guard.expect("the waiter acquires"));
        let handoff = acquired - released;
        assert!(handoff < WOKEN, "hand-off took {handoff:?}");
    });
}

/// The subscriber connects as its client does: over TLS with the client's
/// CA, and as an ACL user with a password on a database other than 0.
fn wakes_over_tls_and_as_an_acl_user(ctx: &Ctx) {
    let certs = pottery_testkit::Certs::generate();
    let tls = pottery_testkit::Server::start_tls_with(&certs, false);
    let client = || {
        Client::builder(&tls.url())
            .tls_root_certificate(certs.ca.clone())
            .build()
            .unwrap()
    };
    fast_handoff(&client(), &client(), &ctx.key("tls"));

    let url = ctx.url();
    let user = format!("waiter{}", std::process::id());
    support::raw(
        &url,
        &[
            "ACL",
            "SETUSER",
            &user,
            "on",
            ">s3cret",
            "~redlock:*",
            "&redlock:*",
            "+@all",
        ],
    );
    let authed = url.replacen("redis://", &format!("redis://{user}:s3cret@"), 1);
    let authed = authed.strip_suffix("/0").unwrap_or(&authed).to_owned() + "/3";
    let on_db3 = || Client::open(&authed).unwrap();
    fast_handoff(&on_db3(), &on_db3(), &ctx.key("acl"));
}

/// Deadlines hold while waiting: `acquire_timeout` returns `None` at its
/// timeout (not before, not much after) with a retry delay of
/// `Duration::MAX`, blocking and async.
fn deadlines_hold_while_waiting(ctx: &Ctx) {
    let name = ctx.key("printer");
    let holder = lock(&ctx.client, &name, SLOW_POLL);
    let _guard = holder.acquire().unwrap();
    let waiter = lock(&ctx.client, &name, Duration::MAX);
    let timeout = 300 * MS;
    let start = Instant::now();
    assert!(waiter.acquire_timeout(timeout).unwrap().is_none());
    let took = start.elapsed();
    assert!(took >= timeout && took < Duration::from_secs(3), "{took:?}");
    let aio = aio_lock(&ctx.client, &name, Duration::MAX);
    ctx.block_on(async {
        let start = Instant::now();
        assert!(aio.acquire_timeout(timeout).await.unwrap().is_none());
        let took = start.elapsed();
        assert!(took >= timeout && took < Duration::from_secs(3), "{took:?}");
    });
}

pub(crate) fn suite() -> support::Suite {
    use support::Target::{Cluster, Server};
    support::Suite::new(
        "handoff",
        vec![
            (
                &[Server, Cluster],
                crate::cases![
                    release_wakes_a_waiter,
                    release_wakes_an_async_waiter,
                    mutual_exclusion_with_8_contenders,
                    one_subscription_connection_per_client,
                    deadlines_hold_while_waiting,
                ],
            ),
            (
                &[Server],
                crate::cases![
                    python_blocks_us_and_we_block_python,
                    wakes_over_tls_and_as_an_acl_user,
                ],
            ),
        ],
    )
}
