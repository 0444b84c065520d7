//! The connection handle every structure takes, and its pieces: `builder` (its
//! options), `pool` (the blocking path's connection reuse), `timed` (the
//! blocking path's connections, which keep a call's deadline), `async_conn` (the
//! async path's multiplexed connections, one per runtime), `fanout` (one
//! worker thread per client for the blocking path's requests to several servers
//! at once) and `subscriber` (one pub/sub connection per client, for the
//! wake-ups of waiting calls).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

#[cfg(feature = "async")]
use redis::AsyncConnectionConfig;
use redis::cluster::{ClusterClient, ClusterConnection};
use redis::{ConnectionLike, RedisResult};

#[cfg(feature = "async")]
mod async_conn;
mod builder;
pub(crate) mod fanout;
mod pool;
mod redact;
mod subscriber;
pub(crate) mod timed;
#[cfg(feature = "tls")]
mod tls;

#[cfg(feature = "async")]
pub use async_conn::AsyncConnection;
#[cfg(feature = "async")]
use async_conn::AsyncConns;
#[cfg(feature = "async")]
pub(crate) use async_conn::{Lease, is_broken};
pub use builder::ClientBuilder;
use pool::Pool;
pub use redact::redact_url;
pub(crate) use subscriber::Membership;
use timed::Timed;

use crate::engine::Deadline;
use crate::error::{Error, Result};

/// The URL used when neither a URL nor `REDIS_URL` is given, as in Python's pottery.
pub const DEFAULT_URL: &str = "redis://localhost:6379/0";

/// Default time allowed to open a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Default deadline of a call: the time Redis has to answer it.
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
#[doc = include_str!("guarantees.md")]
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
///
/// // From a redis-rs client (default timeouts; `ClientBuilder::from` to set them).
/// let client = Client::from(redis::Client::open("redis://localhost:6379/0").unwrap());
/// # let _ = client;
/// # Ok::<(), pottery::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    /// Where temporary structures' keys start (`None`: `pottery:`); see
    /// `Client::with_temporary_prefix` in `key.rs`.
    pub(crate) temporary_prefix: Option<Arc<str>>,
}

pub(crate) struct Inner {
    backend: Backend,
    shown: String,
    /// Read only by the async side (the blocking one has it in `Backend`).
    #[cfg_attr(not(feature = "async"), allow(dead_code))]
    connect_timeout: Duration,
    response_timeout: Duration,
    #[cfg(feature = "async")]
    async_conns: AsyncConns,
    fanout: crate::client::fanout::Fanout,
    /// The wake-ups of waiting calls (one pub/sub connection, lazily).
    subscriber: subscriber::Hub,
}

enum Backend {
    Single {
        /// The async connections' client.
        #[cfg_attr(not(feature = "async"), allow(dead_code))]
        client: redis::Client,
        /// `client` without its handshake's CLIENT SETINFO, for the blocking
        /// path (see `timed::without_setinfo`).
        blocking: redis::Client,
        pool: Pool<Timed>,
        /// `None`: no limit.
        connect_timeout: Option<Duration>,
        response_timeout: Option<Duration>,
        #[cfg(feature = "async")]
        async_config: AsyncConnectionConfig,
    },
    Cluster {
        client: ClusterClient,
        pool: Pool<ClusterConnection<Timed>>,
        /// Whether its timeouts and retries are ours (not a redis-rs client
        /// built elsewhere): then the async connection bounds a call that has
        /// its full response timeout ahead by itself, with no timer of ours.
        #[cfg_attr(not(feature = "async"), allow(dead_code))]
        tuned: bool,
        /// The first node URL's settings (credentials, TLS), which the
        /// subscriber's node connections use with each node's address;
        /// `None` for a redis-rs client made elsewhere (no wake-ups).
        node_info: Option<redis::ConnectionInfo>,
    },
}

impl Backend {
    fn single(
        client: redis::Client,
        connect_timeout: Option<Duration>,
        response_timeout: Option<Duration>,
    ) -> Backend {
        Backend::Single {
            blocking: timed::without_setinfo(&client),
            client,
            pool: Pool::new(),
            connect_timeout,
            response_timeout,
            #[cfg(feature = "async")]
            async_config: AsyncConnectionConfig::new()
                .set_connection_timeout(connect_timeout)
                .set_response_timeout(response_timeout),
        }
    }

    fn cluster(
        client: ClusterClient,
        tuned: bool,
        node_info: Option<redis::ConnectionInfo>,
    ) -> Backend {
        Backend::Cluster {
            client,
            pool: Pool::new(),
            tuned,
            node_info,
        }
    }
}

/// A new blocking cluster connection; its node connections are `Timed`, so
/// they keep the current call's deadline.
fn open_cluster(
    client: &ClusterClient,
    timeout: Duration,
) -> RedisResult<ClusterConnection<Timed>> {
    let con = client.get_generic_connection::<Timed>()?;
    con.set_write_timeout(builder::finite(timeout))?;
    Ok(con)
}

/// A client for an existing redis-rs client (its URL, database, credentials
/// and TLS settings), with the default timeouts; use
/// [`ClientBuilder::from`](ClientBuilder) to set them.
///
/// ```
/// let redis_client = redis::Client::open("redis://127.0.0.1:6379/1").unwrap();
/// let client = pottery::Client::from(redis_client);
/// assert_eq!(client.response_timeout(), pottery::DEFAULT_RESPONSE_TIMEOUT);
/// ```
impl From<redis::Client> for Client {
    fn from(client: redis::Client) -> Self {
        builder::Existing::Redis(Box::new(client)).client()
    }
}

/// A client for an existing redis-rs cluster client. It keeps the timeouts and
/// retry settings it was built with; pottery still keeps each call's deadline,
/// but a blocking call may overrun it by one of that client's retry waits
/// (redis-rs's default: 1.28 s or more). Prefer [`Client::cluster_builder`].
///
/// ```
/// let cluster = redis::cluster::ClusterClient::new(["redis://127.0.0.1:7000"]).unwrap();
/// assert!(pottery::Client::from(cluster).is_cluster());
/// ```
impl From<ClusterClient> for Client {
    fn from(client: ClusterClient) -> Self {
        builder::Existing::RedisCluster(Box::new(client)).client()
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
        ClientBuilder::urls(vec![url.to_owned()], false)
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
        let nodes = nodes.into_iter().map(|n| n.as_ref().to_owned()).collect();
        ClientBuilder::urls(nodes, true)
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
    /// server, for what the structures do not cover. Everything `f` sends
    /// shares one deadline, the response timeout (see "Deadlines").
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

    /// Runs `f` on a pooled blocking connection within the response timeout.
    pub(crate) fn blocking<T>(
        &self,
        f: impl FnOnce(&mut dyn ConnectionLike) -> RedisResult<T>,
    ) -> RedisResult<T> {
        self.blocking_until(Deadline::after(self.response_timeout()), f)
    }

    /// Runs `f` on a pooled blocking connection (opened if none is idle), all
    /// of it by `deadline`: opening the connection, each request `f` makes and,
    /// on a cluster, redis-rs's redirects and retries (see `timed`). A
    /// connection that timed out is not reused; one the server dropped takes
    /// the idle ones with it (see `pool`).
    pub(crate) fn blocking_until<T>(
        &self,
        deadline: Deadline,
        f: impl FnOnce(&mut dyn ConnectionLike) -> RedisResult<T>,
    ) -> RedisResult<T> {
        let mut once = Some(f);
        self.pooled(deadline, false, |con| match once.take() {
            Some(f) => f(con),
            // Unreachable: without a retry the pool runs it once.
            None => Err(timed::not_sent()),
        })
    }

    /// [`blocking_until`](Client::blocking_until) for a request that changes
    /// nothing: if the server dropped the reused connection it ran on (after
    /// a restart), it runs once more on a new one, by the same deadline.
    pub(crate) fn blocking_read_until<T>(
        &self,
        deadline: Deadline,
        f: impl FnMut(&mut dyn ConnectionLike) -> RedisResult<T>,
    ) -> RedisResult<T> {
        self.pooled(deadline, true, f)
    }

    fn pooled<T>(
        &self,
        deadline: Deadline,
        retry: bool,
        mut f: impl FnMut(&mut dyn ConnectionLike) -> RedisResult<T>,
    ) -> RedisResult<T> {
        let timeout = self.response_timeout();
        timed::within(deadline, || match &self.inner.backend {
            Backend::Single {
                blocking,
                pool,
                connect_timeout: connect,
                response_timeout: response,
                ..
            } => pool.run(
                retry,
                || Timed::open(blocking, *connect, *response),
                |con| f(con),
            ),
            Backend::Cluster { client, pool, .. } => {
                let (result, trouble) = timed::watching_nodes(|| {
                    timed::keeping_busy(|| {
                        pool.run(retry, || open_cluster(client, timeout), |con| f(con))
                    })
                });
                // A node timed out or is gone: the slot maps of this connection
                // and of the idle ones may be stale (see `timed::watching_nodes`);
                // new connections read the cluster's current one.
                if trouble {
                    pool.clear();
                }
                result
            }
        })
    }

    /// The deadline of a call that has none of its own (see "Deadlines").
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
        Client {
            inner,
            temporary_prefix: None,
        }
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

impl Client {
    /// The handle on `backend`, configured as checked by the builder.
    fn assemble(
        backend: Backend,
        shown: String,
        connect_timeout: Duration,
        response_timeout: Duration,
    ) -> Client {
        let sharded = matches!(backend, Backend::Cluster { .. });
        Client {
            inner: Arc::new(Inner {
                subscriber: subscriber::Hub::new(sharded),
                backend,
                shown,
                connect_timeout,
                response_timeout,
                #[cfg(feature = "async")]
                async_conns: AsyncConns::new(),
                fanout: crate::client::fanout::Fanout::default(),
            }),
            temporary_prefix: None,
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
