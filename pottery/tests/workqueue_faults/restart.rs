//! Lost replies (the fault proxy drops them) on put, receive and ack; and a
//! master restarted with the AOF on. On a single server (a proxy in front of
//! it; the server restarted) and on a cluster of its own whose nodes are all
//! reached through proxies ([`ProxiedCluster`]: the proxy of the key's master
//! drops the replies; that master restarts).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use pottery::sync::RedisWorkQueue;
use pottery::{Client, ErrorKind, PutOutcome};
use pottery_testkit::{Fault, ProxiedCluster, Proxy, Server};

use super::assert_empty;
use crate::support::{Ctx, Target};

/// The response timeout of the clients whose replies are lost.
const TIMEOUT: Duration = Duration::from_millis(300);
const LEASE: Duration = Duration::from_millis(300);
/// The AOF on, and every write on disk before its reply.
const AOF: [&str; 4] = ["--appendonly", "yes", "--appendfsync", "always"];

/// Makes sure `queue`'s client has a healthy pooled connection again after a
/// fault (the one the fault broke is dropped; one opened during a fault never
/// sends its request).
fn settle(queue: &RedisWorkQueue<u32>) {
    for _ in 0..5 {
        if queue.stats().is_ok() {
            return;
        }
    }
    panic!("the client did not recover");
}

fn queue(client: &Client, key: &str) -> RedisWorkQueue<u32> {
    RedisWorkQueue::builder(client, key)
        .lease(LEASE)
        .build()
        .unwrap()
}

/// Receives and acks until the queue stays empty for a few leases; the items
/// and the deliveries each had.
fn drain(queue: &RedisWorkQueue<u32>) -> BTreeMap<u32, Vec<u32>> {
    let mut seen: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    while let Some(d) = queue.receive_timeout(LEASE * 4).unwrap() {
        seen.entry(*d.item()).or_default().push(d.deliveries());
        d.ack().unwrap();
    }
    seen
}

/// A client with [`TIMEOUT`] for `urls` of `target`.
fn client(target: Target, urls: Vec<String>) -> Client {
    match target {
        Target::Server => Client::builder(&urls[0]).response_timeout(TIMEOUT).build(),
        Target::Cluster => Client::cluster_builder(urls)
            .response_timeout(TIMEOUT)
            .build(),
    }
    .unwrap()
}

pub(crate) fn lost_replies_on_put_receive_ack(ctx: &Ctx) {
    let key = ctx.key("jobs");
    match ctx.target {
        Target::Server => {
            let proxy = Proxy::start(ctx.env.server());
            let through = client(ctx.target, vec![proxy.url()]);
            lost_replies(ctx, &key, &proxy, &through, &ctx.client);
        }
        Target::Cluster => {
            let cluster = ProxiedCluster::start_with(&[]);
            let through = client(ctx.target, cluster.urls());
            // Through the proxies too (the cluster sends every client there),
            // so used only while no fault is on.
            let direct = Client::cluster(cluster.urls()).unwrap();
            lost_replies(ctx, &key, cluster.proxy_of(&key), &through, &direct);
        }
    }
}

/// The lost-reply cases: `through` reaches the key's master through `proxy`;
/// `direct` is used only while the proxy forwards.
fn lost_replies(ctx: &Ctx, key: &str, proxy: &Proxy, through: &Client, direct: &Client) {
    let (faulty, direct) = (queue(through, key), queue(direct, key));
    // Every script loaded first: a first EVALSHA meets NOSCRIPT and changes
    // nothing, so its lost reply would prove nothing about a lost reply.
    assert!(faulty.put_unique(0, "warm-up").unwrap().is_added());
    faulty
        .receive_timeout(Duration::from_secs(2))
        .unwrap()
        .unwrap()
        .ack()
        .unwrap();

    // Ack: the server acks, the reply is lost: OutcomeUnknown, and the item is
    // never delivered again (it was acked).
    direct.put(10).unwrap();
    let d = faulty
        .receive_timeout(Duration::from_secs(2))
        .unwrap()
        .unwrap();
    assert_eq!(*d.item(), 10);
    proxy.set(Fault::Drop);
    let err = d.ack().unwrap_err();
    proxy.clear();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown, "{err}");
    settle(&faulty);

    // Put: the item lands, the reply is lost: OutcomeUnknown.
    proxy.set(Fault::Drop);
    let err = faulty.put(1).unwrap_err();
    proxy.clear();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown, "{err}");
    settle(&faulty);

    // put_unique, reply lost: OutcomeUnknown; retried with the same id, it is
    // a duplicate: the item is there once.
    proxy.set(Fault::Drop);
    let err = faulty.put_unique(2, "order-2").unwrap_err();
    proxy.clear();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown, "{err}");
    settle(&faulty);
    assert_eq!(
        faulty.put_unique(2, "order-2").unwrap(),
        PutOutcome::Duplicate
    );

    // put_unique, request lost (black hole): the same error, and the retry adds it.
    proxy.set(Fault::BlackHole);
    let err = faulty.put_unique(3, "order-3").unwrap_err();
    proxy.clear();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown, "{err}");
    settle(&faulty);
    assert!(faulty.put_unique(3, "order-3").unwrap().is_added());
    assert_eq!(
        faulty.put_unique(3, "order-3").unwrap(),
        PutOutcome::Duplicate
    );

    // Async put and put_unique, replies lost.
    let afaulty: pottery::future::RedisWorkQueue<u32> =
        pottery::future::RedisWorkQueue::builder(through, key)
            .lease(LEASE)
            .build()
            .unwrap();
    ctx.block_on(async {
        // A healthy connection pooled before each fault: one opened during it
        // never sends the request (its handshake gets no reply).
        let settle = || async {
            for _ in 0..5 {
                if afaulty.stats().await.is_ok() {
                    return;
                }
            }
            panic!("the async client did not recover");
        };
        settle().await;
        proxy.set(Fault::Drop);
        let err = afaulty.put(5).await.unwrap_err();
        proxy.clear();
        assert_eq!(err.kind(), ErrorKind::OutcomeUnknown, "{err}");
        settle().await;
        proxy.set(Fault::Drop);
        let err = afaulty.put_unique(6, "order-6").await.unwrap_err();
        proxy.clear();
        assert_eq!(err.kind(), ErrorKind::OutcomeUnknown, "{err}");
        settle().await;
        assert_eq!(
            afaulty.put_unique(6, "order-6").await.unwrap(),
            PutOutcome::Duplicate
        );
    });

    // Receive: the server delivers the oldest item to `faulty`, the reply is
    // lost: an error (never "nothing there"); the item comes back after its
    // lease. (Item 4 is put first: on a cluster `direct` goes through the
    // proxy too.)
    direct.put(4).unwrap();
    settle(&faulty);
    proxy.set(Fault::Drop);
    let got = faulty.receive_timeout(Duration::from_secs(1));
    proxy.clear();
    let got = got.map(|d| d.map(|d| *d.item()));
    assert!(got.is_err(), "a lost receive reply reported as {got:?}");
    settle(&direct);

    let seen = drain(&direct);
    for item in 1..=6 {
        assert_eq!(
            seen.get(&item).map(Vec::len),
            Some(1),
            "item {item} received once: {seen:?}"
        );
    }
    assert_eq!(seen.get(&10), None, "an acked item came back: {seen:?}");
    assert_eq!(seen.len(), 6, "{seen:?}");
    // The delivery whose reply was lost (of the oldest item) came back, once.
    let again: Vec<_> = seen.iter().filter(|(_, n)| **n == [2]).collect();
    assert_eq!(again.len(), 1, "one redelivery: {seen:?}");
    assert!(seen.values().all(|n| *n == [1] || *n == [2]), "{seen:?}");
    assert_empty(&direct, 0);
    println!(
        "workqueue|proxy|target={:?} put_reply_lost=2 (OutcomeUnknown, landed once) put_unique_lost=3 (retried: once) \
         receive_lost=1 (redelivered, deliveries=2) ack_lost=1 (not redelivered) lost=0",
        ctx.target
    );
}

pub(crate) fn aof_restart_keeps_acknowledged_puts(ctx: &Ctx) {
    let key = ctx.key("jobs");
    match ctx.target {
        Target::Server => {
            let mut server = Server::start_with(&AOF);
            let client = client(ctx.target, vec![server.url()]);
            aof_restart(ctx, &client, &key, || server.restart());
        }
        Target::Cluster => {
            let mut cluster = ProxiedCluster::start_with(&AOF);
            let client = client(ctx.target, cluster.urls());
            aof_restart(ctx, &client, &key, || cluster.restart_master_of(&key));
        }
    }
}

/// Puts go on while `restart` kills the key's master (SIGKILL) and starts it
/// again with its AOF; every put that was acknowledged is there after.
fn aof_restart(ctx: &Ctx, client: &Client, key: &str, restart: impl FnOnce()) {
    let producer = queue(client, key);
    let holder = queue(client, key);
    let ok = Mutex::new(Vec::new());
    let failed = Mutex::new(0u32);
    let stop = AtomicBool::new(false);
    let mut held = Vec::new();
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let mut i = 0u32;
            while !stop.load(Ordering::Relaxed) {
                // Every 10th a delayed one, due after the restart.
                let put = if i % 10 == 9 {
                    producer.put_delayed(i, Duration::from_millis(600))
                } else {
                    producer.put(i)
                };
                match put {
                    Ok(_) => ok.lock().unwrap().push(i),
                    Err(_) => {
                        *failed.lock().unwrap() += 1;
                        std::thread::sleep(Duration::from_millis(20));
                    }
                }
                i += 1;
                std::thread::sleep(Duration::from_millis(1));
            }
        });
        std::thread::sleep(Duration::from_millis(200));
        // Deliveries held (not acked) across the restart come back after it.
        for _ in 0..3 {
            held.push(
                holder
                    .receive_timeout(Duration::from_secs(2))
                    .unwrap()
                    .unwrap(),
            );
        }
        std::thread::sleep(Duration::from_millis(200));
        restart(); // SIGKILL; the same port, directory and AOF
        std::thread::sleep(Duration::from_millis(300));
        stop.store(true, Ordering::Relaxed);
    });
    let held: Vec<u32> = held.into_iter().map(|d| *d.item()).collect();
    let started = Instant::now();
    let seen = drain(&queue(client, key));
    let ok = ok.into_inner().unwrap();
    let lost: Vec<u32> = ok
        .iter()
        .copied()
        .filter(|i| !seen.contains_key(i))
        .collect();
    assert!(
        lost.is_empty(),
        "acknowledged puts lost across the restart: {lost:?}"
    );
    for (item, deliveries) in &seen {
        let expected = if held.contains(item) { 2 } else { 1 };
        assert_eq!(
            deliveries.len(),
            1,
            "item {item} received twice: {deliveries:?}"
        );
        assert_eq!(deliveries[0], expected, "item {item}");
    }
    assert!(held.iter().all(|i| seen.contains_key(i)));
    assert_empty(&queue(client, key), 0);
    println!(
        "workqueue|aof|target={:?} put_ok={} put_failed={} held_across_restart={} received_after={} lost=0 \
         drain={:.1}s",
        ctx.target,
        ok.len(),
        failed.into_inner().unwrap(),
        held.len(),
        seen.len(),
        started.elapsed().as_secs_f64()
    );
}
