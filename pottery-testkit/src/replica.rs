//! A server replicating another ([`Server::start_replica_of`]), for tests of
//! replica acknowledgement and of a failover by hand.

use std::thread::sleep;
use std::time::{Duration, Instant};

use redis_test::server::RedisServer;

use crate::{READY_TIMEOUT, Server, require_redis_server};

impl Server {
    /// Starts a server on a free port that replicates `master`
    /// (`--replicaof`), and returns once the master lists it as an online
    /// replica (the first sync is done). Panics when it cannot. Sets the
    /// master's `repl-diskless-sync-delay` to 0, so that the first sync
    /// starts at once (Redis waits 5 s by default, for more replicas).
    pub fn start_replica_of(master: &Server) -> Server {
        require_redis_server();
        assert!(
            master.unix_socket.is_none() && !master.tls,
            "replicas of plain TCP servers only"
        );
        let client = redis::Client::open(master.url()).expect("the master's URL");
        let mut con = client
            .get_connection_with_timeout(Duration::from_secs(2))
            .expect("the master answers");
        let _: () = redis::cmd("CONFIG")
            .arg("SET")
            .arg("repl-diskless-sync-delay")
            .arg("0")
            .query(&mut con)
            .expect("CONFIG SET repl-diskless-sync-delay 0");
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
                    // The first sync straight into memory, and no snapshots:
                    // nothing written to the working directory.
                    cmd.arg("--repl-diskless-load").arg("on-empty-db");
                    cmd.arg("--save").arg("");
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
                args: Vec::new(),
                dir: None,
            };
            if server.wait_ready() && online(&master.url(), port) && acknowledges(&master.url()) {
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

/// Whether a write on the master at `url` is acknowledged by a replica
/// (`WAIT 1` after a write on the same connection) within the ready timeout:
/// listed online, a fresh replica may not acknowledge at once.
fn acknowledges(url: &str) -> bool {
    let deadline = Instant::now() + READY_TIMEOUT;
    let Ok(client) = redis::Client::open(url) else {
        return false;
    };
    let Ok(mut con) = client.get_connection_with_timeout(Duration::from_secs(1)) else {
        return false;
    };
    while Instant::now() < deadline {
        let acked: redis::RedisResult<(i64, i64)> = redis::pipe()
            .cmd("INCR")
            .arg("pottery-testkit:replica-probe")
            .cmd("WAIT")
            .arg(1)
            .arg(100)
            .query(&mut con);
        if matches!(acked, Ok((_, n)) if n >= 1) {
            let _: redis::RedisResult<i64> = redis::cmd("DEL")
                .arg("pottery-testkit:replica-probe")
                .query(&mut con);
            return true;
        }
    }
    false
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
