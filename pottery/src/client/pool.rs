//! The blocking path's connection reuse.
//!
//! A plain stack of idle connections behind a mutex: a call takes one (or opens a
//! new one when none is idle), uses it, and gives it back unless it broke. We use
//! this instead of r2d2 because we need neither its reaper threads nor its
//! check-out PING, which would double the round trips of every operation.
//!
//! A server restart breaks every idle connection at once, and each would fail
//! its next call (16 of 40 calls failed with 16 idle connections, the last
//! ones minutes later). So a connection that fails as dropped (reset, closed,
//! refused) takes every idle connection with it: they were all made before the
//! failure. A *generation* counts those failures, so a connection checked out
//! before one and given back unproven (its request was never sent) is not
//! kept either. A read that failed that way on a reused connection is retried
//! once on a new one (see [`Pool::run`]), within the same deadline.

use std::sync::Mutex;

use redis::{ConnectionLike, RedisError};

/// Idle connections kept at most; more can be open at once, the surplus is closed.
const MAX_IDLE: usize = 16;

/// A stack of idle connections of type `C`.
pub(crate) struct Pool<C> {
    idle: Mutex<Idle<C>>,
}

struct Idle<C> {
    conns: Vec<C>,
    /// How many dropped-connection failures there have been.
    generation: u64,
}

/// A connection out of the pool, and what is known of it.
struct Lease<C> {
    conn: C,
    /// The pool's generation when it was taken.
    generation: u64,
    /// Whether it was idle (made for an earlier call), not opened now.
    reused: bool,
}

impl<C: ConnectionLike> Pool<C> {
    pub(crate) fn new() -> Self {
        Pool {
            idle: Mutex::new(Idle {
                conns: Vec::new(),
                generation: 0,
            }),
        }
    }

    /// Runs `f` on an idle connection, or on one made by `open`.
    ///
    /// The connection goes back to the pool only if it is still open and `f`
    /// did not fail with an error that leaves the connection in doubt; one
    /// that was dropped by the server takes the idle ones with it.
    ///
    /// With `retry` (a request that changes nothing, a read), when `f` fails
    /// on a reused connection because that connection was dropped (the server
    /// restarted, a proxy reset it), `f` runs once more on a new one. The
    /// caller's deadline bounds both: the new connection gets what is left of
    /// it. Never for a write, whose request may have been applied. Without
    /// `retry`, `f` runs once.
    pub(crate) fn run<T>(
        &self,
        retry: bool,
        open: impl Fn() -> redis::RedisResult<C>,
        mut f: impl FnMut(&mut C) -> redis::RedisResult<T>,
    ) -> redis::RedisResult<T> {
        let mut lease = self.take(&open)?;
        let reused = lease.reused;
        let first = f(&mut lease.conn);
        self.give_back(lease, &first);
        match first {
            Err(err) if retry && reused && dropped(&err) => {
                // Opened, not taken: the idle ones were discarded with this one.
                let Ok(conn) = open() else {
                    return Err(err);
                };
                let mut lease = self.lease(conn, false);
                let second = f(&mut lease.conn);
                self.give_back(lease, &second);
                second
            }
            first => first,
        }
    }

    fn take(&self, open: impl FnOnce() -> redis::RedisResult<C>) -> redis::RedisResult<Lease<C>> {
        let (idle, generation) = match self.idle.lock() {
            Ok(mut idle) => (idle.conns.pop(), idle.generation),
            Err(_) => (None, 0),
        };
        match idle {
            Some(conn) => Ok(Lease {
                conn,
                generation,
                reused: true,
            }),
            None => open().map(|conn| self.lease(conn, false)),
        }
    }

    fn lease(&self, conn: C, reused: bool) -> Lease<C> {
        let generation = self.idle.lock().map_or(0, |idle| idle.generation);
        Lease {
            conn,
            generation,
            reused,
        }
    }

    fn give_back<T>(&self, lease: Lease<C>, result: &redis::RedisResult<T>) {
        let Ok(mut idle) = self.idle.lock() else {
            return;
        };
        let keep = match result {
            // Answered just now: alive, whatever happened to the others.
            Ok(_) => true,
            // A request refused because its deadline had passed was never
            // sent: the connection is as it was, unless others broke since.
            Err(err) if super::timed::is_not_sent(err) => idle.generation == lease.generation,
            Err(err) if dropped(err) => {
                idle.conns.clear();
                idle.generation += 1;
                false
            }
            Err(err) => !(err.is_io_error() || err.is_timeout() || err.is_unrecoverable_error()),
        };
        if keep && lease.conn.is_open() && idle.conns.len() < MAX_IDLE {
            idle.conns.push(lease.conn);
        }
    }

    /// Closes every idle connection.
    pub(crate) fn clear(&self) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.conns.clear();
        }
    }
}

/// Whether `err` says the connection itself is gone (closed, reset, refused),
/// which a server restart does to every connection at once. A timeout is not
/// that: a slow reply says nothing of the other connections.
fn dropped(err: &RedisError) -> bool {
    err.is_connection_dropped() && !err.is_timeout()
}
