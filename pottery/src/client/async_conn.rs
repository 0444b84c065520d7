//! The async path's connections: one multiplexed connection per Tokio runtime,
//! replaced after it breaks.
//!
//! A multiplexed connection's driver task lives on the runtime that made it, so a
//! client used from several runtimes (one per test, or successive `block_on`s)
//! keeps one connection for each, most recent first. We use redis-rs's plain
//! `MultiplexedConnection` and reconnect ourselves: its `ConnectionManager` does the
//! same but costs a shared-future clone and await on every request, which showed
//! as 5-10% of throughput under concurrency.

use std::fmt;
use std::future::Future;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::{Cmd, Pipeline, RedisFuture, RedisResult, Value};
use tokio::runtime::{Handle, Id as RuntimeId};

use super::{Backend, Client, timed};
use crate::engine::Deadline;
use crate::error::{Error, Result};

/// Runtimes whose connections a client keeps (the oldest is dropped).
const MAX_RUNTIMES: usize = 4;

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
    /// A Redis Cluster (it follows topology changes and reconnects by itself).
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
    ) -> RedisResult<Lease> {
        let _connecting = self.connecting.lock().await;
        if let Some(lease) = self.cached() {
            return Ok(lease);
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
            };
            entries.insert(0, entry);
            entries.truncate(MAX_RUNTIMES);
        }
        Ok(Lease { conn, generation })
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
        if limit == Duration::MAX {
            return connect.await;
        }
        if limit.is_zero() {
            return Err(timed::not_sent());
        }
        // Dropping `connect` at the deadline gives up the half-made connection.
        tokio::time::timeout(limit, connect)
            .await
            .unwrap_or_else(|_| Err(timed_out()))
    }

    /// Forgets a single-server async connection that broke, so the next
    /// operation reconnects (a cluster connection reconnects by itself).
    pub(crate) fn async_broken(&self, lease: &Lease) {
        if matches!(lease.conn, AsyncConnection::Single(_)) {
            crate::trace::warn_event!(server = %self.inner.shown, "pottery: the async connection broke; the next call reconnects");
            self.inner.async_conns.forget(lease.generation);
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
