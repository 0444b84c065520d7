//! The replicated cluster's helpers do what they say: a killed or frozen
//! master is replaced by its replica, and a held migration ends by itself.

use std::time::{Duration, Instant};

use pottery_testkit::ReplicatedCluster;

#[test]
fn kill_freeze_and_hold_migrating() {
    let cluster = ReplicatedCluster::start();
    assert_eq!(cluster.master_urls().len(), 3);

    let old = cluster.master_of("a");
    let failover = cluster.kill_master_of("a");
    eprintln!("kill: {failover:?}");
    assert_eq!(failover.old_master, old);
    assert_ne!(cluster.master_of("a"), old);
    assert_eq!(cluster.urls().len(), 5);

    let frozen = cluster.freeze_master_of("b");
    let start = Instant::now();
    let failover = cluster.await_failover("b", &frozen.url, start);
    eprintln!("freeze: {failover:?}");
    assert_ne!(cluster.master_of("b"), frozen.url);
    drop(frozen);

    let held = cluster.hold_migrating("c", Duration::from_millis(300));
    let start = Instant::now();
    held.join();
    assert!(start.elapsed() >= Duration::from_millis(250));
}
