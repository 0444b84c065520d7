//! A Redis Cluster of 3 masters with 1 replica each, for failover tests: a
//! master can be killed (its replica is promoted), frozen, or have one of its
//! slots held half-migrated for a while.

use std::collections::HashSet;
use std::process::Command;
use std::sync::Mutex;
use std::sync::mpsc;
use std::thread::{self, JoinHandle, sleep};
use std::time::{Duration, Instant};

use redis_test::cluster::{RedisCluster, RedisClusterConfiguration};

use crate::migration::{self, FrozenMaster, Migration};
use crate::require_redis_server;

/// The `cluster-node-timeout` of a [`ReplicatedCluster`]: how long a master may
/// be silent before the others mark it failed and its replica takes over. Small
/// so that failover tests are quick; large enough that a busy 2-core CI machine
/// does not fail a healthy master over by mistake.
pub const NODE_TIMEOUT: Duration = Duration::from_millis(1000);

/// How long a failover may take before the helpers give up (and panic).
const FAILOVER_TIMEOUT: Duration = Duration::from_secs(20);

/// A private cluster of 6 nodes, 3 masters with 1 replica each, killed on drop.
///
/// Its nodes run with [`NODE_TIMEOUT`] and `cluster-require-full-coverage no`,
/// so that while one master is down the other masters keep serving their
/// slots (with the default `yes`, Redis itself refuses every slot with
/// `CLUSTERDOWN` until the replica is promoted, whatever the client does).
pub struct ReplicatedCluster {
    inner: RedisCluster,
    /// Process ids of the nodes killed so far.
    killed: Mutex<HashSet<u32>>,
}

/// What [`ReplicatedCluster::kill_master_of`] (or
/// [`ReplicatedCluster::await_failover`]) saw.
#[derive(Debug, Clone)]
pub struct Failover {
    /// The URL of the master that went away.
    pub old_master: String,
    /// The URL of the replica promoted in its place.
    pub new_master: String,
    /// From the fault (kill or freeze) to the moment the cluster listed the
    /// replica as the slot's master.
    pub promoted_after: Duration,
    /// From the fault to the moment every reachable node said `cluster_state:ok`.
    pub ok_after: Duration,
}

/// A replica suspended (SIGSTOP) by [`ReplicatedCluster::freeze_replica_of`]
/// until dropped.
#[derive(Debug)]
pub struct FrozenReplica {
    /// Its process id.
    pub pid: u32,
    /// Its URL.
    pub url: String,
}

impl Drop for FrozenReplica {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("-CONT")
            .arg(self.pid.to_string())
            .status();
    }
}

/// A slot held `MIGRATING`/`IMPORTING` until a given time (or until dropped,
/// whichever comes first); see [`ReplicatedCluster::hold_migrating`].
pub struct HeldMigration {
    /// The slot.
    pub slot: u16,
    /// The URL of the master that owns it.
    pub source: String,
    /// The URL of the master it is "migrating" to.
    pub target: String,
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl HeldMigration {
    /// Waits until the migration has ended (the slot is `STABLE` again).
    pub fn join(mut self) {
        self.finish(false);
    }

    fn finish(&mut self, early: bool) {
        if early {
            drop(self.stop.take());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for HeldMigration {
    fn drop(&mut self) {
        self.finish(true);
    }
}

impl ReplicatedCluster {
    /// Starts the six nodes, creates the cluster, lowers its node timeout and
    /// waits until every node says the cluster is ok.
    pub fn start() -> ReplicatedCluster {
        require_redis_server();
        let inner = RedisCluster::new(RedisClusterConfiguration::single_replica_config());
        let cluster = ReplicatedCluster {
            inner,
            killed: Mutex::new(HashSet::new()),
        };
        let timeout = NODE_TIMEOUT.as_millis().to_string();
        for url in cluster.urls() {
            let _: () = migration::query(
                &url,
                &["CONFIG", "SET", "cluster-node-timeout", timeout.as_str()],
            );
            let _: () = migration::query(
                &url,
                &["CONFIG", "SET", "cluster-require-full-coverage", "no"],
            );
        }
        let deadline = Instant::now() + FAILOVER_TIMEOUT;
        while !cluster.all_ok(None) {
            assert!(
                Instant::now() < deadline,
                "the replicated test cluster did not come up"
            );
            sleep(Duration::from_millis(50));
        }
        cluster
    }

    /// The URLs of the nodes not killed (masters and replicas; a frozen node
    /// is included).
    pub fn urls(&self) -> Vec<String> {
        let killed = self.killed.lock().map(|k| k.clone()).unwrap_or_default();
        self.inner
            .iter_servers()
            .filter(|s| !killed.contains(&s.process.id()))
            .filter_map(|s| s.host_and_port().map(|(h, p)| format!("redis://{h}:{p}")))
            .collect()
    }

    /// The URL of the master that serves `key` now.
    pub fn master_of(&self, key: &str) -> String {
        migration::owner_and_other(&self.any(), key).0.url
    }

    /// The URLs of the masters serving slots now.
    pub fn master_urls(&self) -> Vec<String> {
        migration::masters(&self.any())
            .into_iter()
            .filter(|n| !n.slots.is_empty())
            .map(|n| n.url)
            .collect()
    }

    /// Kills (SIGKILL) the master serving `key` and returns once its replica
    /// is promoted and every remaining node says the cluster is ok, with the
    /// times that took. Panics if no failover happens within 20 s.
    pub fn kill_master_of(&self, key: &str) -> Failover {
        let old = self.master_of(key);
        let pid = self.pid_of(&old);
        let start = Instant::now();
        let status = Command::new("kill")
            .arg("-KILL")
            .arg(pid.to_string())
            .status();
        assert!(matches!(status, Ok(s) if s.success()), "kill -KILL {pid}");
        if let Ok(mut killed) = self.killed.lock() {
            killed.insert(pid);
        }
        self.await_failover(key, &old, start)
    }

    /// Suspends (SIGSTOP) the master serving `key` until the guard drops; its
    /// replica is promoted after about [`NODE_TIMEOUT`] (see
    /// [`ReplicatedCluster::await_failover`]); once thawed, the old master
    /// rejoins as a replica.
    pub fn freeze_master_of(&self, key: &str) -> FrozenMaster {
        let url = self.master_of(key);
        let pid = self.pid_of(&url);
        let status = Command::new("kill")
            .arg("-STOP")
            .arg(pid.to_string())
            .status();
        assert!(matches!(status, Ok(s) if s.success()), "kill -STOP {pid}");
        FrozenMaster { pid, url }
    }

    /// Suspends (SIGSTOP) the replica of the master serving `key` until the
    /// guard drops: the master keeps serving, but its writes are
    /// acknowledged by no replica (`WAIT` times out).
    pub fn freeze_replica_of(&self, key: &str) -> FrozenReplica {
        let any = self.any();
        let master = migration::owner_and_other(&any, key).0;
        let text: String = migration::query(&any, &["CLUSTER", "NODES"]);
        let url = text
            .lines()
            .find_map(|line| {
                let fields: Vec<&str> = line.split_whitespace().collect();
                let flags = fields.get(2)?;
                let of = fields.get(3)?;
                if !flags.contains("slave") || flags.contains("fail") || *of != master.id {
                    return None;
                }
                let addr = fields.get(1)?.split('@').next()?;
                Some(format!("redis://{addr}"))
            })
            .expect("the master has a live replica");
        let pid = self.pid_of(&url);
        let status = Command::new("kill")
            .arg("-STOP")
            .arg(pid.to_string())
            .status();
        assert!(matches!(status, Ok(s) if s.success()), "kill -STOP {pid}");
        FrozenReplica { pid, url }
    }

    /// Waits until `key`'s slot is served by a master other than `old_master`
    /// and every node other than `old_master` says the cluster is ok; times are
    /// measured from `since` (the moment of the fault). Panics after 20 s.
    pub fn await_failover(&self, key: &str, old_master: &str, since: Instant) -> Failover {
        let deadline = Instant::now() + FAILOVER_TIMEOUT;
        let (new_master, promoted_after) = loop {
            if let Some(url) = self.live_owner(key, old_master) {
                break (url, since.elapsed());
            }
            assert!(
                Instant::now() < deadline,
                "no replica took over from {old_master} within {FAILOVER_TIMEOUT:?}"
            );
            sleep(Duration::from_millis(10));
        };
        while !self.all_ok(Some(old_master)) {
            assert!(
                Instant::now() < deadline,
                "the cluster was not ok again within {FAILOVER_TIMEOUT:?}"
            );
            sleep(Duration::from_millis(10));
        }
        Failover {
            old_master: old_master.to_owned(),
            new_master,
            promoted_after,
            ok_after: since.elapsed(),
        }
    }

    /// Marks `key`'s slot `MIGRATING` on its master and `IMPORTING` on another
    /// one now, and sets both `STABLE` again after `duration` (or when the
    /// guard drops, if sooner); the slot stays where it was. While it lasts,
    /// a command on several keys of the slot, some missing, gets `TRYAGAIN`.
    pub fn hold_migrating(&self, key: &str, duration: Duration) -> HeldMigration {
        let migration: Migration = migration::mark_migrating(&self.any(), key);
        let (slot, source, target) = (
            migration.slot,
            migration.source.clone(),
            migration.target.clone(),
        );
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = thread::spawn(move || {
            let _ = stopped.recv_timeout(duration);
            drop(migration); // sets the slot STABLE on both nodes
        });
        HeldMigration {
            slot,
            source,
            target,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// A node that answers (neither killed nor frozen, as far as a 300 ms
    /// `PING` can tell).
    fn any(&self) -> String {
        self.urls()
            .into_iter()
            .find(|url| migration::try_query_within::<String>(url, &["PING"], SHORT).is_ok())
            .expect("some node of the cluster answers")
    }

    /// The master serving `key`'s slot, if a live node says it is not `old`.
    fn live_owner(&self, key: &str, old: &str) -> Option<String> {
        let url = self.urls().into_iter().find(|u| u != old)?;
        let text: String = migration::try_query_within(&url, &["CLUSTER", "NODES"], SHORT).ok()?;
        let slot: u16 =
            migration::try_query_within(&url, &["CLUSTER", "KEYSLOT", key], SHORT).ok()?;
        migration::parse_masters(&text)
            .into_iter()
            .find(|n| n.slots.iter().any(|&(lo, hi)| (lo..=hi).contains(&slot)))
            .map(|n| n.url)
            .filter(|owner| owner != old)
    }

    /// Whether every node but `except` says `cluster_state:ok`.
    fn all_ok(&self, except: Option<&str>) -> bool {
        self.urls()
            .iter()
            .filter(|url| Some(url.as_str()) != except)
            .all(|url| {
                matches!(
                    migration::try_query_within::<String>(url, &["CLUSTER", "INFO"], SHORT),
                    Ok(text) if text.contains("cluster_state:ok")
                )
            })
    }

    fn pid_of(&self, url: &str) -> u32 {
        self.inner
            .iter_servers()
            .find(|s| {
                s.host_and_port()
                    .is_some_and(|(h, p)| format!("redis://{h}:{p}") == url)
            })
            .map(|s| s.process.id())
            .expect("the master is one of our nodes")
    }
}

/// The connect and read timeout of the helpers' probes.
const SHORT: Duration = Duration::from_millis(300);
