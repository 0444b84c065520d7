//! The async path's connections: one multiplexed connection per Tokio runtime,
//! replaced after it breaks.
//!
//! A multiplexed connection's driver task lives on the runtime that made it, so a
//! client used from several runtimes (one per test, or successive `block_on`s)
//! keeps one connection for each, most recent first. We use redis-rs's plain
//! `MultiplexedConnection` and reconnect ourselves: its `ConnectionManager` does the
//! same but costs a shared-future clone and await on every request, which showed
//! as 5-10% of throughput under concurrency.
//!
//! A cluster connection whose calls time out or lose their node is replaced
//! once the cluster's slot map has changed (a replica took over): see
//! `Client::async_trouble`.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use redis::aio::MultiplexedConnection;
use redis::{Cmd, Pipeline, RedisFuture, RedisResult, Value};
use tokio::runtime::{Handle, Id as RuntimeId};

use super::{Backend, Client, Inner, timed};
use crate::engine::Deadline;
use crate::error::{Error, Result};

/// Runtimes whose connections a client keeps (the oldest is dropped).
const MAX_RUNTIMES: usize = 4;

/// The longest a replacement cluster connection (see `Client::async_trouble`)
/// waits to connect to a node and for its handshake; also its connect timeout
/// afterwards, when it reconnects a node (the client's own when shorter).
const REPLACEMENT_CONNECT: Duration = Duration::from_millis(500);

/// The async connection of a [`Client`](crate::Client): multiplexed, so one
/// connection carries every concurrent request; cheap to clone.
///
/// It implements redis-rs's async `ConnectionLike`, so raw commands run on it.
///
/// ```
/// # let server = pottery_testkit::Server::start();
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let mut con = pottery::Client::open(&server.url())?.async_connection().await?;
/// let n: i64 = redis::cmd("DBSIZE").query_async(&mut con).await.unwrap();
/// assert_eq!(n, 0);
/// # Ok::<(), pottery::Error>(())
/// # }).unwrap();
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "async")))]
#[derive(Clone)]
pub enum AsyncConnection {
    /// One server.
    Single(MultiplexedConnection),
    /// A Redis Cluster (it follows `MOVED` replies and reconnects by itself;
    /// the client replaces it after a failover, see [`Client`]'s "Cluster failover").
    Cluster(Box<redis::cluster_async::ClusterConnection>),
}

impl fmt::Debug for AsyncConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AsyncConnection::Single(_) => "AsyncConnection::Single",
            AsyncConnection::Cluster(_) => "AsyncConnection::Cluster",
        })
    }
}

impl redis::aio::ConnectionLike for AsyncConnection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            AsyncConnection::Single(c) => c.req_packed_command(cmd),
            AsyncConnection::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            AsyncConnection::Single(c) => c.req_packed_commands(pipeline, offset, count),
            AsyncConnection::Cluster(c) => c.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            AsyncConnection::Single(c) => c.get_db(),
            AsyncConnection::Cluster(c) => c.get_db(),
        }
    }
}

/// A connection handed out, with the number that identifies it for [`AsyncConns::forget`].
pub(crate) struct Lease {
    pub(crate) conn: AsyncConnection,
    pub(crate) generation: u64,
}

struct Entry {
    runtime: RuntimeId,
    generation: u64,
    conn: AsyncConnection,
    /// A cluster's slot map when the connection was made (see [`Client::async_trouble`]).
    slots: Option<SlotMap>,
    /// A task watches the cluster's slot map for this connection.
    watching: bool,
    /// When a call on it last timed out or lost its connection.
    trouble_at: Instant,
}

/// A client's async connections, one per runtime.
pub(crate) struct AsyncConns {
    entries: Mutex<Vec<Entry>>,
    /// Held while connecting, so concurrent first calls make one connection.
    connecting: tokio::sync::Mutex<()>,
    generations: AtomicU64,
}

impl AsyncConns {
    pub(crate) fn new() -> Self {
        AsyncConns {
            entries: Mutex::new(Vec::new()),
            connecting: tokio::sync::Mutex::new(()),
            generations: AtomicU64::new(0),
        }
    }

    /// The current runtime's connection, if it has one.
    pub(crate) fn cached(&self) -> Option<Lease> {
        let runtime = Handle::current().id();
        let entries = self.entries.lock().ok()?;
        let entry = entries.iter().find(|e| e.runtime == runtime)?;
        Some(Lease {
            conn: entry.conn.clone(),
            generation: entry.generation,
        })
    }

    /// The current runtime's connection, made by `connecting` unless another
    /// call made one meanwhile (concurrent first calls make one connection).
    pub(crate) async fn connect(
        &self,
        connecting: impl Future<Output = RedisResult<AsyncConnection>>,
    ) -> RedisResult<(Lease, bool)> {
        let _connecting = self.connecting.lock().await;
        if let Some(lease) = self.cached() {
            return Ok((lease, false));
        }
        let conn = connecting.await?;
        let runtime = Handle::current().id();
        let generation = self.generations.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|e| e.runtime != runtime);
            let entry = Entry {
                runtime,
                generation,
                conn: conn.clone(),
                slots: None,
                watching: false,
                trouble_at: Instant::now(),
            };
            entries.insert(0, entry);
            entries.truncate(MAX_RUNTIMES);
        }
        Ok((Lease { conn, generation }, true))
    }

    /// Notes trouble on connection `generation`; whether to start watching
    /// the slot map for it (it is still the current runtime's, and no task
    /// watches it yet).
    fn trouble(&self, generation: u64) -> bool {
        let Ok(mut entries) = self.entries.lock() else {
            return false;
        };
        let Some(entry) = entries.iter_mut().find(|e| e.generation == generation) else {
            return false; // already replaced
        };
        entry.trouble_at = Instant::now();
        !std::mem::replace(&mut entry.watching, true)
    }

    /// The current runtime's connection, its generation and slot map, and
    /// when it last had trouble.
    fn watched(&self) -> Option<(Lease, Option<SlotMap>, Instant)> {
        let runtime = Handle::current().id();
        let entries = self.entries.lock().ok()?;
        let entry = entries.iter().find(|e| e.runtime == runtime)?;
        let lease = Lease {
            conn: entry.conn.clone(),
            generation: entry.generation,
        };
        Some((lease, entry.slots.clone(), entry.trouble_at))
    }

    /// Records the slot map of connection `generation`; with `replacement`,
    /// puts that connection (made with `slots`) in its place and ends the watch;
    /// with `stop`, ends the watch.
    fn update(
        &self,
        generation: u64,
        slots: Option<SlotMap>,
        replacement: Option<AsyncConnection>,
        stop: bool,
    ) {
        let next = self.generations.fetch_add(1, Ordering::Relaxed);
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        let Some(entry) = entries.iter_mut().find(|e| e.generation == generation) else {
            return;
        };
        if slots.is_some() {
            entry.slots = slots;
        }
        if let Some(conn) = replacement {
            entry.conn = conn;
            entry.generation = next;
            entry.watching = false;
        }
        if stop {
            entry.watching = false;
        }
    }

    /// Drops connection `generation` after it broke: the next call reconnects.
    pub(crate) fn forget(&self, generation: u64) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|e| e.generation != generation);
        }
    }
}

/// Whether `err` means the connection itself is gone (not a slow or failed request).
pub(crate) fn is_broken(err: &redis::RedisError) -> bool {
    err.is_io_error() && !err.is_timeout()
        || err.is_connection_dropped()
        || err.is_connection_refusal()
        || err.is_unrecoverable_error()
}

// The client's async side (the blocking side is in `client/mod.rs`).
impl Client {
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
    #[cfg_attr(docsrs, doc(cfg(feature = "async")))]
    pub async fn async_connection(&self) -> Result<AsyncConnection> {
        let deadline = Deadline::after(self.response_timeout());
        let lease = self.async_lease(deadline).await;
        Ok(lease.map_err(|e| Error::from_redis(None, e))?.conn)
    }

    /// The current runtime's async connection, connecting if needed within the
    /// connect timeout and `deadline`. A connection already made is returned
    /// at once, with no timer.
    pub(crate) async fn async_lease(&self, deadline: Deadline) -> RedisResult<Lease> {
        if let Some(lease) = self.inner.async_conns.cached() {
            return Ok(lease);
        }
        // Boxed: connecting is a large future (redis-rs's handshake, 4 KiB),
        // and inline it would make every call's future that large (and moved
        // whole at each step), though only a first call connects.
        Box::pin(self.async_connect(deadline)).await
    }

    /// [`async_lease`](Client::async_lease) when no connection is made yet.
    async fn async_connect(&self, deadline: Deadline) -> RedisResult<Lease> {
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
        let limit = deadline.cap(self.inner.connect_timeout);
        let connect = self.inner.async_conns.connect(connecting);
        let made = if limit == Duration::MAX {
            connect.await
        } else if limit.is_zero() {
            Err(timed::not_sent())
        } else {
            // Dropping `connect` at the deadline gives up the half-made connection.
            tokio::time::timeout(limit, connect)
                .await
                .unwrap_or_else(|_| Err(timed_out()))
        };
        let (lease, new) = made?;
        if new && matches!(lease.conn, AsyncConnection::Cluster(_)) {
            self.record_slots(&lease);
        }
        Ok(lease)
    }

    /// Forgets a single-server async connection that broke or left a request
    /// unanswered, so the next operation reconnects (a cluster connection
    /// reconnects by itself; calls still on the old one finish on it).
    pub(crate) fn async_broken(&self, lease: &Lease) {
        if matches!(lease.conn, AsyncConnection::Single(_)) {
            crate::trace::warn_event!(server = %self.inner.shown, "pottery: the async connection broke or left a request unanswered; the next call reconnects");
            self.inner.async_conns.forget(lease.generation);
        }
    }

    /// After a call on async connection `generation` timed out or lost its
    /// connection: on a cluster, a task watches the cluster's slot map (for
    /// [`WATCH`] after the last such call) and, once it differs from the one
    /// the connection was made with (a replica took over), makes a new
    /// connection beside the one in use and puts it in its place.
    ///
    /// redis-rs's cluster connection refreshes its slot map on `MOVED` only,
    /// which a frozen master never sends: its slots' calls would time out
    /// until it came back, long after its replica took over. Nor can we have
    /// it refresh sooner: it holds every request while it does, waiting on
    /// each node that does not answer. A new connection made before the
    /// failover would do just that, so the task waits for the new slot map.
    pub(crate) fn async_trouble(&self, generation: u64) {
        if !matches!(self.inner.backend, Backend::Cluster { .. })
            || !self.inner.async_conns.trouble(generation)
        {
            return;
        }
        let (client, inner) = (self.clone(), Arc::downgrade(&self.inner));
        drop(tokio::spawn(async move {
            let replacement = client.replacement();
            drop(client); // a watch does not keep a dropped client alive
            watch(inner, replacement).await;
        }));
    }

    /// Records, in the background, the slot map of a new cluster connection.
    fn record_slots(&self, lease: &Lease) {
        let (inner, mut conn, generation) = (
            Arc::downgrade(&self.inner),
            lease.conn.clone(),
            lease.generation,
        );
        drop(tokio::spawn(async move {
            let slots = slot_map(&mut conn).await;
            if let Some(inner) = inner.upgrade() {
                inner.async_conns.update(generation, slots, None, false);
            }
        }));
    }

    /// Makes a new cluster connection: our settings, but a short connect
    /// timeout (redis-rs waits for every initial node, and a frozen one would
    /// take the whole connect timeout); a redis-rs client made elsewhere keeps
    /// its own settings.
    fn replacement(&self) -> impl Fn() -> Replacement + Send + 'static {
        let (client, config) = match &self.inner.backend {
            Backend::Cluster { client, tuned, .. } => {
                let config = redis::cluster::ClusterConfig::new()
                    .set_connection_timeout(self.inner.connect_timeout.min(REPLACEMENT_CONNECT));
                let config = match super::builder::finite(self.response_timeout()) {
                    Some(limit) => config.set_response_timeout(limit),
                    None => config,
                };
                (Some(client.clone()), tuned.then_some(config))
            }
            Backend::Single { .. } => (None, None),
        };
        move || {
            let (client, config) = (client.clone(), config.clone());
            Box::pin(async move {
                let client = client?;
                let made = match config {
                    Some(config) => client.get_async_connection_with_config(config).await,
                    None => client.get_async_connection().await,
                };
                made.ok().map(|c| AsyncConnection::Cluster(Box::new(c)))
            })
        }
    }

    /// Whether the async connection ends a request (retries included) at the
    /// response timeout by itself: not a redis-rs cluster client made
    /// elsewhere, whose settings we do not know.
    pub(crate) fn async_keeps_timeout(&self) -> bool {
        !matches!(self.inner.backend, Backend::Cluster { tuned: false, .. })
    }
}

/// An I/O timeout, as redis-rs reports one.
fn timed_out() -> redis::RedisError {
    std::io::Error::from(std::io::ErrorKind::TimedOut).into()
}

/// The making of a replacement cluster connection (`None`: it failed).
type Replacement = std::pin::Pin<Box<dyn Future<Output = Option<AsyncConnection>> + Send>>;

/// A cluster's slot map: `(first slot, last slot, master's node id)`, in order.
type SlotMap = Vec<(i64, i64, String)>;

/// How long the slot map is watched after the last call that had trouble.
const WATCH: Duration = Duration::from_secs(5);

/// How often the watch reads the slot map.
const POLL: Duration = Duration::from_millis(100);

/// How long the watch waits for a slot map (a random node may be the one not
/// answering; the next read asks another).
const PROBE: Duration = Duration::from_millis(200);

/// Watches the slot map for the current runtime's cluster connection (see
/// `Client::async_trouble`).
async fn watch(inner: Weak<Inner>, replacement: impl Fn() -> Replacement) {
    loop {
        let Some((mut lease, known, trouble_at)) = inner
            .upgrade()
            .and_then(|inner| inner.async_conns.watched())
        else {
            return;
        };
        let stop = trouble_at.elapsed() > WATCH;
        let now = if stop {
            None
        } else {
            slot_map(&mut lease.conn).await
        };
        let made = match (&known, &now) {
            (Some(known), Some(now)) if known != now => replacement().await,
            _ => None,
        };
        let Some(inner) = inner.upgrade() else {
            return;
        };
        let replaced = made.is_some();
        // Without a map of its own yet, the connection's is the first read.
        let slots = if known.is_none() || replaced {
            now
        } else {
            None
        };
        inner
            .async_conns
            .update(lease.generation, slots, made, stop);
        if stop || replaced {
            return;
        }
        drop(inner);
        tokio::time::sleep(POLL).await;
    }
}

/// The cluster's slot map as a random node sees it, if it answers in time.
async fn slot_map(conn: &mut AsyncConnection) -> Option<SlotMap> {
    use redis::cluster_routing::{RoutingInfo, SingleNodeRoutingInfo};
    let AsyncConnection::Cluster(cluster) = conn else {
        return None;
    };
    let mut cmd = redis::cmd("CLUSTER");
    cmd.arg("SLOTS");
    let routing = RoutingInfo::SingleNode(SingleNodeRoutingInfo::Random);
    let reply = tokio::time::timeout(PROBE, cluster.route_command(cmd, routing))
        .await
        .ok()?
        .ok()?;
    // [[first, last, [ip, port, id, ...], replicas...], ...]
    let Value::Array(ranges) = reply else {
        return None;
    };
    let mut map: SlotMap = ranges
        .iter()
        .filter_map(|range| {
            let Value::Array(fields) = range else {
                return None;
            };
            let (Some(Value::Int(first)), Some(Value::Int(last)), Some(Value::Array(master))) =
                (fields.first(), fields.get(1), fields.get(2))
            else {
                return None;
            };
            let id = match master.get(2)? {
                Value::BulkString(id) => String::from_utf8_lossy(id).into_owned(),
                Value::SimpleString(id) => id.clone(),
                _ => return None,
            };
            Some((*first, *last, id))
        })
        .collect();
    map.sort_unstable();
    Some(map)
}
