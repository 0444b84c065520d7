//! One deadline per call: with the server frozen (SIGSTOP) or a cluster slot held
//! half-migrated, every call returns within its deadline + 10%, in both modes,
//! whether its connection is pooled, idle or must be (re)opened; afterwards the
//! client recovers by itself. Each case starts the servers it freezes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use crate::support;

use std::time::{Duration, Instant};

use pottery::{Client, Error, future, sync};
use pottery_testkit::Server;
use support::{Ctx, Target};

/// The response timeout of the frozen-server cases.
const TIMEOUT: Duration = Duration::from_millis(300);

/// The response timeout of the cluster cases.
const CLUSTER_TIMEOUT: Duration = Duration::from_secs(1);

/// A client on `server` whose calls have `TIMEOUT` (and the default 5 s
/// connect timeout, which a new connection must not wait out).
fn client(server: &Server) -> Client {
    Client::builder(&server.url())
        .response_timeout(TIMEOUT)
        .build()
        .unwrap()
}

/// Runs `call`, checks that it failed with a timeout naming `key` within
/// `deadline` + 10%, and returns how long it took.
fn times_out<T: std::fmt::Debug>(
    what: &str,
    key: &str,
    deadline: Duration,
    call: impl FnOnce() -> pottery::Result<T>,
) -> Duration {
    let started = Instant::now();
    let result = call();
    let took = started.elapsed();
    let err: Error = match result {
        Ok(value) => panic!("{what}: answered {value:?} while frozen"),
        Err(err) => err,
    };
    assert!(err.is_timeout(), "{what}: {err:?}");
    assert_eq!(err.key(), Some(key), "{what}: {err:?}");
    within(what, deadline, took);
    took
}

/// Checks that `took` is within `deadline` + 10%, and prints it for the record.
fn within(what: &str, deadline: Duration, took: Duration) {
    eprintln!("{what}: {took:?} (deadline {deadline:?})");
    assert!(
        took <= deadline + deadline / 10,
        "{what}: took {took:?}, deadline {deadline:?}"
    );
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn blocking_first_call_opens_within_the_deadline(_: &Ctx) {
    let server = Server::start();
    let client = client(&server);
    let d: sync::RedisDict<String, i64> = sync::RedisDict::new(&client, "d");
    server.freeze();
    // The TCP connect succeeds (the kernel accepts), the handshake never ends.
    times_out("blocking, first call", "d", TIMEOUT, || d.get("x"));
    times_out("blocking, next call", "d", TIMEOUT, || d.get("x"));
    server.thaw();
    assert_eq!(d.get("x").unwrap(), None);
}

fn blocking_calls_on_a_frozen_server(_: &Ctx) {
    let server = Server::start();
    let client = client(&server);
    let d: sync::RedisDict<String, i64> = sync::RedisDict::new(&client, "d");
    d.insert("x", 1).unwrap();
    server.freeze();
    // The pooled connection times out and is dropped; the next call opens a
    // new one, which gets only what is left of its deadline.
    times_out("blocking, pooled connection", "d", TIMEOUT, || d.get("x"));
    times_out("blocking, new connection", "d", TIMEOUT, || d.get("x"));
    times_out("blocking, a write", "d", TIMEOUT, || d.insert("y", 2));
    server.thaw();
    assert_eq!(d.get("x").unwrap(), Some(1));
}

fn blocking_calls_with_idle_connections(_: &Ctx) {
    let server = Server::start();
    let client = client(&server);
    let d: sync::RedisDict<String, i64> = sync::RedisDict::new(&client, "d");
    // Four connections at once, then all four idle in the pool.
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for i in 0..50 {
                    d.insert("x", i).unwrap();
                }
            });
        }
    });
    server.freeze();
    for n in 0..3 {
        times_out(&format!("blocking, idle #{n}"), "d", TIMEOUT, || d.len());
    }
    server.thaw();
    assert_eq!(d.len().unwrap(), 1);
}

fn async_calls_on_a_frozen_server(_: &Ctx) {
    let server = Server::start();
    let client = client(&server);
    let connected = runtime();
    let d: future::RedisDict<String, i64> = future::RedisDict::new(&client, "d");
    connected.block_on(d.insert("x", 1)).unwrap();
    server.freeze();
    times_out("async, connected", "d", TIMEOUT, || {
        connected.block_on(d.get("x"))
    });
    times_out("async, connected again", "d", TIMEOUT, || {
        connected.block_on(d.get("x"))
    });
    // A runtime of its own needs a connection of its own: it is made within
    // what is left of the deadline.
    let fresh = runtime();
    times_out("async, new connection", "d", TIMEOUT, || {
        fresh.block_on(d.get("x"))
    });
    times_out("async, new connection again", "d", TIMEOUT, || {
        fresh.block_on(d.len())
    });
    server.thaw();
    assert_eq!(connected.block_on(d.get("x")).unwrap(), Some(1));
    assert_eq!(fresh.block_on(d.get("x")).unwrap(), Some(1));
}

fn async_first_call_connects_within_the_deadline(_: &Ctx) {
    let server = Server::start();
    let client = client(&server);
    let rt = runtime();
    let d: future::RedisDict<String, i64> = future::RedisDict::new(&client, "d");
    server.freeze();
    times_out("async, first call", "d", TIMEOUT, || {
        rt.block_on(d.get("x"))
    });
    // Concurrent first calls share one connection attempt, each within its own deadline.
    let started = Instant::now();
    let results = rt.block_on(async {
        let calls: Vec<_> = (0..8).map(|_| d.get("x")).collect();
        futures_util::future::join_all(calls).await
    });
    within(
        "async, 8 concurrent first calls",
        TIMEOUT,
        started.elapsed(),
    );
    assert!(
        results
            .iter()
            .all(|r| r.as_ref().is_err_and(Error::is_timeout))
    );
    server.thaw();
    assert_eq!(rt.block_on(d.get("x")).unwrap(), None);
}

fn a_client_from_redis_rs_keeps_its_deadline(_: &Ctx) {
    let server = Server::start();
    let redis_client = redis::Client::open(server.url()).unwrap();
    let plain = Client::from(redis_client.clone());
    assert_eq!(plain.response_timeout(), pottery::DEFAULT_RESPONSE_TIMEOUT);
    let d: sync::RedisDict<String, i64> = sync::RedisDict::new(&plain, "d");
    d.insert("x", 1).unwrap();
    let short = pottery::ClientBuilder::from(redis_client)
        .response_timeout(TIMEOUT)
        .build()
        .unwrap();
    let d: sync::RedisDict<String, i64> = sync::RedisDict::new(&short, "d");
    assert_eq!(d.get("x").unwrap(), Some(1));
    server.freeze();
    times_out("from redis::Client, blocking", "d", TIMEOUT, || d.get("x"));
    server.thaw();
    assert_eq!(d.get("x").unwrap(), Some(1));
}

fn no_limit_and_zero(_: &Ctx) {
    let server = Server::start();
    let unlimited = Client::builder(&server.url())
        .connect_timeout(Duration::MAX)
        .response_timeout(Duration::MAX)
        .build()
        .unwrap();
    assert_eq!(unlimited.response_timeout(), Duration::MAX);
    let d: sync::RedisDict<String, i64> = sync::RedisDict::new(&unlimited, "d");
    d.insert("x", 1).unwrap();
    assert_eq!(d.get("x").unwrap(), Some(1));
    let ad: future::RedisDict<String, i64> = future::RedisDict::new(&unlimited, "d");
    assert_eq!(runtime().block_on(ad.get("x")).unwrap(), Some(1));
    for zero in [
        Client::builder(&server.url()).response_timeout(Duration::ZERO),
        Client::builder(&server.url()).connect_timeout(Duration::ZERO),
        Client::cluster_builder(["redis://127.0.0.1:1"]).response_timeout(Duration::ZERO),
    ] {
        let err = zero.build().unwrap_err();
        assert!(err.kind() == pottery::ErrorKind::Config, "{err:?}");
    }
}

/// A call on a key whose slot is `MIGRATING`: the HyperLogLog's membership test
/// declares a scratch key of the slot that does not exist, so the owner answers
/// `TRYAGAIN` for as long as the migration lasts.
fn cluster_calls_while_a_slot_migrates(ctx: &Ctx) {
    // Its own cluster: the suites running beside it share the common one.
    let cluster = pottery_testkit::Cluster::start();
    let key = ctx.key("hll");
    let client = Client::cluster_builder(cluster.urls())
        .response_timeout(CLUSTER_TIMEOUT)
        .build()
        .unwrap();
    let blocking: sync::HyperLogLog<String> = sync::HyperLogLog::new(&client, &key);
    let asynchronous: future::HyperLogLog<String> = future::HyperLogLog::new(&client, &key);
    let rt = runtime();
    blocking.insert("a".to_owned()).unwrap();
    assert!(rt.block_on(asynchronous.contains("a".to_owned())).unwrap());
    let migration = cluster.migrate_slot_of(&key);
    for round in 0..2 {
        let started = Instant::now();
        let result = blocking.contains("a".to_owned());
        within(
            &format!("cluster, blocking #{round}"),
            CLUSTER_TIMEOUT,
            started.elapsed(),
        );
        assert!(result.is_err(), "answered while migrating: {result:?}");
        let started = Instant::now();
        let result = rt.block_on(asynchronous.contains("a".to_owned()));
        within(
            &format!("cluster, async #{round}"),
            CLUSTER_TIMEOUT,
            started.elapsed(),
        );
        assert!(result.is_err(), "answered while migrating: {result:?}");
    }
    // A new connection (a new pooled one, a new runtime's) keeps the deadline too.
    client.close_idle();
    let started = Instant::now();
    let result = blocking.contains("a".to_owned());
    within(
        "cluster, blocking, new connection",
        CLUSTER_TIMEOUT,
        started.elapsed(),
    );
    assert!(result.is_err(), "{result:?}");
    let started = Instant::now();
    let result = runtime().block_on(asynchronous.contains("a".to_owned()));
    within(
        "cluster, async, new connection",
        CLUSTER_TIMEOUT,
        started.elapsed(),
    );
    assert!(result.is_err(), "{result:?}");
    drop(migration);
    assert!(blocking.contains("a".to_owned()).unwrap());
    assert!(rt.block_on(asynchronous.contains("a".to_owned())).unwrap());
}

/// A cluster whose master for the key is frozen: a call with a pooled
/// connection, then calls that must reconnect to that master (blocking: the
/// timed-out connection is dropped; async: a new runtime's connection).
fn cluster_calls_on_a_frozen_master(_: &Ctx) {
    let cluster = pottery_testkit::Cluster::start(); // its own: it gets frozen
    let client = Client::cluster_builder(cluster.urls())
        .response_timeout(TIMEOUT)
        .build()
        .unwrap();
    let d: sync::RedisDict<String, i64> = sync::RedisDict::new(&client, "d");
    let ad: future::RedisDict<String, i64> = future::RedisDict::new(&client, "d");
    let connected = runtime();
    d.insert("x", 1).unwrap();
    assert_eq!(connected.block_on(ad.get("x")).unwrap(), Some(1));
    let frozen = cluster.freeze_master_of("d");
    times_out("cluster frozen, blocking, pooled", "d", TIMEOUT, || {
        d.get("x")
    });
    times_out("cluster frozen, blocking, reconnect", "d", TIMEOUT, || {
        d.get("x")
    });
    times_out("cluster frozen, async, connected", "d", TIMEOUT, || {
        connected.block_on(ad.get("x"))
    });
    let fresh = runtime();
    times_out(
        "cluster frozen, async, new connection",
        "d",
        TIMEOUT,
        || fresh.block_on(ad.get("x")),
    );
    drop(frozen);
    assert_eq!(d.get("x").unwrap(), Some(1));
    assert_eq!(connected.block_on(ad.get("x")).unwrap(), Some(1));
}

fn cluster_no_limit(ctx: &Ctx) {
    let client = Client::cluster_builder(ctx.env.cluster().urls())
        .connect_timeout(Duration::MAX)
        .response_timeout(Duration::MAX)
        .build()
        .unwrap();
    let key = ctx.key("d");
    let d: sync::RedisDict<String, i64> = sync::RedisDict::new(&client, &key);
    d.insert("x", 1).unwrap();
    let ad: future::RedisDict<String, i64> = future::RedisDict::new(&client, &key);
    assert_eq!(runtime().block_on(ad.get("x")).unwrap(), Some(1));
    let from_redis_rs =
        Client::from(redis::cluster::ClusterClient::new(ctx.env.cluster().urls()).unwrap());
    let d: sync::RedisDict<String, i64> = sync::RedisDict::new(&from_redis_rs, &key);
    assert_eq!(d.get("x").unwrap(), Some(1));
}

pub(crate) fn suite() -> support::Suite {
    support::Suite::new(
        "deadline",
        vec![
            (
                &[Target::Server],
                cases![
                    blocking_first_call_opens_within_the_deadline,
                    blocking_calls_on_a_frozen_server,
                    blocking_calls_with_idle_connections,
                    async_calls_on_a_frozen_server,
                    async_first_call_connects_within_the_deadline,
                    a_client_from_redis_rs_keeps_its_deadline,
                    no_limit_and_zero,
                ],
            ),
            (
                &[Target::Cluster],
                cases![
                    cluster_calls_while_a_slot_migrates,
                    cluster_calls_on_a_frozen_master,
                    cluster_no_limit
                ],
            ),
        ],
    )
}
