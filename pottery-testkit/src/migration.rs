//! Faults on one slot of a [`Cluster`]: held half-way through a migration, as
//! during resharding, or served by a frozen master.

use std::time::Duration;

use crate::Cluster;

/// A slot marked `MIGRATING` on its master and `IMPORTING` on another, until
/// dropped (then both are set `STABLE` again, and the slot stays where it was).
///
/// While it lasts, a command on a key of the slot that the owner does not
/// have is redirected with `ASK`, and a command on several keys of the slot,
/// some of them missing, gets `TRYAGAIN` (a script declaring a key that does
/// not exist yet, for example).
#[derive(Debug)]
pub struct Migration {
    /// The slot.
    pub slot: u16,
    /// The URL of the master that owns it.
    pub source: String,
    /// The URL of the master it is migrating to.
    pub target: String,
}

/// One master, as `CLUSTER NODES` lists it.
pub(crate) struct Node {
    pub(crate) id: String,
    pub(crate) url: String,
    /// Its slot ranges, inclusive.
    pub(crate) slots: Vec<(u16, u16)>,
}

/// The master serving a slot, suspended (SIGSTOP) until dropped.
#[derive(Debug)]
pub struct FrozenMaster {
    /// Its process id.
    pub pid: u32,
    /// Its URL.
    pub url: String,
}

impl Drop for FrozenMaster {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill")
            .arg("-CONT")
            .arg(self.pid.to_string())
            .status();
    }
}

impl Cluster {
    /// Suspends the master that serves `key` (it keeps its sockets but never
    /// answers) until the returned guard is dropped.
    pub fn freeze_master_of(&self, key: &str) -> FrozenMaster {
        let any = self
            .urls()
            .into_iter()
            .next()
            .expect("the cluster has nodes");
        let (owner, _) = owner_and_other(&any, key);
        let pid = self
            .inner
            .iter_servers()
            .find(|s| {
                s.host_and_port()
                    .is_some_and(|(h, p)| format!("redis://{h}:{p}") == owner.url)
            })
            .map(|s| s.process.id())
            .expect("the owner is one of our nodes");
        let status = std::process::Command::new("kill")
            .arg("-STOP")
            .arg(pid.to_string())
            .status();
        assert!(matches!(status, Ok(s) if s.success()), "kill -STOP {pid}");
        FrozenMaster {
            pid,
            url: owner.url,
        }
    }

    /// Marks the slot of `key` as migrating from its master to another one,
    /// until the returned guard is dropped. Panics if the cluster refuses.
    pub fn migrate_slot_of(&self, key: &str) -> Migration {
        let any = self
            .urls()
            .into_iter()
            .next()
            .expect("the cluster has nodes");
        mark_migrating(&any, key)
    }
}

/// Marks the slot of `key` migrating from its master to another one, asking
/// the cluster through the node at `any`.
pub(crate) fn mark_migrating(any: &str, key: &str) -> Migration {
    let (owner, other) = owner_and_other(any, key);
    let slot: u16 = query(any, &["CLUSTER", "KEYSLOT", key]);
    let slot_arg = slot.to_string();
    let _: () = query(
        &other.url,
        &["CLUSTER", "SETSLOT", &slot_arg, "IMPORTING", &owner.id],
    );
    let _: () = query(
        &owner.url,
        &["CLUSTER", "SETSLOT", &slot_arg, "MIGRATING", &other.id],
    );
    Migration {
        slot,
        source: owner.url,
        target: other.url,
    }
}

impl Migration {
    /// Ends the migration with the slot where it was (also done on drop).
    pub fn undo(&self) {
        let slot = self.slot.to_string();
        for url in [&self.source, &self.target] {
            let _: redis::RedisResult<()> =
                try_query(url, &["CLUSTER", "SETSLOT", &slot, "STABLE"]);
        }
    }
}

impl Drop for Migration {
    fn drop(&mut self) {
        self.undo();
    }
}

/// The master that owns `key`'s slot, and another one.
pub(crate) fn owner_and_other(url: &str, key: &str) -> (Node, Node) {
    let slot: u16 = query(url, &["CLUSTER", "KEYSLOT", key]);
    let (owners, others): (Vec<Node>, Vec<Node>) = masters(url)
        .into_iter()
        .partition(|n| n.slots.iter().any(|&(lo, hi)| (lo..=hi).contains(&slot)));
    let owner = owners
        .into_iter()
        .next()
        .expect("some master owns the slot");
    let other = others
        .into_iter()
        .next()
        .expect("the cluster has two masters");
    (owner, other)
}

pub(crate) fn masters(url: &str) -> Vec<Node> {
    let text: String = query(url, &["CLUSTER", "NODES"]);
    parse_masters(&text)
}

/// The masters a `CLUSTER NODES` reply lists, leaving out failed ones (a
/// killed master stays listed as `master,fail`, without slots).
pub(crate) fn parse_masters(text: &str) -> Vec<Node> {
    text.lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let flags = fields.get(2)?;
            if !flags.contains("master") || flags.contains("fail") {
                return None;
            }
            // `ip:port@cport[,hostname]`
            let addr = fields.get(1)?.split('@').next()?;
            let slots = fields
                .get(8..)
                .unwrap_or_default()
                .iter()
                .filter(|s| !s.starts_with('['))
                .filter_map(|range| match range.split_once('-') {
                    Some((lo, hi)) => Some((lo.parse().ok()?, hi.parse().ok()?)),
                    None => range.parse().ok().map(|n| (n, n)),
                })
                .collect();
            Some(Node {
                id: (*fields.first()?).to_owned(),
                url: format!("redis://{addr}"),
                slots,
            })
        })
        .collect()
}

fn try_query<T: redis::FromRedisValue>(url: &str, args: &[&str]) -> redis::RedisResult<T> {
    try_query_within(url, args, Duration::from_secs(2))
}

/// Runs one command on the node at `url`, connecting and reading within `timeout`.
pub(crate) fn try_query_within<T: redis::FromRedisValue>(
    url: &str,
    args: &[&str],
    timeout: Duration,
) -> redis::RedisResult<T> {
    let mut con = redis::Client::open(url)?.get_connection_with_timeout(timeout)?;
    con.set_read_timeout(Some(timeout))?;
    let mut cmd = redis::cmd(args.first().copied().unwrap_or("PING"));
    for arg in args.iter().skip(1) {
        cmd.arg(*arg);
    }
    cmd.query(&mut con)
}

pub(crate) fn query<T: redis::FromRedisValue>(url: &str, args: &[&str]) -> T {
    match try_query(url, args) {
        Ok(value) => value,
        Err(err) => panic!("{args:?} on {url}: {err}"),
    }
}
