//! RedisWorkQueue's functions, on one server and on a 3-master cluster, blocking
//! and async: put / receive / ack, the waits and their deadlines, nacks and
//! delays (never early), leases (expiry, renewal, loss), dead letters,
//! idempotent puts, exact stats, bad data. The guarantees under faults (kills,
//! lost replies, restarts) and the bench are elsewhere (`workqueue_*`).
//! Leases are short (hundreds of ms) to keep the suite fast.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod leases;

use crate::support;

use std::time::{Duration, Instant};

use leases::{
    test_ack_of_an_entry_gone_is_lease_lost, test_gone_consumers_are_forgotten,
    test_lease_expiry_redelivers_to_another_consumer, test_lost_lease_signal,
    test_max_deliveries_dead_letters, test_renewal_keeps_a_slow_consumers_lease,
};
use pottery::{ErrorKind, ItemId, PutOutcome, RedisWorkQueue, future, sync};
use support::{Ctx, Target};

type Queue = sync::RedisWorkQueue<i64>;

pub(crate) const MS: Duration = Duration::from_millis(1);
/// Generous bounds: the CI machine is small and busy.
pub(crate) const SLACK: Duration = Duration::from_millis(1500);

fn queue(ctx: &Ctx) -> Queue {
    Queue::new(&ctx.client, &ctx.key("wq"))
}

/// A handle on the case's queue with its own consumer name and a short lease.
pub(crate) fn leased(ctx: &Ctx, lease_ms: u32, max_deliveries: u32) -> Queue {
    RedisWorkQueue::builder(&ctx.client, &ctx.key("wq"))
        .lease(lease_ms * MS)
        .max_deliveries(max_deliveries)
        .build()
        .unwrap()
}

/// A raw command on the queue's key's node.
pub(crate) fn raw<T: redis::FromRedisValue>(ctx: &Ctx, args: &[&str]) -> T {
    let mut cmd = redis::cmd(args[0]);
    for arg in &args[1..] {
        cmd.arg(*arg);
    }
    ctx.client.with_connection(|con| cmd.query(con)).unwrap()
}

fn test_put_receive_ack(ctx: &Ctx) {
    let q = queue(ctx);
    let ids: Vec<ItemId> = (1..=3).map(|n| q.put(n).unwrap()).collect();
    for (n, id) in (1..=3).zip(&ids) {
        let d = q.receive().unwrap();
        assert_eq!((*d.item(), d.id(), d.deliveries()), (n, id, 1));
        assert!(!d.lease_lost());
        d.ack().unwrap();
    }
    let stats = q.stats().unwrap();
    assert_eq!(
        (stats.ready, stats.in_flight, stats.oldest_age),
        (0, 0, None)
    );
    // Acked entries are deleted, not only acknowledged.
    assert_eq!(raw::<i64>(ctx, &["XLEN", q.key()]), 0);
    // The wire format is Python pottery's RedisSimpleQueue's.
    q.put(7).unwrap();
    let entries: Vec<(String, Vec<(String, String)>)> = raw(ctx, &["XRANGE", q.key(), "-", "+"]);
    assert_eq!(entries[0].1, [("item".to_owned(), "7".to_owned())]);
}

fn test_receive_timeout_returns_none_in_time(ctx: &Ctx) {
    let q = queue(ctx);
    for wait in [0u32, 50, 400] {
        let started = Instant::now();
        assert!(q.receive_timeout(wait * MS).unwrap().is_none());
        let took = started.elapsed();
        assert!(
            took >= wait * MS && took < wait * MS + SLACK,
            "{wait} ms: {took:?}"
        );
    }
    assert!(q.try_receive().unwrap().is_none());
    q.put(1).unwrap();
    q.try_receive().unwrap().expect("ready").ack().unwrap();
}

/// A blocked receive wakes on a put (XADD wakes XREADGROUP BLOCK), well before
/// its block slice would end; `Duration::MAX` is no limit, without a panic.
fn test_blocked_receive_wakes_on_put(ctx: &Ctx) {
    let q = queue(ctx);
    let producer = q.clone();
    let put_at = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        producer.put(5).unwrap();
        Instant::now()
    });
    let d = q.receive_timeout(Duration::MAX).unwrap().expect("an item");
    let woke = Instant::now().saturating_duration_since(put_at.join().unwrap());
    assert!(
        woke < Duration::from_millis(200),
        "woke {woke:?} after the put"
    );
    d.ack().unwrap();
    let producer = q.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        producer.put(6).unwrap();
    });
    assert_eq!(*q.receive().unwrap().item(), 6);
}

/// The group is made by the first receive, at 0 (items put before any
/// consumer came are delivered), and again if the key was deleted since.
fn test_group_is_made_when_missing(ctx: &Ctx) {
    let q = queue(ctx);
    q.put(1).unwrap();
    q.receive().unwrap().ack().unwrap();
    let _: i64 = raw(ctx, &["DEL", q.key()]);
    q.put(2).unwrap();
    let d = q.try_receive().unwrap().expect("delivered");
    assert_eq!(*d.item(), 2);
    d.ack().unwrap();
    let _: i64 = raw(ctx, &["DEL", q.key()]);
    let waiting = q.clone();
    let got = std::thread::spawn(move || waiting.receive_timeout(Duration::from_secs(5)).unwrap());
    std::thread::sleep(Duration::from_millis(200));
    let _: i64 = raw(ctx, &["DEL", q.key()]); // under a blocked XREADGROUP
    q.put(3).unwrap();
    assert_eq!(got.join().unwrap().map(|d| *d.item()), Some(3));
}

fn test_receive_many_and_put_many(ctx: &Ctx) {
    let q = queue(ctx);
    assert!(q.put_many(Vec::<i64>::new()).unwrap().is_empty());
    let ids = q.put_many([1, 2, 3, 4, 5]).unwrap();
    assert_eq!(ids.len(), 5);
    let first = q.receive_many(3).unwrap();
    assert_eq!(
        first.iter().map(|d| *d.item()).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert_eq!(
        first.iter().map(|d| d.id().clone()).collect::<Vec<_>>(),
        ids[..3]
    );
    let rest = q.receive_many(10).unwrap();
    assert_eq!(rest.iter().map(|d| *d.item()).collect::<Vec<_>>(), [4, 5]);
    assert!(q.receive_many(10).unwrap().is_empty());
    assert!(q.receive_many_timeout(10, 30 * MS).unwrap().is_empty());
    for d in first.into_iter().chain(rest) {
        d.ack().unwrap();
    }
    assert_eq!(q.stats().unwrap().in_flight, 0);
}

/// `put_many` is one script call whatever the number of items, an ack none,
/// and a receive on a busy queue seldom one (counted by the server, on a
/// private one).
fn test_put_many_is_one_round_trip(ctx: &Ctx) {
    if ctx.target == Target::Cluster {
        return;
    }
    let server = pottery_testkit::Server::start();
    let client = pottery::Client::open(&server.url()).unwrap();
    let q = Queue::new(&client, "wq");
    q.put(0).unwrap(); // loads nothing; the script is loaded on first use
    q.put_many([1]).unwrap();
    let calls = |client: &pottery::Client| -> (u64, u64) {
        let info: String = client
            .with_connection(|con| redis::cmd("INFO").arg("commandstats").query(con))
            .unwrap();
        let of = |name: &str| {
            info.lines()
                .find_map(|l| l.strip_prefix(&format!("cmdstat_{name}:calls=")))
                .map_or(0, |rest| rest.split(',').next().unwrap().parse().unwrap())
        };
        (of("evalsha") + of("eval"), of("xadd"))
    };
    let before = calls(&client);
    q.put_many(0..100).unwrap();
    let after = calls(&client);
    assert_eq!((after.0 - before.0, after.1 - before.1), (1, 100));
    // An ack within the lease is XDEL + XACK, no script.
    let d = q.receive().unwrap();
    let before = calls(&client);
    d.ack().unwrap();
    assert_eq!(calls(&client).0, before.0);
    // On a busy queue most receives are plain XREADGROUPs: the script runs
    // about ten times a second (100 receives would take 10 s at that rate).
    let before = calls(&client);
    for _ in 0..100 {
        q.receive().unwrap().ack().unwrap();
    }
    let scripts = calls(&client).0 - before.0;
    assert!(scripts < 50, "{scripts} scripts for 100 receives");
}

fn test_nack_redelivers_after_retry_after_not_before(ctx: &Ctx) {
    let q = queue(ctx);
    q.put(1).unwrap();
    let d = q.receive().unwrap();
    let first_id = d.id().clone();
    let nacked = Instant::now();
    d.nack(Duration::from_millis(400)).unwrap();
    assert!(q.try_receive().unwrap().is_none());
    assert_eq!(q.stats().unwrap().delayed, 1);
    let again = q
        .receive_timeout(Duration::from_secs(5))
        .unwrap()
        .expect("redelivered");
    let after = nacked.elapsed();
    assert!(
        after >= Duration::from_millis(400),
        "redelivered after {after:?}"
    );
    assert!(after < Duration::from_millis(400) + SLACK, "{after:?}");
    assert_eq!((*again.item(), again.deliveries()), (1, 2));
    assert_ne!(again.id(), &first_id);
    again.nack(Duration::ZERO).unwrap();
    let third = q.try_receive().unwrap().expect("at once");
    assert_eq!(third.deliveries(), 3);
    third.ack().unwrap();
}

fn test_put_delayed_is_never_early(ctx: &Ctx) {
    let q = queue(ctx);
    let put = Instant::now();
    let token = q.put_delayed(3, Duration::from_millis(500)).unwrap();
    assert!(q.try_receive().unwrap().is_none());
    let stats = q.stats().unwrap();
    assert_eq!((stats.delayed, stats.ready), (1, 0));
    let d = q
        .receive_timeout(Duration::from_secs(5))
        .unwrap()
        .expect("due");
    let after = put.elapsed();
    assert!(
        after >= Duration::from_millis(500),
        "delivered after {after:?}"
    );
    assert!(after < Duration::from_millis(500) + SLACK, "{after:?}");
    assert_eq!((*d.item(), d.deliveries()), (3, 1));
    assert_ne!(d.id(), &token);
    d.ack().unwrap();
    q.put_delayed(4, Duration::ZERO).unwrap();
    q.try_receive().unwrap().expect("no delay").ack().unwrap();
}

fn test_put_unique_duplicate_then_after_the_window(ctx: &Ctx) {
    let q: Queue = RedisWorkQueue::builder(&ctx.client, &ctx.key("wq"))
        .dedup_window(Duration::from_millis(300))
        .build()
        .unwrap();
    let PutOutcome::Added(id) = q.put_unique(1, "order-42").unwrap() else {
        panic!("added");
    };
    assert_eq!(q.put_unique(1, "order-42").unwrap(), PutOutcome::Duplicate);
    assert!(q.put_unique(2, "order-43").unwrap().is_added());
    assert_eq!(q.stats().unwrap().ready, 2);
    // Acked, it is still a duplicate within the window.
    let d = q.receive().unwrap();
    assert_eq!(d.id(), &id);
    d.ack().unwrap();
    assert_eq!(q.put_unique(1, "order-42").unwrap(), PutOutcome::Duplicate);
    std::thread::sleep(Duration::from_millis(400));
    assert!(q.put_unique(1, "order-42").unwrap().is_added());
}

/// Every count, in a state built on purpose.
fn test_stats_are_exact(ctx: &Ctx) {
    let q = queue(ctx);
    assert_eq!(q.stats().unwrap(), pottery::WorkQueueStats::default());
    q.put_many(1..=6).unwrap();
    let mut got = q.receive_many(3).unwrap().into_iter();
    got.next().unwrap().ack().unwrap();
    let _held = got.next().unwrap();
    got.next().unwrap().nack(Duration::from_secs(60)).unwrap();
    q.put_delayed(7, Duration::from_secs(60)).unwrap();
    let strict: Queue = RedisWorkQueue::builder(&ctx.client, q.key())
        .max_deliveries(1)
        .build()
        .unwrap();
    strict.receive().unwrap().nack(Duration::ZERO).unwrap(); // dead
    std::thread::sleep(20 * MS);
    let stats = q.stats().unwrap();
    assert_eq!(
        (stats.ready, stats.in_flight, stats.delayed, stats.dead),
        (2, 1, 2, 1)
    );
    let age = stats.oldest_age.expect("entries");
    assert!(age >= 20 * MS && age < SLACK + SLACK, "{age:?}");
}

/// An item that does not decode is dead-lettered at once (reason "decode"),
/// kept whole, and the queue keeps flowing.
fn test_undecodable_items_are_dead_lettered(ctx: &Ctx) {
    let q = queue(ctx);
    let text: sync::RedisWorkQueue<String> = sync::RedisWorkQueue::new(&ctx.client, q.key());
    text.put("not a number").unwrap();
    q.put(8).unwrap();
    let d = q.receive().unwrap();
    assert_eq!(*d.item(), 8);
    d.ack().unwrap();
    let dead = q.dead_letters(10).unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].reason, "decode");
    assert_eq!(dead[0].item, Err(b"\"not a number\"".to_vec()));
    assert_eq!(
        text.dead_letters(1).unwrap()[0].item.as_deref(),
        Ok("not a number")
    );
}

fn test_wrong_type_key_is_a_typed_error(ctx: &Ctx) {
    let q = queue(ctx);
    sync::RedisList::<i64>::new(&ctx.client, q.key())
        .push(1)
        .unwrap();
    let errs = [
        q.put(1).unwrap_err(),
        q.put_many([1, 2]).unwrap_err(),
        q.try_receive().unwrap_err(),
        q.receive_timeout(100 * MS).unwrap_err(),
        q.stats().unwrap_err(),
    ];
    for err in errs {
        assert_eq!(err.kind(), ErrorKind::WrongType, "{err}");
        assert_eq!(err.key(), Some(q.key()));
        assert!(err.to_string().contains("holds a list"), "{err}");
    }
}

fn test_async_put_receive_ack_nack(ctx: &Ctx) {
    let q: future::RedisWorkQueue<i64> = RedisWorkQueue::builder(&ctx.client, &ctx.key("wq"))
        .lease(Duration::from_millis(300))
        .build()
        .unwrap();
    ctx.block_on(async {
        assert!(q.receive_timeout(50 * MS).await.unwrap().is_none());
        let producer = q.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            producer.put_many([1, 2]).await.unwrap();
        });
        let d: future::Delivery<i64> = q.receive().await.unwrap();
        assert_eq!(*d.item(), 1);
        // Renewed while alive, in async mode too.
        tokio::time::sleep(Duration::from_millis(900)).await;
        assert!(!d.lease_lost());
        d.ack().await.unwrap();
        let d = q.try_receive().await.unwrap().expect("2");
        d.nack(Duration::from_millis(200)).await.unwrap();
        let d = q
            .receive_timeout(Duration::from_secs(5))
            .await
            .unwrap()
            .expect("back");
        assert_eq!((*d.item(), d.deliveries()), (2, 2));
        d.ack().await.unwrap();
        assert!(q.put_unique(3, "u").await.unwrap().is_added());
        q.put_delayed(4, 100 * MS).await.unwrap();
        let many = q
            .receive_many_timeout(5, Duration::from_secs(5))
            .await
            .unwrap();
        assert!(!many.is_empty());
        let stats = q.stats().await.unwrap();
        assert_eq!(stats.in_flight, many.len() as u64);
        assert!(q.dead_letters(5).await.unwrap().is_empty());
    });
}

/// Python pottery's `RedisSimpleQueue.put` feeds a work queue at the same key.
fn test_python_producer_feeds_the_work_queue(ctx: &Ctx) {
    let q: sync::RedisWorkQueue<pottery::json::Value> =
        sync::RedisWorkQueue::new(&ctx.client, &ctx.key("wq"));
    let script = "import os, sys\nfrom redis import Redis\nfrom pottery import RedisSimpleQueue\n\
        q = RedisSimpleQueue(redis=Redis.from_url(os.environ['REDIS_URL']), key=sys.stdin.read().strip())\n\
        for item in [1, 'two', {'k': [3]}]: q.put(item)\n";
    pottery_testkit::python(script, &ctx.url(), q.key());
    let got: Vec<String> = (0..3)
        .map(|_| {
            let d = q
                .receive_timeout(Duration::from_secs(5))
                .unwrap()
                .expect("put by Python");
            let text = pottery::json::to_string(d.item()).unwrap();
            d.ack().unwrap();
            text
        })
        .collect();
    assert_eq!(got, ["1", "\"two\"", r#"{"k": [3]}"#]);
}

pub(crate) fn suite() -> support::Suite {
    support::Suite::new(
        "workqueue",
        vec![
            (
                &[Target::Server],
                cases![test_python_producer_feeds_the_work_queue],
            ),
            (&[Target::Server, Target::Cluster], everywhere()),
        ],
    )
}

fn everywhere() -> Vec<support::Case> {
    cases![
        test_put_receive_ack,
        test_receive_timeout_returns_none_in_time,
        test_blocked_receive_wakes_on_put,
        test_group_is_made_when_missing,
        test_receive_many_and_put_many,
        test_put_many_is_one_round_trip,
        test_nack_redelivers_after_retry_after_not_before,
        test_lease_expiry_redelivers_to_another_consumer,
        test_renewal_keeps_a_slow_consumers_lease,
        test_lost_lease_signal,
        test_ack_of_an_entry_gone_is_lease_lost,
        test_gone_consumers_are_forgotten,
        test_max_deliveries_dead_letters,
        test_put_delayed_is_never_early,
        test_put_unique_duplicate_then_after_the_window,
        test_stats_are_exact,
        test_undecodable_items_are_dead_lettered,
        test_wrong_type_key_is_a_typed_error,
        test_async_put_receive_ack_nack,
    ]
}
