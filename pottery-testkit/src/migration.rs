//! A cluster slot held half-way through a migration, as during resharding.

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
struct Node {
    id: String,
    url: String,
    /// Its slot ranges, inclusive.
    slots: Vec<(u16, u16)>,
}

impl Cluster {
    /// Marks the slot of `key` as migrating from its master to another one,
    /// until the returned guard is dropped. Panics if the cluster refuses.
    pub fn migrate_slot_of(&self, key: &str) -> Migration {
        let any = self
            .urls()
            .into_iter()
            .next()
            .expect("the cluster has nodes");
        let slot: u16 = query(&any, &["CLUSTER", "KEYSLOT", key]);
        let nodes = masters(&any);
        let owner = nodes
            .iter()
            .find(|n| n.slots.iter().any(|&(lo, hi)| (lo..=hi).contains(&slot)))
            .expect("some master owns the slot");
        let other = nodes
            .iter()
            .find(|n| n.id != owner.id)
            .expect("the cluster has two masters");
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
            source: owner.url.clone(),
            target: other.url.clone(),
        }
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

fn masters(url: &str) -> Vec<Node> {
    let text: String = query(url, &["CLUSTER", "NODES"]);
    text.lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let flags = fields.get(2)?;
            if !flags.contains("master") {
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
    let mut con = redis::Client::open(url)?.get_connection_with_timeout(Duration::from_secs(2))?;
    let mut cmd = redis::cmd(args.first().copied().unwrap_or("PING"));
    for arg in args.iter().skip(1) {
        cmd.arg(*arg);
    }
    cmd.query(&mut con)
}

fn query<T: redis::FromRedisValue>(url: &str, args: &[&str]) -> T {
    match try_query(url, args) {
        Ok(value) => value,
        Err(err) => panic!("{args:?} on {url}: {err}"),
    }
}
