//! Replica acknowledgement (issue 12, point 5): `wait_for_replicas` on a
//! master with one replica and on a replicated cluster, blocking and async:
//! the count acknowledged, a frozen replica (the documented refusal, within
//! the deadline, nothing left held), and a failover after an acknowledged
//! acquire (the promoted replica has the hold). Each case starts its servers.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use crate::support;

use std::time::{Duration, Instant};

use pottery::{Client, ErrorKind, future, sync};
use pottery_testkit::{ReplicatedCluster, Server};
use support::{Ctx, Target};

/// `WAIT`'s timeout in these cases.
const WAIT: Duration = Duration::from_millis(300);

/// How long a refused attempt may take on a loaded machine: the wait, plus
/// round trips and the release, with a generous margin.
const REFUSED_WITHIN: Duration = Duration::from_secs(3);

fn lock_on(master: Client, name: &str, replicas: u32) -> sync::Redlock {
    sync::Redlock::builder(name)
        .master(master)
        .wait_for_replicas(replicas, WAIT)
        .build()
        .unwrap()
}

/// `DEL key` on the server at `url`.
fn raw_del(url: &str, key: &str) -> i64 {
    let client = redis::Client::open(url).unwrap();
    let mut con = client.get_connection().unwrap();
    redis::cmd("DEL").arg(key).query(&mut con).unwrap()
}

/// `GET key` on the server at `url` (a replica answers reads).
fn get_on(url: &str, key: &str) -> Option<String> {
    let client = redis::Client::open(url).unwrap();
    let mut con = client.get_connection().unwrap();
    redis::cmd("GET").arg(key).query(&mut con).unwrap()
}

/// One replica acknowledges: the guard says so, and the replica holds the
/// token already (no waiting on our side). Asking for two refuses, typed,
/// and leaves nothing held; without raising, it is merely not acquired.
fn replicated_server_acknowledges(_: &Ctx) {
    let master = Server::start();
    let replica = Server::start_replica_of(&master);
    let client = Client::open(&master.url()).unwrap();
    let lock = lock_on(client.clone(), "printer", 1);
    let guard = lock.acquire().unwrap();
    assert_eq!(guard.replicas_acknowledged(), Some(1));
    assert_eq!(
        get_on(&replica.url(), lock.key()).as_deref(),
        Some(guard.token())
    );
    guard.release().unwrap();

    let greedy = lock_on(client.clone(), "greedy", 2);
    let start = Instant::now();
    let err = greedy.try_acquire().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotReplicated, "{err}");
    assert_eq!(err.key(), Some("redlock:greedy"));
    assert!(
        start.elapsed() >= WAIT,
        "WAIT waited: {:?}",
        start.elapsed()
    );
    assert!(start.elapsed() < REFUSED_WITHIN, "{:?}", start.elapsed());
    assert_eq!(get_on(&master.url(), greedy.key()), None, "released");
    let quiet: sync::Redlock = sync::Redlock::builder("greedy")
        .master(client.clone())
        .wait_for_replicas(2, WAIT)
        .raise_on_redis_errors(false)
        .build()
        .unwrap();
    assert!(quiet.try_acquire().unwrap().is_none());
    assert_eq!(get_on(&master.url(), quiet.key()), None, "released");

    // Async, through the same pipeline on a blocking connection.
    let lock: future::Redlock = future::Redlock::builder("printer")
        .master(client)
        .wait_for_replicas(1, WAIT)
        .build()
        .unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let guard = lock.acquire().await.unwrap();
        assert_eq!(guard.replicas_acknowledged(), Some(1));
        guard.release().await.unwrap();
    });
}

/// A frozen replica cannot acknowledge: the attempt fails with
/// `NotReplicated` within the deadline, blocking and async, and leaves the
/// lock free; once thawed, acquiring works again.
fn frozen_replica_refuses_within_the_deadline(_: &Ctx) {
    let master = Server::start();
    let replica = Server::start_replica_of(&master);
    let client = Client::open(&master.url()).unwrap();
    let lock = lock_on(client.clone(), "printer", 1);
    let alock: future::Redlock = future::Redlock::builder("printer")
        .master(client.clone())
        .wait_for_replicas(1, Duration::from_secs(1))
        .build()
        .unwrap();
    let probe = future::RedisDict::<String, i64>::new(&client, "probe");
    replica.freeze();
    let start = Instant::now();
    let err = lock.try_acquire().unwrap_err();
    let took = start.elapsed();
    assert_eq!(err.kind(), ErrorKind::NotReplicated, "{err}");
    assert!(took >= WAIT && took < REFUSED_WITHIN, "{took:?}");
    assert_eq!(get_on(&master.url(), lock.key()), None, "released");
    // A waiting acquire fails the same way rather than waiting forever.
    let err = lock.acquire_timeout(Duration::from_secs(5)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotReplicated, "{err}");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        probe.get("warm").await.unwrap();
        let start = Instant::now();
        // The async client's shared connection is not held up by the WAIT
        // meanwhile (it runs on a blocking connection of its own).
        let (attempt, probed) = tokio::join!(alock.try_acquire(), async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let at = Instant::now();
            probe.get("a").await.unwrap();
            at.elapsed()
        });
        let err = attempt.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotReplicated, "{err}");
        let took = start.elapsed();
        assert!(took < REFUSED_WITHIN + Duration::from_secs(1), "{took:?}");
        assert!(probed < Duration::from_millis(500), "held up: {probed:?}");
    });
    assert_eq!(get_on(&master.url(), lock.key()), None, "released");
    replica.thaw();
    let guard = lock
        .acquire_timeout(Duration::from_secs(5))
        .unwrap()
        .unwrap();
    assert_eq!(guard.replicas_acknowledged(), Some(1));
}

/// Three masters, two with a replica: the hold counts on those two (a
/// quorum); the master without one, short, is not counted (its `WAIT` still
/// waits when the quorum is reached, so its copy may outlive the release
/// until it expires, as a slow master's does in any Redlock). With one
/// replica frozen, only one master counts:
/// `NotReplicated`, and nothing stays held anywhere. Blocking and async.
fn quorum_counts_acknowledged_masters(_: &Ctx) {
    let masters = [Server::start(), Server::start(), Server::start()];
    let replicas = [
        Server::start_replica_of(&masters[0]),
        Server::start_replica_of(&masters[1]),
    ];
    let clients: Vec<Client> = masters
        .iter()
        .map(|m| Client::open(&m.url()).unwrap())
        .collect();
    let lock: sync::Redlock = sync::Redlock::builder("printer")
        .masters(clients.clone())
        .wait_for_replicas(1, WAIT)
        .build()
        .unwrap();
    let alock: future::Redlock = future::Redlock::builder("printer")
        .masters(clients)
        .wait_for_replicas(1, WAIT)
        .build()
        .unwrap();
    let held_on = |key: &str| {
        masters
            .iter()
            .filter(|m| get_on(&m.url(), key).is_some())
            .count()
    };
    // The short master's copy may outlive the release (see above): waits
    // out its WAIT, then deletes it, so that each step starts clean.
    let clear_short = || {
        std::thread::sleep(WAIT + Duration::from_millis(300));
        raw_del(&masters[2].url(), "redlock:printer");
    };
    let guard = lock.acquire().unwrap();
    assert_eq!(guard.replicas_acknowledged(), Some(1));
    assert!(held_on(lock.key()) >= 2);
    guard.release().unwrap();
    for replicated in &masters[..2] {
        assert_eq!(get_on(&replicated.url(), lock.key()), None, "released");
    }
    clear_short();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let guard = alock.acquire().await.unwrap();
        assert_eq!(guard.replicas_acknowledged(), Some(1));
        guard.release().await.unwrap();
    });
    for replicated in &masters[..2] {
        assert_eq!(get_on(&replicated.url(), lock.key()), None, "released");
    }
    clear_short();

    replicas[1].freeze();
    let err = lock.try_acquire().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotReplicated, "{err}");
    assert_eq!(held_on(lock.key()), 0, "released everywhere");
    let err = rt.block_on(alock.try_acquire()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotReplicated, "{err}");
    assert_eq!(held_on(lock.key()), 0, "released everywhere");
    replicas[1].thaw();
}

/// The master dies right after an acknowledged acquire; its replica, promoted,
/// has the hold: another contender on it is refused.
fn failover_keeps_an_acknowledged_hold(_: &Ctx) {
    let mut master = Server::start();
    let replica = Server::start_replica_of(&master);
    let lock = lock_on(Client::open(&master.url()).unwrap(), "printer", 1);
    let guard = lock.acquire().unwrap();
    master.stop(); // SIGKILL, right after the acquire
    replica.promote();
    assert_eq!(
        get_on(&replica.url(), lock.key()).as_deref(),
        Some(guard.token())
    );
    let successor = sync::Redlock::new(&Client::open(&replica.url()).unwrap(), "printer");
    assert!(successor.try_acquire().unwrap().is_none(), "still held");
    drop(guard); // its master is gone: the release fails quietly
}

/// On a cluster `Client` as the master, `WAIT` runs on the master of the lock
/// key's slot (blocking and async); killing that master after the acquire
/// fails over to its replica, which has the hold.
fn replicated_cluster_keeps_the_hold(_: &Ctx) {
    let cluster = ReplicatedCluster::start();
    let client = Client::cluster(cluster.urls()).unwrap();
    let lock = lock_on(client.clone(), "printer", 1);
    let guard = lock.acquire().unwrap();
    assert_eq!(guard.replicas_acknowledged(), Some(1));
    let alock: future::Redlock = future::Redlock::builder("async")
        .master(client.clone())
        .wait_for_replicas(1, WAIT)
        .build()
        .unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let guard = alock.acquire().await.unwrap();
        assert_eq!(guard.replicas_acknowledged(), Some(1));
        guard.release().await.unwrap();
    });
    // Two replicas per master are more than the cluster has.
    let err = lock_on(client.clone(), "greedy", 2)
        .try_acquire()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotReplicated, "{err}");

    // A frozen replica, of a master other than the printer's (whose replica
    // must stay healthy for the failover below): refused within the deadline.
    let name = (0..)
        .map(|i| format!("frozen{i}"))
        .find(|n| cluster.master_of(&format!("redlock:{n}")) != cluster.master_of(lock.key()))
        .unwrap();
    let frozen = lock_on(client.clone(), &name, 1);
    let ice = cluster.freeze_replica_of(frozen.key());
    let start = Instant::now();
    let err = frozen.try_acquire().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotReplicated, "{err}");
    assert!(start.elapsed() < REFUSED_WITHIN, "{:?}", start.elapsed());
    let raw = |key: &str| -> Option<String> {
        client
            .with_connection(|con| redis::cmd("GET").arg(key).query(con))
            .unwrap()
    };
    assert_eq!(raw(frozen.key()), None, "released");
    drop(ice);

    let failover = cluster.kill_master_of(lock.key());
    assert_eq!(
        get_on(&failover.new_master, lock.key()).as_deref(),
        Some(guard.token()),
        "the promoted replica has the hold"
    );
    let fresh = Client::cluster(cluster.urls()).unwrap();
    let successor = sync::Redlock::new(&fresh, "printer");
    assert!(successor.try_acquire().unwrap().is_none(), "still held");
    // The old client's route to the killed master may not have caught up yet
    // (the release's 100 ms are its only chance): drop, whatever comes of it.
    drop(guard);
}

/// Zero replicas or a zero wait are configuration errors.
fn bad_settings_are_refused(ctx: &Ctx) {
    let build = |n, t| {
        sync::Redlock::builder("x")
            .master(ctx.client.clone())
            .wait_for_replicas(n, t)
            .build()
    };
    assert_eq!(build(0, WAIT).unwrap_err().kind(), ErrorKind::Config);
    assert_eq!(
        build(1, Duration::ZERO).unwrap_err().kind(),
        ErrorKind::Config
    );
    assert!(build(1, Duration::MAX).is_ok());
}

pub(crate) fn suite() -> support::Suite {
    support::Suite::new(
        "redlock_replicas",
        vec![
            (
                &[Target::Server],
                cases![
                    replicated_server_acknowledges,
                    frozen_replica_refuses_within_the_deadline,
                    failover_keeps_an_acknowledged_hold,
                    quorum_counts_acknowledged_masters,
                    bad_settings_are_refused,
                ],
            ),
            (
                &[Target::Cluster],
                cases![replicated_cluster_keeps_the_hold],
            ),
        ],
    )
}
