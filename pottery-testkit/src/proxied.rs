//! A Redis Cluster of 3 masters whose clients reach every node through a
//! fault [`Proxy`]: each node announces its proxy's port
//! (`cluster-announce-port`), so `CLUSTER SLOTS` and every `MOVED` send a
//! cluster client through the proxies, while the nodes' own bus (gossip)
//! stays direct. Each node runs with the caller's arguments in a directory of
//! its own, so a master can be restarted with what it persisted (its AOF and
//! its `nodes.conf`): the cluster versions of the lost-reply and restart
//! tests.

use std::thread::sleep;
use std::time::{Duration, Instant};

use crate::migration::{self, query};
use crate::{Proxy, Server, require_redis_server};

/// How long the cluster may take to form, or to take a restarted master back.
const FORM_TIMEOUT: Duration = Duration::from_secs(30);

/// The `cluster-node-timeout` of the nodes: long enough that a master
/// restarted within it is never marked failed.
const NODE_TIMEOUT: &str = "5000";

/// The slot ranges of the three masters.
const SLOTS: [(u16, u16); 3] = [(0, 5460), (5461, 10922), (10923, 16383)];

/// A private 3-master cluster without replicas behind fault proxies, killed
/// on drop.
///
/// ```no_run
/// use pottery_testkit::{Fault, ProxiedCluster};
///
/// let mut cluster = ProxiedCluster::start_with(&["--appendonly", "yes"]);
/// let client = redis::cluster::ClusterClient::new(cluster.urls()).unwrap();
/// cluster.proxy_of("{job}").set(Fault::Drop); // replies from that master lost
/// cluster.proxy_of("{job}").clear();
/// cluster.restart_master_of("{job}"); // SIGKILL, then its AOF reloaded
/// # let _ = client;
/// ```
pub struct ProxiedCluster {
    /// The nodes, in slot order, and the proxy in front of each.
    nodes: Vec<(Server, Proxy)>,
}

impl ProxiedCluster {
    /// Starts the three nodes with `args` (on top of the cluster's own), a
    /// proxy in front of each, creates the cluster and waits until every node
    /// is ok and lists every master at its proxy's port.
    pub fn start_with(args: &[&str]) -> ProxiedCluster {
        require_redis_server();
        let mut all = vec![
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            "nodes.conf",
            "--cluster-node-timeout",
            NODE_TIMEOUT,
            // The other masters keep serving while one restarts.
            "--cluster-require-full-coverage",
            "no",
        ];
        all.extend_from_slice(args);
        let mut nodes = Vec::new();
        for (lo, hi) in SLOTS {
            let mut server = Server::start_with(&all);
            let proxy = Proxy::to(std::net::SocketAddr::from(([127, 0, 0, 1], server.port())));
            let announce = [
                ("cluster-announce-port", proxy.port().to_string()),
                // The bus stays where it is: port + 10000 of the real port.
                (
                    "cluster-announce-bus-port",
                    (server.port() + 10_000).to_string(),
                ),
            ];
            for (name, value) in &announce {
                let _: () = query(&server.url(), &["CONFIG", "SET", name, value]);
                server.keep_args(&[format!("--{name}"), value.clone()]);
            }
            let _: () = query(
                &server.url(),
                &["CLUSTER", "ADDSLOTSRANGE", &lo.to_string(), &hi.to_string()],
            );
            nodes.push((server, proxy));
        }
        let first = nodes[0].0.url();
        for (server, _) in &nodes[1..] {
            let port = server.port().to_string();
            let _: () = query(&first, &["CLUSTER", "MEET", "127.0.0.1", &port]);
        }
        let cluster = ProxiedCluster { nodes };
        cluster.wait_ok();
        cluster
    }

    /// The proxies' URLs: what a cluster client is given (and is sent back to).
    pub fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(|(_, proxy)| proxy.url()).collect()
    }

    /// The proxy in front of the master that serves `key`.
    pub fn proxy_of(&self, key: &str) -> &Proxy {
        &self.nodes[self.index_of(key)].1
    }

    /// Kills (SIGKILL) the master that serves `key`, starts it again on the
    /// same port, directory and arguments (it reloads its `nodes.conf` and
    /// whatever it persisted), and returns once every node says the cluster
    /// is ok again (a restarted master refuses writes for its first 2 s).
    pub fn restart_master_of(&mut self, key: &str) {
        let index = self.index_of(key);
        self.nodes[index].0.restart();
        self.wait_ok();
    }

    /// Waits until every node says `cluster_state:ok` and lists the three
    /// masters, each at its proxy's port, with all the slots.
    pub fn wait_ok(&self) {
        let deadline = Instant::now() + FORM_TIMEOUT;
        while !self.is_ok() {
            assert!(
                Instant::now() < deadline,
                "the proxied test cluster is not ok after {FORM_TIMEOUT:?}"
            );
            sleep(Duration::from_millis(50));
        }
    }

    fn is_ok(&self) -> bool {
        let mut proxies: Vec<String> = self.urls().iter().map(|u| strip_db(u)).collect();
        proxies.sort();
        self.nodes.iter().all(|(server, _)| {
            let url = server.url();
            let info = migration::try_query_within::<String>(
                &url,
                &["CLUSTER", "INFO"],
                Duration::from_millis(500),
            );
            let nodes = migration::try_query_within::<String>(
                &url,
                &["CLUSTER", "NODES"],
                Duration::from_millis(500),
            );
            let (Ok(info), Ok(nodes)) = (info, nodes) else {
                return false;
            };
            let masters = migration::parse_masters(&nodes);
            let mut seen: Vec<String> = masters.iter().map(|n| strip_db(&n.url)).collect();
            seen.sort();
            let slots: usize = masters
                .iter()
                .flat_map(|n| n.slots.iter())
                .map(|&(lo, hi)| usize::from(hi - lo) + 1)
                .sum();
            info.contains("cluster_state:ok") && seen == proxies && slots == 16384
        })
    }

    /// The node whose slot range holds `key`'s slot.
    fn index_of(&self, key: &str) -> usize {
        let slot: u16 = query(&self.nodes[0].0.url(), &["CLUSTER", "KEYSLOT", key]);
        SLOTS
            .iter()
            .position(|&(lo, hi)| (lo..=hi).contains(&slot))
            .unwrap_or(0)
    }
}

/// `redis://host:port` of a URL that may end in `/0`.
fn strip_db(url: &str) -> String {
    url.trim_end_matches("/0").to_owned()
}
