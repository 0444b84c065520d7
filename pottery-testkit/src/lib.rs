//! Private Redis servers for pottery's tests, benches and tour.
//!
//! Every server here is a `redis-server` process started on a free loopback port
//! (through redis-rs's `redis-test` crate) and killed when its handle drops; no
//! test ever touches a server it did not start. When `redis-server` is missing,
//! starting one panics with a message saying how to install it: tests that need
//! Redis fail loudly, they never skip.
//!
//! - [`Server`]: one server, which can be stopped, frozen (SIGSTOP) and restarted.
//! - [`Server::start_tls_with`]: a TLS server whose certificate a private CA
//!   signed ([`Certs`], made by `rcgen`), optionally requiring client certificates.
//! - [`Server::start_replica_of`]: a server replicating another, which
//!   [`Server::promote`] makes a master (a failover by hand).
//! - [`Masters`]: N independent servers (for Redlock and NextId).
//! - [`Cluster`]: a local Redis Cluster of 3 masters, whose slots can be held
//!   half-migrated ([`Cluster::migrate_slot_of`]) or served by a frozen master
//!   ([`Cluster::freeze_master_of`]).
//! - [`ReplicatedCluster`]: 3 masters with 1 replica each and a short node
//!   timeout, whose masters can be killed (a replica is promoted), frozen, or
//!   have a slot held migrating for a while, and whose replicas can be frozen.
//! - [`Proxy`]: a TCP proxy in front of a server that delays, drops or
//!   truncates replies, resets or black-holes connections ([`Fault`]).
//! - [`ProxiedCluster`]: 3 masters whose clients reach each node through a
//!   [`Proxy`] (each node announces its proxy's port), run with extra
//!   arguments (the AOF on) and restartable with what they persisted.
//! - [`python`]: runs a Python snippet with pottery 3.0.1 importable.

mod migration;
mod proxied;
mod proxy;
mod python;
mod replica;
mod replicas;
mod tls;

use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, Instant};

use redis_test::cluster::{RedisCluster, RedisClusterConfiguration};
use redis_test::server::RedisServer;

pub use migration::{FrozenMaster, Migration};
pub use proxied::ProxiedCluster;
pub use proxy::{Fault, Proxy};
pub use python::{python, require_python_pottery};
pub use replicas::{Failover, FrozenReplica, HeldMigration, NODE_TIMEOUT, ReplicatedCluster};
pub use tls::Certs;

/// How long a server may take to accept commands.
const READY_TIMEOUT: Duration = Duration::from_secs(10);

/// Panics with instructions unless `redis-server` can be run.
pub fn require_redis_server() {
    if let Err(why) = check_redis_server() {
        panic!("{why}");
    }
}

/// Whether `redis-server` can be run; the error says how to install it.
pub fn check_redis_server() -> Result<(), String> {
    match Command::new("redis-server").arg("--version").output() {
        Ok(out) if out.status.success() => Ok(()),
        _ => Err(
            "redis-server is not installed or not on PATH. Install it (Debian: \
                  `apt-get install -y redis-server`) or run the README's test command, \
                  `bash scripts/dev test`, which does."
                .to_owned(),
        ),
    }
}

/// One private `redis-server` on a free port, killed on drop.
pub struct Server {
    process: Option<RedisServer>,
    port: u16,
    unix_socket: Option<std::path::PathBuf>,
    tls: bool,
    /// For a server of [`Server::start_tls_with`]: what our own PING presents.
    certs: Option<redis::TlsCertificates>,
    /// For a server of [`Server::start_with`]: its extra arguments, given again
    /// on every restart.
    args: Vec<String>,
    /// For a server of [`Server::start_with`]: its working directory (`--dir`,
    /// where an AOF or RDB file lives), kept across restarts, removed on drop.
    dir: Option<tempfile::TempDir>,
}

impl Server {
    /// Starts a server on a free port and waits until it answers `PING`; panics
    /// (failing the test) when it cannot.
    pub fn start() -> Server {
        match Server::try_start() {
            Ok(server) => server,
            Err(why) => panic!("{why}"),
        }
    }

    /// Starts a server like [`Server::start`], or says why it could not.
    pub fn try_start() -> Result<Server, String> {
        check_redis_server()?;
        for _ in 0..5 {
            let port = redis_test::utils::get_random_available_port();
            let mut server = Server {
                process: Some(spawn(port, None, &[])),
                port,
                unix_socket: None,
                tls: false,
                certs: None,
                args: Vec::new(),
                dir: None,
            };
            if server.wait_ready() {
                return Ok(server);
            }
            server.stop();
        }
        Err("could not start redis-server on a free port after 5 tries".to_owned())
    }

    /// Starts a server like [`Server::start`] with extra `redis-server`
    /// arguments (they override the defaults: `--appendonly yes` turns the AOF
    /// on) and a private working directory that [`Server::restart`] keeps, so a
    /// restarted server reloads what it persisted. Panics when it cannot start.
    ///
    /// ```no_run
    /// use pottery_testkit::Server;
    ///
    /// let mut server = Server::start_with(&["--appendonly", "yes", "--appendfsync", "always"]);
    /// // ... writes ...
    /// server.restart(); // SIGKILL, then the same port, directory and arguments
    /// ```
    pub fn start_with(args: &[&str]) -> Server {
        require_redis_server();
        let dir = tempfile::Builder::new()
            .prefix("pottery-redis")
            .tempdir()
            .unwrap_or_else(|e| panic!("cannot create a directory for redis-server: {e}"));
        let mut all = vec!["--dir".to_owned(), dir.path().display().to_string()];
        all.extend(args.iter().map(|&a| a.to_owned()));
        for _ in 0..5 {
            let port = redis_test::utils::get_random_available_port();
            let mut server = Server {
                process: Some(spawn(port, None, &all)),
                port,
                unix_socket: None,
                tls: false,
                certs: None,
                args: all.clone(),
                dir: None,
            };
            if server.wait_ready() {
                server.dir = Some(dir);
                return server;
            }
            server.stop();
        }
        panic!("could not start redis-server {args:?} on a free port after 5 tries");
    }

    /// Starts a server that listens on a Unix socket only.
    pub fn start_unix() -> Server {
        require_redis_server();
        let path = std::env::temp_dir().join(format!(
            "pottery-test-{}-{}.sock",
            std::process::id(),
            redis_test::utils::get_random_available_port()
        ));
        let mut server = Server {
            process: Some(spawn(0, Some(&path), &[])),
            port: 0,
            unix_socket: Some(path),
            tls: false,
            certs: None,
            args: Vec::new(),
            dir: None,
        };
        assert!(
            server.wait_ready(),
            "redis-server did not start on a Unix socket"
        );
        server
    }

    /// Starts a server that speaks TLS only, with a self-signed certificate made
    /// by `openssl`; its URL is `rediss://127.0.0.1:PORT/0#insecure`.
    pub fn start_tls() -> Server {
        Server::spawn_tls(None, false, None)
    }

    /// Starts a server that speaks TLS only, with the server certificate of
    /// `certs` (signed by their CA); with `auth_clients` it requires a client
    /// certificate signed by that CA (`tls-auth-clients yes`). Its URL is
    /// `rediss://127.0.0.1:PORT/0`: a client must trust `certs.ca`.
    pub fn start_tls_with(certs: &Certs, auth_clients: bool) -> Server {
        let ping_with = certs.for_client(auth_clients);
        Server::spawn_tls(Some(certs.file_paths()), auth_clients, Some(ping_with))
    }

    /// A TLS server with the given files (redis-test makes some with
    /// `openssl` when there are none).
    fn spawn_tls(
        files: Option<redis_test::utils::TlsFilePaths>,
        auth_clients: bool,
        certs: Option<redis::TlsCertificates>,
    ) -> Server {
        require_redis_server();
        let port = redis_test::utils::get_random_available_port();
        let addr = redis::ConnectionAddr::TcpTls {
            host: "127.0.0.1".to_owned(),
            port,
            insecure: certs.is_none(),
            tls_params: None,
        };
        let process = RedisServer::new_with_addr_tls_modules_and_spawner(
            addr,
            None,
            files,
            auth_clients,
            None,
            &[],
            |cmd| match cmd.spawn() {
                Ok(child) => child,
                Err(err) => panic!("cannot run redis-server: {err}"),
            },
        );
        let mut server = Server {
            process: Some(process),
            port,
            unix_socket: None,
            tls: true,
            certs,
            args: Vec::new(),
            dir: None,
        };
        assert!(
            server.wait_ready(),
            "redis-server did not start with TLS: {}",
            server.log()
        );
        server
    }

    /// `redis://127.0.0.1:PORT/0`, `unix:///path` for a Unix-socket server,
    /// `rediss://127.0.0.1:PORT/0#insecure` for a [`Server::start_tls`]
    /// server, or `rediss://127.0.0.1:PORT/0` for a [`Server::start_tls_with`] one.
    pub fn url(&self) -> String {
        match &self.unix_socket {
            Some(path) => format!("unix://{}", path.display()),
            None if self.certs.is_some() => format!("rediss://127.0.0.1:{}/0", self.port),
            None if self.tls => format!("rediss://127.0.0.1:{}/0#insecure", self.port),
            None => format!("redis://127.0.0.1:{}/0", self.port),
        }
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.process.as_ref().map(|s| s.process.id())
    }

    /// Kills the server with SIGKILL, as a crash would (its data is lost:
    /// persistence is off).
    pub fn stop(&mut self) {
        if let Some(mut server) = self.process.take() {
            server.stop();
        }
    }

    /// Kills the server with SIGKILL (if it runs) and starts it again on the
    /// same port: a fresh, empty one, except for a [`Server::start_with`] server,
    /// which restarts with its arguments and directory (and so reloads its AOF).
    pub fn restart(&mut self) {
        assert!(!self.tls, "restarting a TLS server is not supported");
        self.stop();
        self.process = Some(spawn(self.port, self.unix_socket.as_deref(), &self.args));
        assert!(
            self.wait_ready(),
            "redis-server did not restart on port {}",
            self.port
        );
    }

    /// Adds arguments that every later [`Server::restart`] gives too (after
    /// those it started with): settings made at run time with `CONFIG SET`.
    pub(crate) fn keep_args(&mut self, args: &[String]) {
        self.args.extend_from_slice(args);
    }

    /// Suspends the process (SIGSTOP): it keeps its socket but never answers.
    pub fn freeze(&self) {
        self.signal("-STOP");
    }

    /// Resumes a frozen process (SIGCONT).
    pub fn thaw(&self) {
        self.signal("-CONT");
    }

    /// The server's log, for failure messages.
    pub fn log(&self) -> String {
        self.process
            .as_ref()
            .and_then(RedisServer::log_file_contents)
            .unwrap_or_default()
    }

    /// Resumes the process if it may be frozen; never panics (used in `drop`).
    fn thaw_quietly(&self) {
        if let Some(pid) = self.pid() {
            let _ = Command::new("kill")
                .arg("-CONT")
                .arg(pid.to_string())
                .status();
        }
    }

    fn signal(&self, signal: &str) {
        if let Some(pid) = self.pid() {
            let status = Command::new("kill")
                .arg(signal)
                .arg(pid.to_string())
                .status();
            assert!(
                matches!(status, Ok(s) if s.success()),
                "kill {signal} {pid} failed"
            );
        }
    }

    fn wait_ready(&mut self) -> bool {
        let deadline = Instant::now() + READY_TIMEOUT;
        while Instant::now() < deadline {
            if let Some(server) = self.process.as_mut()
                && let Ok(Some(_)) = server.process.try_wait()
            {
                return false; // exited: most likely the port was taken meanwhile
            }
            if ping(&self.url(), self.certs.as_ref()) {
                return true;
            }
            sleep(Duration::from_millis(20));
        }
        false
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.thaw_quietly();
        self.stop();
    }
}

fn spawn(port: u16, unix_socket: Option<&std::path::Path>, args: &[String]) -> RedisServer {
    let addr = match unix_socket {
        Some(path) => redis::ConnectionAddr::Unix(path.to_owned()),
        None => redis::ConnectionAddr::Tcp("127.0.0.1".to_owned(), port),
    };
    RedisServer::new_with_addr_tls_modules_and_spawner(addr, None, None, false, None, &[], |cmd| {
        cmd.arg("--appendonly").arg("no");
        // Later arguments override earlier ones.
        cmd.args(args);
        match cmd.spawn() {
            Ok(child) => child,
            Err(err) => panic!("cannot run redis-server: {err}"),
        }
    })
}

fn ping(url: &str, certs: Option<&redis::TlsCertificates>) -> bool {
    let client = match certs {
        Some(certs) => redis::Client::build_with_tls(url, certs.clone()),
        None => redis::Client::open(url),
    };
    let Ok(client) = client else {
        return false;
    };
    let Ok(mut con) = client.get_connection_with_timeout(Duration::from_millis(200)) else {
        return false;
    };
    redis::cmd("PING").query::<String>(&mut con).is_ok()
}

/// N independent private servers.
pub struct Masters {
    /// The servers, in start order.
    pub servers: Vec<Server>,
}

impl Masters {
    /// Starts `n` servers.
    pub fn start(n: usize) -> Masters {
        Masters {
            servers: (0..n).map(|_| Server::start()).collect(),
        }
    }

    /// Their URLs.
    pub fn urls(&self) -> Vec<String> {
        self.servers.iter().map(Server::url).collect()
    }
}

/// A private Redis Cluster of 3 masters without replicas, killed on drop.
pub struct Cluster {
    inner: RedisCluster,
}

impl Cluster {
    /// Starts the three nodes, creates the cluster and waits until it is up.
    pub fn start() -> Cluster {
        require_redis_server();
        let inner = RedisCluster::new(RedisClusterConfiguration::default());
        let cluster = Cluster { inner };
        let deadline = Instant::now() + READY_TIMEOUT;
        while !cluster.is_ok() {
            assert!(
                Instant::now() < deadline,
                "the test cluster did not come up"
            );
            sleep(Duration::from_millis(50));
        }
        cluster
    }

    /// The nodes' URLs.
    pub fn urls(&self) -> Vec<String> {
        self.inner
            .iter_servers()
            .filter_map(|s| s.host_and_port().map(|(h, p)| format!("redis://{h}:{p}")))
            .collect()
    }

    fn is_ok(&self) -> bool {
        self.urls().iter().all(|url| {
            let info = redis::Client::open(url.as_str())
                .and_then(|c| c.get_connection_with_timeout(Duration::from_millis(200)))
                .and_then(|mut con| redis::cmd("CLUSTER").arg("INFO").query::<String>(&mut con));
            matches!(info, Ok(text) if text.contains("cluster_state:ok"))
        })
    }
}
