//! The connection handle every structure takes, and its pieces: `pool` (the
//! blocking path's connection reuse), `async_conn` (the async path's
//! multiplexed connections, one per runtime) and `fanout` (one worker thread
//! per client for the blocking path's requests to several servers at once).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use redis::AsyncConnectionConfig;
use redis::cluster::{ClusterClient, ClusterConnection};
use redis::{ConnectionLike, RedisResult};

mod async_conn;
pub(crate) mod fanout;
mod pool;

pub use async_conn::AsyncConnection;
pub(crate) use async_conn::is_broken;
use async_conn::{AsyncConns, Lease};
use pool::Pool;

use crate::error::{Error, Result};

/// The URL used when neither a URL nor `REDIS_URL` is given, as in Python's pottery.
pub const DEFAULT_URL: &str = "redis://localhost:6379/0";

/// Default time allowed to open a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Default time allowed for Redis to answer one request.
pub const DEFAULT_RESPONSE_TIMEOUT: Duration = Duration::from_secs(10);

/// A cheap-to-clone handle on one Redis server or one Redis Cluster.
///
/// Every structure takes a `Client`. Clones share the connections: the blocking
/// API reuses pooled connections (it never opens one per operation) and the async
/// API shares one multiplexed connection, replaced on the next operation after it
/// breaks. Nothing connects until the first operation.
///
/// The async connection is made on the first async operation in each Tokio
/// runtime and lives on that runtime, so a client can move between runtimes
/// (one per test, or `block_on` calls); a few are kept at once.
///
/// # Example
///
/// ```
/// use pottery::Client;
/// use std::time::Duration;
///
/// let client = Client::open("redis://:secret@localhost:6379/2")?;
/// assert!(!format!("{client:?}").contains("secret"));
///
/// let client = Client::builder("redis://localhost:6379/0")
///     .connect_timeout(Duration::from_secs(1))
///     .response_timeout(Duration::from_millis(500))
///     .build()?;
/// # Ok::<(), pottery::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    backend: Backend,
    shown: String,
    connect_timeout: Duration,
    response_timeout: Duration,
    async_conns: AsyncConns,
    fanout: crate::client::fanout::Fanout,
}

enum Backend {
    Single {
        client: redis::Client,
        pool: Pool<redis::Connection>,
        connect_timeout: Duration,
        response_timeout: Duration,
        async_config: AsyncConnectionConfig,
    },
    Cluster {
        client: ClusterClient,
        pool: Pool<ClusterConnection>,
    },
}

/// Options for a [`Client`]; start with [`Client::builder`] or [`Client::cluster_builder`].
///
/// # Example
///
/// ```
/// use std::time::Duration;
///
/// let client = pottery::Client::cluster_builder(["redis://127.0.0.1:7000", "redis://127.0.0.1:7001"])
///     .response_timeout(Duration::from_secs(2))
///     .build()?;
/// assert!(client.is_cluster());
/// # Ok::<(), pottery::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct ClientBuilder {
    nodes: Vec<String>,
    cluster: bool,
    connect_timeout: Duration,
    response_timeout: Duration,
}

impl ClientBuilder {
    /// Sets how long opening a connection may take (default 5 s).
    ///
    /// ```
    /// let b = pottery::Client::builder("redis://localhost").connect_timeout(std::time::Duration::from_secs(1));
    /// # let _ = b;
    /// ```
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets how long Redis may take to answer one request (default 10 s).
    ///
    /// ```
    /// let b = pottery::Client::builder("redis://localhost").response_timeout(std::time::Duration::from_secs(1));
    /// # let _ = b;
    /// ```
    pub fn response_timeout(mut self, timeout: Duration) -> Self {
        self.response_timeout = timeout;
        self
    }

    /// Checks the URLs and makes the client; nothing connects yet.
    ///
    /// ```
    /// assert_eq!(pottery::Client::builder("nope://x").build().unwrap_err().kind(), pottery::ErrorKind::Config);
    /// ```
    pub fn build(self) -> Result<Client> {
        let shown = self
            .nodes
            .iter()
            .map(|n| redact(n))
            .collect::<Vec<_>>()
            .join(", ");
        let bad = |err: redis::RedisError| {
            Error::config(format!(
                "cannot use {shown}: {}",
                describe_config_error(&err)
            ))
        };
        let backend = if self.cluster {
            if self.nodes.is_empty() {
                return Err(Error::config("a cluster needs at least one node URL"));
            }
            let client = ClusterClient::builder(self.nodes.iter().map(String::as_str))
                .connection_timeout(self.connect_timeout)
                .response_timeout(self.response_timeout)
                .build()
                .map_err(bad)?;
            Backend::Cluster {
                client,
                pool: Pool::new(),
            }
        } else {
            let url = self.nodes.first().map_or(DEFAULT_URL, String::as_str);
            let client = redis::Client::open(url).map_err(bad)?;
            let async_config = AsyncConnectionConfig::new()
                .set_connection_timeout(Some(self.connect_timeout))
                .set_response_timeout(Some(self.response_timeout));
            Backend::Single {
                client,
                pool: Pool::new(),
                connect_timeout: self.connect_timeout,
                response_timeout: self.response_timeout,
                async_config,
            }
        };
        Ok(Client {
            inner: Arc::new(Inner {
                backend,
                shown,
                connect_timeout: self.connect_timeout,
                response_timeout: self.response_timeout,
                async_conns: AsyncConns::new(),
                fanout: crate::client::fanout::Fanout::default(),
            }),
        })
    }
}

impl Client {
    /// Opens a handle on the server at `url`: `redis://[user:password@]host[:port][/db]`,
    /// `rediss://...` (with the `tls` feature) or `unix:///path/to/socket[?db=N]`.
    ///
    /// ```
    /// let client = pottery::Client::open("redis://127.0.0.1:6379/1")?;
    /// assert!(!client.is_cluster());
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn open(url: &str) -> Result<Client> {
        Client::builder(url).build()
    }

    /// Opens a handle on `REDIS_URL`, or on `redis://localhost:6379/0` when it is unset.
    ///
    /// ```
    /// let client = pottery::Client::from_env()?;
    /// # let _ = client;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn from_env() -> Result<Client> {
        let url = std::env::var("REDIS_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned());
        Client::open(&url)
    }

    /// Opens a handle on a Redis Cluster reached through any of `nodes`.
    ///
    /// ```
    /// let client = pottery::Client::cluster(["redis://127.0.0.1:7000"])?;
    /// assert!(client.is_cluster());
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn cluster<I, S>(nodes: I) -> Result<Client>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        Client::cluster_builder(nodes).build()
    }

    /// Starts configuring a handle on the server at `url`.
    ///
    /// ```
    /// let client = pottery::Client::builder("redis://localhost").build()?;
    /// # let _ = client;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn builder(url: &str) -> ClientBuilder {
        ClientBuilder {
            nodes: vec![url.to_owned()],
            cluster: false,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            response_timeout: DEFAULT_RESPONSE_TIMEOUT,
        }
    }

    /// Starts configuring a handle on a Redis Cluster.
    ///
    /// ```
    /// let client = pottery::Client::cluster_builder(["redis://127.0.0.1:7000"]).build()?;
    /// # let _ = client;
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn cluster_builder<I, S>(nodes: I) -> ClientBuilder
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        ClientBuilder {
            nodes: nodes.into_iter().map(|n| n.as_ref().to_owned()).collect(),
            cluster: true,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            response_timeout: DEFAULT_RESPONSE_TIMEOUT,
        }
    }

    /// Whether this handle talks to a Redis Cluster.
    ///
    /// ```
    /// assert!(!pottery::Client::open("redis://localhost")?.is_cluster());
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn is_cluster(&self) -> bool {
        matches!(self.inner.backend, Backend::Cluster { .. })
    }

    /// Runs `f` on a pooled blocking connection: raw redis-rs commands on the same
    /// server, for what the structures do not cover.
    ///
    /// ```no_run
    /// let client = pottery::Client::from_env()?;
    /// let pong: String = client.with_connection(|con| redis::cmd("PING").query(con))?;
    /// assert_eq!(pong, "PONG");
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn with_connection<T>(
        &self,
        f: impl FnOnce(&mut dyn ConnectionLike) -> RedisResult<T>,
    ) -> Result<T> {
        self.blocking(|con| f(con))
            .map_err(|e| Error::from_redis(None, e))
    }

    /// The shared async connection (multiplexed, reconnecting), made on first use
    /// in each Tokio runtime.
    ///
    /// ```no_run
    /// # async fn demo() -> pottery::Result<()> {
    /// let client = pottery::Client::from_env()?;
    /// let mut con = client.async_connection().await?;
    /// let pong: String = redis::cmd("PING").query_async(&mut con).await.unwrap();
    /// assert_eq!(pong, "PONG");
    /// # Ok(()) }
    /// ```
    pub async fn async_connection(&self) -> Result<AsyncConnection> {
        Ok(self.async_lease().await?.conn)
    }

    /// The current runtime's async connection, connecting if needed, within the
    /// connect timeout.
    pub(crate) async fn async_lease(&self) -> Result<Lease> {
        let connect = || async {
            let connecting = async {
                match &self.inner.backend {
                    Backend::Single {
                        client,
                        async_config,
                        ..
                    } => client
                        .get_multiplexed_async_connection_with_config(async_config)
                        .await
                        .map(AsyncConnection::Single),
                    Backend::Cluster { client, .. } => client
                        .get_async_connection()
                        .await
                        .map(|c| AsyncConnection::Cluster(Box::new(c))),
                }
            };
            match tokio::time::timeout(self.inner.connect_timeout, connecting).await {
                Ok(made) => made.map_err(|e| Error::from_redis(None, e)),
                Err(_) => {
                    let timeout = std::io::Error::from(std::io::ErrorKind::TimedOut);
                    Err(Error::from_redis(None, timeout.into()))
                }
            }
        };
        self.inner.async_conns.get(connect).await
    }

    /// Forgets a single-server async connection that broke, so the next
    /// operation reconnects (a cluster connection reconnects by itself).
    pub(crate) fn async_broken(&self, lease: &Lease) {
        if matches!(lease.conn, AsyncConnection::Single(_)) {
            self.inner.async_conns.forget(lease.generation);
        }
    }

    /// Runs `f` on a pooled blocking connection, opening one if none is idle.
    pub(crate) fn blocking<T>(
        &self,
        f: impl FnOnce(&mut dyn ConnectionLike) -> RedisResult<T>,
    ) -> RedisResult<T> {
        self.blocking_within(None, f)
    }

    /// Like [`blocking`](Self::blocking), but a single server's connection waits
    /// at most `timeout` (instead of the response timeout) for this call's reply.
    /// A connection that timed out is not reused. A cluster keeps its timeouts.
    pub(crate) fn blocking_within<T>(
        &self,
        timeout: Option<Duration>,
        f: impl FnOnce(&mut dyn ConnectionLike) -> RedisResult<T>,
    ) -> RedisResult<T> {
        match &self.inner.backend {
            Backend::Single {
                client,
                pool,
                connect_timeout,
                response_timeout,
                ..
            } => pool.with(
                || {
                    let con = client.get_connection_with_timeout(*connect_timeout)?;
                    con.set_read_timeout(Some(*response_timeout))?;
                    con.set_write_timeout(Some(*response_timeout))?;
                    Ok(con)
                },
                |con| match timeout {
                    None => f(con),
                    Some(timeout) => {
                        con.set_read_timeout(Some(timeout))?;
                        let result = f(con);
                        con.set_read_timeout(Some(*response_timeout))?;
                        result
                    }
                },
            ),
            Backend::Cluster { client, pool } => {
                pool.with(|| client.get_connection(), |con| f(con))
            }
        }
    }

    /// How long Redis may take to answer one request: the deadline of a call
    /// that has none of its own.
    ///
    /// ```
    /// let client = pottery::Client::open("redis://localhost")?;
    /// assert_eq!(client.response_timeout(), pottery::DEFAULT_RESPONSE_TIMEOUT);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn response_timeout(&self) -> Duration {
        self.inner.response_timeout
    }

    /// A handle on existing state (for the fan-out worker, which holds it weakly).
    pub(crate) fn from_inner(inner: Arc<Inner>) -> Client {
        Client { inner }
    }

    /// Runs `job` on this client's fan-out worker, after the jobs queued before
    /// it; `false` if the worker cannot be started.
    pub(crate) fn submit(&self, job: crate::client::fanout::Job) -> bool {
        self.inner.fanout.submit(&self.inner, job)
    }

    /// Whether `other` is a clone of this handle (same connections).
    pub(crate) fn same_as(&self, other: &Client) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// Drops idle pooled connections (they reopen on demand).
    ///
    /// ```
    /// pottery::Client::open("redis://localhost")?.close_idle();
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn close_idle(&self) {
        match &self.inner.backend {
            Backend::Single { pool, .. } => pool.clear(),
            Backend::Cluster { pool, .. } => pool.clear(),
        }
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.is_cluster() {
            "cluster"
        } else {
            "server"
        };
        f.debug_struct("Client")
            .field(kind, &self.inner.shown)
            .finish()
    }
}

/// A URL with any password replaced by `***`.
fn redact(url: &str) -> String {
    let mut out = url.to_owned();
    if let Some(scheme_end) = out.find("://") {
        let rest_start = scheme_end + 3;
        let authority_end = out[rest_start..]
            .find('/')
            .map_or(out.len(), |i| rest_start + i);
        if let Some(at) = out[rest_start..authority_end].rfind('@') {
            let userinfo = &out[rest_start..rest_start + at];
            let shown = match userinfo.split_once(':') {
                Some((user, _)) => format!("{user}:***"),
                None => "***".to_owned(),
            };
            out.replace_range(rest_start..rest_start + at, &shown);
        }
    }
    if let Some(q) = out.find('?') {
        let (base, query) = out.split_at(q + 1);
        let query = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, _)) if k == "pass" || k == "password" => format!("{k}=***"),
                _ => pair.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("&");
        out = format!("{base}{query}");
    }
    out
}

/// A config error's description, without anything that could echo a password.
fn describe_config_error(err: &redis::RedisError) -> String {
    match err.kind() {
        redis::ErrorKind::InvalidClientConfig => {
            "invalid URL or option (expected redis://, rediss:// or unix://)".to_owned()
        }
        kind => format!("{kind:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact("redis://u:pw@h:1/0"), "redis://u:***@h:1/0");
        assert_eq!(redact("redis://:pw@h"), "redis://:***@h");
        assert_eq!(redact("redis://pw@h"), "redis://***@h");
        assert_eq!(redact("redis://h:6379/2"), "redis://h:6379/2");
        assert_eq!(
            redact("unix:///tmp/r.sock?db=1&pass=pw"),
            "unix:///tmp/r.sock?db=1&pass=***"
        );
        assert_eq!(redact("redis://u:p@ss@h/0"), "redis://u:***@h/0");
    }
}
