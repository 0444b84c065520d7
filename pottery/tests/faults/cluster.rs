//! Faults on a replicated cluster (3 masters, 1 replica each, a 1 s node
//! timeout), each trial on a cluster of its own: a master killed (its replica
//! promoted), a master frozen (promoted past it), a slot held `MIGRATING`.
//! Every op's keys share one hash tag, so they all live on the master that
//! the fault hits. Calls go on in both modes while the fault lasts; it ends
//! when the replica is promoted (or the migration ends).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use pottery::{Client, sync::RedisSet};
use pottery_testkit::{Failover, ReplicatedCluster};

use super::report::Figures;
use super::{Caller, FAILED_AFTER_LIMIT, TIMEOUT, each_mode, ops, runtime};
use crate::support::{Ctx, raw};

/// The hash tag of every key of these trials.
const TAG: &str = "{fz}";

/// How long a slot stays `MIGRATING`.
const MIGRATING: Duration = Duration::from_secs(2);

/// Acknowledged writes made before a kill, in each of two batches: the first
/// confirmed by the replica (`WAIT`) before the kill, the second not.
const WRITES: i64 = 100;

fn client(cluster: &ReplicatedCluster) -> Client {
    Client::cluster_builder(cluster.urls())
        .response_timeout(TIMEOUT)
        .build()
        .unwrap()
}

/// A hash tag served by another master than [`TAG`]'s.
fn healthy_tag(cluster: &ReplicatedCluster) -> String {
    let hit = cluster.master_of(TAG);
    (0..)
        .map(|n| format!("{{ok{n}}}"))
        .find(|tag| cluster.master_of(tag) != hit)
        .unwrap()
}

/// Once a fault ends: at most one failed call per mode, and a first success
/// within the suite's recovery limit.
const LIMITS: (usize, Duration) = (FAILED_AFTER_LIMIT, super::RECOVERY_LIMIT);

/// A frozen master's fault "ends" when its replica is promoted, but the
/// client learns of it only by reading the new slot map (a frozen node sends
/// no MOVED): the async client polls the map and builds a new connection,
/// which the `Client` docs give as 0.8-1.0 s after the promotion (1.5 s on a
/// loaded machine). Each call still sent to the frozen node meanwhile fails at
/// its 300 ms deadline: at most 1.5 s / 300 ms = 5 of them, none after that.
const FROZEN: (usize, Duration) = (5, Duration::from_millis(1500));

/// Runs one fault: the calls go on in both modes, on keys of the master it
/// hits and on keys of a healthy one (whose calls must all succeed), while it
/// lasts and once more after; then the assertions and the figures.
fn rig(
    name: &'static str,
    (failed_after_limit, recovery_limit): (usize, Duration),
    fault: impl FnOnce(&ReplicatedCluster, &Client) -> Outcome,
) {
    let cluster = ReplicatedCluster::start();
    let client = client(&cluster);
    let ops = ops::all();
    let runtimes = [runtime(), runtime()];
    let prefixes = [
        format!("{TAG}:{name}"),
        format!("{}:{name}", healthy_tag(&cluster)),
    ];
    for prefix in &prefixes {
        let warm = each_mode(&client, prefix, &runtimes, |c| {
            let failed = [c.pass(&ops), c.pass(&ops)].concat();
            ops::take_calls();
            failed
        });
        assert!(warm.iter().all(Vec::is_empty), "healthy: {warm:?}");
    }

    let ended = AtomicBool::new(false);
    let started = Instant::now();
    // The fault runs on this thread, the calls on one thread per mode and master.
    let (outcome, fault_end, [hit, healthy]) = std::thread::scope(|s| {
        let calls = prefixes.each_ref().map(|prefix| {
            let (ops, ended, client, runtimes) = (&ops, &ended, &client, &runtimes);
            s.spawn(move || {
                each_mode(client, prefix, runtimes, |c| {
                    c.cycle(ops, ended);
                    c.pass(ops);
                    ops::take_calls()
                })
            })
        });
        let outcome = fault(&cluster, &client);
        let fault_end = Instant::now();
        ended.store(true, Ordering::Relaxed);
        (outcome, fault_end, calls.map(|c| c.join().unwrap()))
    });
    let lost = outcome.check_writes.map(|check| check(&client));
    let mut note = String::new();
    if let Some(f) = &outcome.failover {
        note += &format!(
            "faults| {name}: replica promoted after {} ms, cluster ok after {} ms\n",
            ms(f.promoted_after),
            ms(f.ok_after)
        );
    }
    let mut figures = Vec::new();
    let healthy_label = format!("{name}/healthy");
    for (label, calls) in [(name, hit), (healthy_label.as_str(), healthy)] {
        for (mode, calls) in super::MODES.iter().zip(calls) {
            if label == name {
                note += &format!(
                    "faults| {name} {}: first success after a failure: {}\n",
                    mode.name(),
                    first_success_after_a_failure(&calls, started)
                );
            }
            figures.push(figures_of(label, mode.name(), calls, fault_end, lost));
        }
    }
    print!("{note}");
    super::report::print(&figures);
    drop(outcome.hold);
    super::report::check(&figures, failed_after_limit);
    let slow: Vec<String> = figures
        .iter()
        .filter(|f| f.recovery.is_some_and(|r| r > recovery_limit))
        .map(|f| format!("{} {}: {:?}", f.fault, f.mode, f.recovery))
        .collect();
    assert!(
        slow.is_empty(),
        "{name}: recovered later than {recovery_limit:?} after the fault ended: {slow:?}"
    );
    let stalled: Vec<String> = figures
        .iter()
        .filter(|f| f.fault != name)
        .flat_map(|f| f.during.iter().filter_map(|c| c.error.clone()))
        .collect();
    assert!(
        stalled.is_empty(),
        "{name}: calls on a healthy master failed during the fault: {stalled:?}"
    );
    if let Some((lost, _)) = lost {
        assert_eq!(
            lost, 0,
            "{name}: writes confirmed by the replica are missing"
        );
    }
}

/// The figures of one mode's calls, split at the end of the fault.
fn figures_of(
    fault: &str,
    mode: &'static str,
    calls: Vec<ops::Call>,
    fault_end: Instant,
    lost: Option<(usize, usize)>,
) -> Figures {
    let (during, after): (Vec<_>, Vec<_>) = calls.into_iter().partition(|c| c.started < fault_end);
    Figures {
        fault: fault.to_owned(),
        mode,
        recovery: after
            .iter()
            .filter(|c| c.ok())
            .map(|c| c.ended().saturating_duration_since(fault_end))
            .min(),
        failed_after: after.iter().filter_map(|c| c.error.clone()).collect(),
        during,
        after,
        lost,
    }
}

fn ms(d: Duration) -> String {
    format!("{:.0}", d.as_secs_f64() * 1000.0)
}

/// From `since` to the end of the first successful call after the first
/// failed one: how long the client took to get past the fault.
fn first_success_after_a_failure(calls: &[ops::Call], since: Instant) -> String {
    let Some(first_failure) = calls.iter().position(|c| !c.ok()) else {
        return "no call failed".to_owned();
    };
    calls[first_failure..]
        .iter()
        .find(|c| c.ok())
        .map_or("never".to_owned(), |c| {
            format!(
                "{} ms after the fault began",
                ms(c.ended().saturating_duration_since(since))
            )
        })
}

/// Counts lost writes: (confirmed ones missing, confirmed ones made).
type CheckWrites = dyn FnOnce(&Client) -> (usize, usize);

/// What a fault came to: its failover, if any, what to drop once the calls
/// are done (a frozen master), and the count of lost writes.
struct Outcome {
    failover: Option<Failover>,
    hold: Option<Box<dyn std::any::Any>>,
    /// Counts the confirmed writes missing (they must not be) and prints the
    /// unconfirmed ones lost; returns (confirmed missing, confirmed made).
    check_writes: Option<Box<CheckWrites>>,
}

/// The pause between two calls of a cycle: calls that fail at once (a
/// refused connection) or succeed at once must not load the CPU that the
/// other trials' deadlines depend on.
const PACE: Duration = Duration::from_millis(10);

impl Caller<'_> {
    /// Every op in turn, over and over, until `ended` (at least once each).
    fn cycle(&self, ops: &[ops::Op], ended: &AtomicBool) {
        loop {
            for op in ops {
                let _ = self.call(op);
                std::thread::sleep(PACE);
            }
            if ended.load(Ordering::Relaxed) {
                return;
            }
        }
    }
}

fn members(client: &Client, key: &str) -> Vec<i64> {
    let set: RedisSet<i64> = RedisSet::new(client, key);
    set.iter().collect::<pottery::Result<_>>().unwrap()
}

pub(super) fn kill_master(_: &Ctx) {
    rig("cluster_kill_master", LIMITS, |cluster, client| {
        // Writes the replica confirmed, then writes only the master acknowledged.
        let key = format!("{TAG}:acked");
        let set: RedisSet<i64> = RedisSet::new(client, &key);
        for n in 0..WRITES {
            set.insert(n).unwrap();
        }
        let master = cluster.master_of(TAG);
        let replicas = raw(&master, &["WAIT", "1", "2000"]);
        assert_eq!(
            replicas,
            redis::Value::Int(1),
            "the replica confirms the first batch"
        );
        for n in WRITES..2 * WRITES {
            set.insert(n).unwrap();
        }
        let failover = cluster.kill_master_of(TAG);
        let check = move |client: &Client| {
            let present = members(client, &key);
            let missing =
                |range: std::ops::Range<i64>| range.filter(|n| !present.contains(n)).count();
            let (confirmed, unconfirmed) = (missing(0..WRITES), missing(WRITES..2 * WRITES));
            println!(
                "faults| cluster_kill_master: acknowledged writes lost: {confirmed} of {WRITES} confirmed by the replica, {unconfirmed} of {WRITES} not"
            );
            (confirmed, WRITES as usize)
        };
        Outcome {
            failover: Some(failover),
            hold: None,
            check_writes: Some(Box::new(check)),
        }
    });
}

pub(super) fn freeze_master(_: &Ctx) {
    rig("cluster_freeze_master", FROZEN, |cluster, _| {
        let frozen = cluster.freeze_master_of(TAG);
        let since = Instant::now();
        let failover = cluster.await_failover(TAG, &frozen.url, since);
        // It stays frozen while the clients recover: they must leave it.
        Outcome {
            failover: Some(failover),
            hold: Some(Box::new(frozen)),
            check_writes: None,
        }
    });
}

pub(super) fn slot_migrating(_: &Ctx) {
    rig("cluster_slot_migrating", LIMITS, |cluster, _| {
        cluster.hold_migrating(TAG, MIGRATING).join();
        Outcome {
            failover: None,
            hold: None,
            check_writes: None,
        }
    });
}
