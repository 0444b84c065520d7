//! A server replicating another ([`Server::start_replica_of`]), for tests of
//! replica acknowledgement and of a failover by hand.

use std::thread::sleep;
use std::time::{Duration, Instant};

use redis_test::server::RedisServer;

use crate::{READY_TIMEOUT, Server, require_redis_server};

impl Server {
    /// Starts a server on a free port that replicates `master`
    /// (`--replicaof`), and returns once the master lists it as an online
    /// replica (the first sync is done). Panics when it cannot.
    pub fn start_replica_of(master: &Server) -> Server {
        require_redis_server();
        assert!(
            master.unix_socket.is_none() && !master.tls,
            "replicas of plain TCP servers only"
        );
        for _ in 0..5 {
            let port = redis_test::utils::get_random_available_port();
            let addr = redis::ConnectionAddr::Tcp("127.0.0.1".to_owned(), port);
            let of = master.port.to_string();
            let process = RedisServer::new_with_addr_tls_modules_and_spawner(
                addr,
                None,
                None,
                false,
                None,
                &[],
                |cmd| {
                    cmd.arg("--appendonly").arg("no");
                    cmd.arg("--replicaof").arg("127.0.0.1").arg(&of);
                    match cmd.spawn() {
                        Ok(child) => child,
                        Err(err) => panic!("cannot run redis-server: {err}"),
                    }
                },
            );
            let mut server = Server {
                process: Some(process),
                port,
                unix_socket: None,
                tls: false,
                certs: None,
            };
            if server.wait_ready() && online(&master.url(), port) {
                return server;
            }
            server.stop();
        }
        panic!(
            "could not start a replica of {} after 5 tries",
            master.url()
        );
    }

    /// `REPLICAOF NO ONE`: this replica becomes a master, keeping its data
    /// (a failover by hand, once its master is gone).
    pub fn promote(&self) {
        let client = redis::Client::open(self.url()).expect("the replica's URL");
        let mut con = client
            .get_connection_with_timeout(Duration::from_secs(2))
            .expect("the replica answers");
        let _: () = redis::cmd("REPLICAOF")
            .arg("NO")
            .arg("ONE")
            .query(&mut con)
            .expect("REPLICAOF NO ONE");
    }
}

/// Whether the master at `url` lists the replica on `port` as online within
/// the ready timeout.
fn online(url: &str, port: u16) -> bool {
    let deadline = Instant::now() + READY_TIMEOUT;
    let wanted = format!("port={port},state=online");
    while Instant::now() < deadline {
        let info = redis::Client::open(url).ok().and_then(|c| {
            let mut con = c.get_connection_with_timeout(Duration::from_secs(1)).ok()?;
            redis::cmd("INFO")
                .arg("replication")
                .query::<String>(&mut con)
                .ok()
        });
        if info.is_some_and(|info| info.contains(&wanted)) {
            return true;
        }
        sleep(Duration::from_millis(20));
    }
    false
}
