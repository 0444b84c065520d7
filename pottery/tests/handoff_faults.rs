//! Redlock hand-off under faults: a wake-up lost for real (a proxy drops
//! it), a user the ACL gives no channels, the subscriber connection killed,
//! the lock's cluster slot migrated while a waiter waits. Wake-ups are hints:
//! every case still hands the lock over (by a new subscription's wake-up, or
//! by polling within the retry delay).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use crate::handoff::{MS, SLOW_POLL, WOKEN, lock, settle};
use crate::support;

use std::thread;
use std::time::{Duration, Instant};

use pottery::{Client, sync::Redlock};
use pottery_testkit::{Fault, Proxy};
use support::Ctx;

/// The wake-up is lost for real (the waiter's traffic goes through a proxy
/// that throws the server's messages away while the holder releases): the
/// waiter still acquires, by polling, within its bound.
fn lost_wakeup_falls_back_to_polling(ctx: &Ctx) {
    let server = ctx.env.server();
    let proxy = Proxy::start(server);
    let name = ctx.key("printer");
    let holder = lock(&ctx.client, &name, SLOW_POLL);
    let waiter_client = Client::open(&proxy.url()).unwrap();
    let poll = 500 * MS;
    let waiter = Redlock::builder(&name)
        .master(waiter_client.clone())
        .retry_delay(poll)
        .raise_on_redis_errors(false)
        .build()
        .unwrap();
    let guard = holder.acquire().unwrap();
    thread::scope(|s| {
        let waiting = s.spawn(|| {
            let guard = waiter.acquire_timeout(Duration::from_secs(60)).unwrap();
            (Instant::now(), guard)
        });
        settle(&waiter_client, 1);
        proxy.set(Fault::Drop);
        let released = Instant::now();
        guard.release().unwrap();
        thread::sleep(50 * MS);
        proxy.clear();
        let (acquired, guard) = waiting.join().unwrap();
        drop(guard.expect("the waiter acquires by polling"));
        // Polling: a pause below `poll`, an attempt (perhaps one lost in the
        // proxy: its request timeout) and slack.
        let handoff = acquired - released;
        assert!(handoff < Duration::from_secs(5), "took {handoff:?}");
    });
}

/// A user the ACL gives no channels: releases still release (the script
/// ignores the refused PUBLISH) and waiters acquire by polling.
fn without_channel_access_waiters_poll(ctx: &Ctx) {
    let url = ctx.url();
    let user = format!("nochan{}", std::process::id());
    support::raw(
        &url,
        &[
            "ACL",
            "SETUSER",
            &user,
            "on",
            ">pw",
            "resetchannels",
            "~*",
            "+@all",
        ],
    );
    let client =
        Client::open(&url.replacen("redis://", &format!("redis://{user}:pw@"), 1)).unwrap();
    let holder = lock(&client, &ctx.key("printer"), SLOW_POLL);
    let waiter = lock(&client, &ctx.key("printer"), 300 * MS);
    let guard = holder.acquire().unwrap();
    thread::scope(|s| {
        let waiting = s.spawn(|| waiter.acquire_timeout(Duration::from_secs(30)).unwrap());
        thread::sleep(300 * MS);
        guard
            .release()
            .expect("a refused publish does not fail the release");
        assert!(waiting.join().unwrap().is_some(), "acquired by polling");
    });
}

/// The lock's slot moves to another node while a waiter waits: the old
/// owner drops the shard subscription (SUNSUBSCRIBE), the subscriber finds
/// the new owner and subscribes there, and the release, published on the
/// new owner, still hands the lock over (by the wake-up, or polling).
fn a_slot_migration_moves_the_subscription(ctx: &Ctx) {
    let name = ctx.key("moving");
    let key = format!("redlock:{name}");
    let channel = format!("{key}{{{key}}}:released");
    let holder = lock(&ctx.client, &name, SLOW_POLL);
    let waiter_client = ctx.env.client(ctx.target);
    let waiter = lock(&waiter_client, &name, Duration::from_secs(1));
    let guard = holder.acquire().unwrap();
    thread::scope(|s| {
        let waiting = s.spawn(|| waiter.acquire_timeout(Duration::from_secs(60)).unwrap());
        settle(&waiter_client, 1);
        let migration = ctx.env.cluster().migrate_slot_of(&key);
        let slot = migration.slot.to_string();
        let target = migration.target.clone();
        let target_id: String =
            redis::from_redis_value(support::raw(&target, &["CLUSTER", "MYID"])).unwrap();
        let (host, port) = target
            .trim_start_matches("redis://")
            .rsplit_once(':')
            .map(|(h, p)| (h.to_owned(), p.to_owned()))
            .unwrap();
        let fence = format!("{key}{{{key}}}:fence");
        support::raw(
            &migration.source,
            &[
                "MIGRATE", &host, &port, "", "0", "5000", "KEYS", &key, &fence,
            ],
        );
        for url in ctx.env.cluster().urls() {
            support::raw(&url, &["CLUSTER", "SETSLOT", &slot, "NODE", &target_id]);
        }
        // The subscription follows the slot to its new owner.
        let start = Instant::now();
        let on_target = || {
            let counts = support::raw(&target, &["PUBSUB", "SHARDNUMSUB", &channel]);
            let counts: Vec<redis::Value> = redis::from_redis_value(counts).unwrap();
            counts[1] == redis::Value::Int(1)
        };
        while !on_target() && start.elapsed() < Duration::from_secs(20) {
            thread::sleep(20 * MS);
        }
        assert!(on_target(), "subscribed again on the slot's new owner");
        let released = Instant::now();
        guard.release().unwrap();
        assert!(waiting.join().unwrap().is_some());
        let handoff = released.elapsed();
        assert!(handoff < Duration::from_secs(10), "took {handoff:?}");
        drop(migration);
    });
}

/// The subscriber connection is killed: it reconnects and subscribes again,
/// and the new subscription wakes the waiter, so a release while it was down
/// is not waited out (the retry delay is ten minutes); a later release wakes
/// it as before.
fn reconnects_after_the_subscriber_connection_breaks(ctx: &Ctx) {
    // A private server: killing pub/sub connections must not touch other cases.
    let server = pottery_testkit::Server::start();
    let url = server.url();
    let (holder, waiter) = (Client::open(&url).unwrap(), Client::open(&url).unwrap());
    let name = ctx.key("printer");
    let holding = lock(&holder, &name, SLOW_POLL);
    let waiting = lock(&waiter, &name, SLOW_POLL);
    for release_while_down in [true, false] {
        let guard = holding.acquire().unwrap();
        thread::scope(|s| {
            let acquiring = s.spawn(|| waiting.acquire_timeout(Duration::from_secs(60)).unwrap());
            settle(&waiter, 1);
            let killed = support::raw(&url, &["CLIENT", "KILL", "TYPE", "pubsub"]);
            assert_eq!(
                killed,
                redis::Value::Int(1),
                "the one subscriber connection"
            );
            if !release_while_down {
                settle(&waiter, 1);
            }
            let released = Instant::now();
            guard.release().unwrap();
            assert!(acquiring.join().unwrap().is_some());
            let handoff = released.elapsed();
            assert!(handoff < WOKEN, "hand-off took {handoff:?}");
        });
    }
}

pub(crate) fn suite() -> support::Suite {
    use support::Target::{Cluster, Server};
    support::Suite::new(
        "handoff_faults",
        vec![
            (
                &[Cluster],
                crate::cases![a_slot_migration_moves_the_subscription],
            ),
            (
                &[Server],
                crate::cases![
                    lost_wakeup_falls_back_to_polling,
                    without_channel_access_waiters_poll,
                    reconnects_after_the_subscriber_connection_breaks,
                ],
            ),
        ],
    )
}
