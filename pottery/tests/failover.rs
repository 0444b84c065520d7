//! Cluster failover: on a cluster of 3 masters with a replica each, a master is
//! killed (SIGKILL) or frozen (SIGSTOP) while blocking and async calls run on
//! keys of every master. Calls on the other masters keep succeeding within
//! their deadline throughout; calls on the lost master's keys fail within
//! their deadline and succeed again soon after its replica is promoted.
//! Each case starts its own cluster; the figures are printed for the notes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use crate::support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::sleep;
use std::time::{Duration, Instant};

use pottery::{Client, future, sync};
use pottery_testkit::{Failover, ReplicatedCluster};
use support::{Ctx, Target};

/// The response timeout of the probes' client: every call's deadline.
const DEADLINE: Duration = Duration::from_millis(500);

/// How soon after the promotion the lost master's keys must answer again: a
/// call in flight on the old route may still run to its deadline, then the
/// next one answers within 1 s.
const RECOVERY: Duration = Duration::from_millis(1500);

/// How long the probes keep going after the promotion.
const AFTER: Duration = Duration::from_millis(2500);

/// One probe call: when it started, how long it took, whether it succeeded.
struct Call {
    at: Instant,
    took: Duration,
    outcome: Result<(), String>,
}

/// One key on each master, the first on the master to be hit.
fn keys_on_every_master(cluster: &ReplicatedCluster) -> Vec<String> {
    let mut keys: Vec<(String, String)> = Vec::new();
    for i in 0.. {
        let key = format!("failover:{i}");
        let master = cluster.master_of(&key);
        if keys.iter().all(|(_, m)| *m != master) {
            keys.push((key, master));
        }
        if keys.len() == 3 {
            break;
        }
    }
    keys.into_iter().map(|(key, _)| key).collect()
}

/// Calls `call` back to back until `stop`, recording every call.
fn probe<T>(stop: &AtomicBool, call: impl Fn() -> pottery::Result<T>) -> Vec<Call> {
    let mut calls = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        let at = Instant::now();
        let outcome = call().map(|_| ()).map_err(|e| format!("{e}"));
        calls.push(Call {
            at,
            took: at.elapsed(),
            outcome,
        });
        // Not a busy loop: the other probes and the cluster share 2 cores.
        sleep(Duration::from_millis(10));
    }
    calls
}

/// How a master is lost.
#[derive(Clone, Copy, Debug)]
enum Fault {
    Kill,
    Freeze,
}

/// Runs blocking and async probes on a key of every master while `fault` hits
/// the first key's master, and checks what each probe saw.
fn failover(fault: Fault) {
    let cluster = ReplicatedCluster::start();
    let keys = keys_on_every_master(&cluster);
    let client = Client::cluster_builder(cluster.urls())
        .response_timeout(DEADLINE)
        .build()
        .unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let blocking: Vec<sync::RedisDict<String, i64>> = keys
        .iter()
        .map(|k| sync::RedisDict::new(&client, k))
        .collect();
    let asynchronous: Vec<future::RedisDict<String, i64>> = keys
        .iter()
        .map(|k| future::RedisDict::new(&client, k))
        .collect();
    for (b, a) in blocking.iter().zip(&asynchronous) {
        b.insert("x", 1).unwrap();
        assert_eq!(rt.block_on(a.get("x")).unwrap(), Some(1));
    }
    let stop = AtomicBool::new(false);
    let (seen, fault_at, failover) = std::thread::scope(|s| {
        let (stop, rt) = (&stop, &rt);
        let mut probes = Vec::new();
        for (i, (b, a)) in blocking.iter().zip(&asynchronous).enumerate() {
            probes.push((i, "blocking", s.spawn(move || probe(stop, || b.get("x")))));
            probes.push((
                i,
                "async",
                s.spawn(move || probe(stop, || rt.block_on(a.get("x")))),
            ));
        }
        sleep(Duration::from_millis(300));
        let fault_at = Instant::now();
        let (failover, frozen): (Failover, _) = match fault {
            Fault::Kill => (cluster.kill_master_of(&keys[0]), None),
            Fault::Freeze => {
                let frozen = cluster.freeze_master_of(&keys[0]);
                let url = frozen.url.clone();
                (
                    cluster.await_failover(&keys[0], &url, fault_at),
                    Some(frozen),
                )
            }
        };
        sleep(AFTER);
        stop.store(true, Ordering::Relaxed);
        let seen: Vec<_> = probes
            .into_iter()
            .map(|(i, mode, p)| (i, mode, p.join().unwrap()))
            .collect();
        drop(frozen); // thawed once the probes are done
        (seen, fault_at, failover)
    });
    let promoted = fault_at + failover.promoted_after;
    eprintln!(
        "{fault:?}: replica promoted after {:?}, cluster ok after {:?}",
        failover.promoted_after, failover.ok_after
    );
    let limit = DEADLINE + DEADLINE / 10;
    let mut problems = Vec::new();
    for (i, mode, calls) in &seen {
        if let Err(problem) = check(*i, mode, calls, fault, fault_at, promoted, limit) {
            problems.push(problem);
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Checks what one probe saw (and prints its figures).
fn check(
    i: usize,
    mode: &str,
    calls: &[Call],
    fault: Fault,
    fault_at: Instant,
    promoted: Instant,
    limit: Duration,
) -> Result<(), String> {
    let what = format!("{fault:?}, {mode}, key on master {i}");
    let max = calls.iter().map(|c| c.took).max().unwrap_or_default();
    let failed: Vec<&Call> = calls.iter().filter(|c| c.outcome.is_err()).collect();
    let since = |c: &Call| c.at.saturating_duration_since(fault_at);
    // The first success after the first failure, counted from the promotion
    // (a call may still succeed as the fault lands).
    let first_failure = failed.first().map_or(fault_at, |c| c.at);
    let back = calls
        .iter()
        .find(|c| c.at > first_failure && c.outcome.is_ok())
        .map(|c| (c.at + c.took).saturating_duration_since(promoted));
    let last_failure = failed.last().map(|c| since(c) + c.took);
    eprintln!(
        "{what}: {} calls, {} failed, max {max:?} (deadline {DEADLINE:?}){}",
        calls.len(),
        failed.len(),
        if i == 0 {
            format!(
                ", first success {back:?} after the promotion, last failure ended {last_failure:?} after the fault"
            )
        } else {
            String::new()
        }
    );
    if calls.len() < 20 {
        return Err(format!("{what}: only {} calls", calls.len()));
    }
    if let Some(slow) = calls.iter().find(|c| c.took > limit) {
        return Err(format!(
            "{what}: a call {:?} after the fault took {:?}: {:?}",
            since(slow),
            slow.took,
            slow.outcome
        ));
    }
    if i != 0 {
        return match failed.first() {
            None => Ok(()),
            Some(first) => Err(format!(
                "{what}: {} calls on a healthy master failed, the first {:?} after the fault: {:?}",
                failed.len(),
                since(first),
                first.outcome
            )),
        };
    }
    let back = back.ok_or_else(|| format!("{what}: never answered again"))?;
    if back > RECOVERY {
        return Err(format!(
            "{what}: answered again {back:?} after the promotion"
        ));
    }
    // Once back, it stays back.
    let settled = promoted + back;
    let late: Vec<&&Call> = failed.iter().filter(|c| c.at > settled).collect();
    match late.first() {
        None => Ok(()),
        Some(first) => Err(format!(
            "{what}: {} calls failed after it answered again, the first {:?} after the fault: {:?}",
            late.len(),
            since(first),
            first.outcome
        )),
    }
}

/// SIGKILL of a master while calls run on every master, blocking and async.
fn cluster_calls_go_on_when_a_master_is_killed(_: &Ctx) {
    failover(Fault::Kill);
}

/// SIGSTOP of a master while calls run on every master, blocking and async:
/// calls must follow the promoted replica, not keep going to the frozen node.
fn cluster_calls_follow_the_replica_of_a_frozen_master(_: &Ctx) {
    failover(Fault::Freeze);
}

/// A client idle while its master froze and a replica took over: its first
/// calls on that master's keys go to the frozen node (all it knows), then it
/// follows the new master, in both modes: blocking, the call after the first
/// timeout answers; async, the new connection takes up to 1 s to make (a
/// frozen initial node holds it up for its 500 ms connect timeout), and the
/// calls already on their way to the frozen node run to their deadline.
fn cluster_calls_after_a_failover_they_slept_through(_: &Ctx) {
    let cluster = ReplicatedCluster::start();
    let key = keys_on_every_master(&cluster).swap_remove(0);
    let client = Client::cluster_builder(cluster.urls())
        .response_timeout(DEADLINE)
        .build()
        .unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let blocking: sync::RedisDict<String, i64> = sync::RedisDict::new(&client, &key);
    let asynchronous: future::RedisDict<String, i64> = future::RedisDict::new(&client, &key);
    blocking.insert("x", 1).unwrap();
    assert_eq!(rt.block_on(asynchronous.get("x")).unwrap(), Some(1));
    let frozen = cluster.freeze_master_of(&key);
    let failover = cluster.await_failover(&key, &frozen.url, Instant::now());
    eprintln!(
        "slept through: replica promoted after {:?}",
        failover.promoted_after
    );
    for mode in ["blocking", "async"] {
        let started = Instant::now();
        let back = loop {
            let at = Instant::now();
            let result = match mode {
                "blocking" => blocking.get("x"),
                _ => rt.block_on(asynchronous.get("x")),
            };
            let took = at.elapsed();
            assert!(
                took <= DEADLINE + DEADLINE / 10,
                "{mode}: a call took {took:?}"
            );
            if result.is_ok() {
                break started.elapsed();
            }
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "{mode}: still failing: {result:?}"
            );
        };
        eprintln!("slept through, {mode}: answered again after {back:?}");
        let bound = match mode {
            "blocking" => DEADLINE + DEADLINE / 2,
            _ => 2 * DEADLINE + Duration::from_secs(1),
        };
        assert!(back <= bound, "{mode}: answered again after {back:?}");
    }
    drop(frozen);
}

/// A multi-key call on a slot being migrated gets `TRYAGAIN` until the
/// migration ends: once its retries are spent (or its deadline has come), it
/// fails as a busy cluster naming `TRYAGAIN`, not as "did not answer in time".
fn cluster_tryagain_during_a_migration_is_reported_as_such(_: &Ctx) {
    let cluster = pottery_testkit::Cluster::start(); // its own: a slot migrates
    let key = "failover:hll";
    let from_redis_rs = || redis::cluster::ClusterClient::new(cluster.urls()).unwrap();
    for (timeout, redis_rs) in [
        (Duration::from_millis(300), false),
        (Duration::from_secs(2), false),
        (pottery::DEFAULT_RESPONSE_TIMEOUT, false),
        // redis-rs's own retries (waits of 1.28 s and more) outlast the deadline.
        (Duration::from_secs(1), true),
    ] {
        let client = match redis_rs {
            false => Client::cluster_builder(cluster.urls()),
            true => pottery::ClientBuilder::from(from_redis_rs()),
        }
        .response_timeout(timeout)
        .build()
        .unwrap();
        // The membership test declares a scratch key of the slot that does not
        // exist: the owner answers TRYAGAIN while the slot migrates.
        let blocking: sync::HyperLogLog<String> = sync::HyperLogLog::new(&client, key);
        let asynchronous: future::HyperLogLog<String> = future::HyperLogLog::new(&client, key);
        let rt = tokio::runtime::Runtime::new().unwrap();
        blocking.insert("a".to_owned()).unwrap();
        assert!(rt.block_on(asynchronous.contains("a".to_owned())).unwrap());
        let migration = cluster.migrate_slot_of(key);
        // Async, a redis-rs client's retries run inside redis-rs, out of our
        // sight: its call ends at our timer, a timeout (not covered here).
        let modes: &[&str] = if redis_rs {
            &["blocking"]
        } else {
            &["blocking", "async"]
        };
        for &mode in modes {
            let started = Instant::now();
            let result = match mode {
                "blocking" => blocking.contains("a".to_owned()),
                _ => rt.block_on(asynchronous.contains("a".to_owned())),
            };
            let took = started.elapsed();
            let err = result.expect_err("answered while the slot migrates");
            eprintln!(
                "TRYAGAIN, {mode}, deadline {timeout:?}, redis-rs client {redis_rs}: {took:?}: {err}"
            );
            // A redis-rs client's retry wait (1.28 s and more) cannot be cut
            // short by a blocking call (documented on `From<ClusterClient>`).
            let overrun = if redis_rs && mode == "blocking" {
                Duration::from_secs(3)
            } else {
                timeout / 10
            };
            assert!(took <= timeout + overrun, "{mode}: took {took:?}");
            assert_eq!(
                err.kind(),
                pottery::ErrorKind::ClusterBusy,
                "{mode}: {err:?}"
            );
            assert!(!err.is_timeout(), "{mode}: {err:?}");
            assert!(format!("{err}").contains("TRYAGAIN"), "{mode}: {err}");
            assert_eq!(err.key(), Some(key), "{mode}: {err:?}");
        }
        drop(migration);
        assert!(blocking.contains("a".to_owned()).unwrap());
        assert!(rt.block_on(asynchronous.contains("a".to_owned())).unwrap());
    }
}

pub(crate) fn suite() -> support::Suite {
    support::Suite::one(
        "failover",
        &[Target::Cluster],
        cases![
            cluster_calls_go_on_when_a_master_is_killed,
            cluster_calls_follow_the_replica_of_a_frozen_master,
            cluster_calls_after_a_failover_they_slept_through,
            cluster_tryagain_during_a_migration_is_reported_as_such,
        ],
    )
}
