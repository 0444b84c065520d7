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
        if let (false, Err(_err)) = (keep, result) {
            crate::trace::warn_event!(error = %_err, "pottery: a connection failed and is dropped; the next call reconnects");
        }
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::cell::{Cell, RefCell};
    use std::rc::Rc;

    use redis::{RedisResult, Value};

    use super::*;

    /// A connection to one server process: it answers until that process dies.
    struct Fake {
        id: u32,
        dead: Rc<Cell<bool>>,
    }

    impl ConnectionLike for Fake {
        fn req_packed_command(&mut self, _: &[u8]) -> RedisResult<Value> {
            Ok(Value::Nil)
        }
        fn req_packed_commands(&mut self, _: &[u8], _: usize, _: usize) -> RedisResult<Vec<Value>> {
            Ok(Vec::new())
        }
        fn get_db(&self) -> i64 {
            0
        }
        fn check_connection(&mut self) -> bool {
            true
        }
        fn is_open(&self) -> bool {
            true
        }
    }

    /// A pool on a server that can restart (every connection made before dies).
    struct Server {
        pool: Pool<Fake>,
        process: RefCell<Rc<Cell<bool>>>,
        opened: Cell<u32>,
        attempts: Cell<u32>,
    }

    impl Server {
        fn new() -> Server {
            Server {
                pool: Pool::new(),
                process: RefCell::default(),
                opened: Cell::new(0),
                attempts: Cell::new(0),
            }
        }

        fn pool(&self) -> &Pool<Fake> {
            &self.pool
        }

        fn open(&self) -> RedisResult<Fake> {
            self.opened.set(self.opened.get() + 1);
            Ok(Fake {
                id: self.opened.get(),
                dead: Rc::clone(&self.process.borrow()),
            })
        }

        /// One request; `Ok` is the id of the connection that answered.
        fn call(&self, retry: bool) -> RedisResult<u32> {
            self.pool().run(
                retry,
                || self.open(),
                |con| {
                    self.attempts.set(self.attempts.get() + 1);
                    if con.dead.get() {
                        Err(std::io::Error::from(std::io::ErrorKind::ConnectionReset).into())
                    } else {
                        Ok(con.id)
                    }
                },
            )
        }

        /// `n` connections made and given back, as `n` calls at once would.
        fn warm(&self, n: u32) {
            let leases: Vec<_> = (0..n)
                .map(|_| self.pool().take(|| self.open()).unwrap())
                .collect();
            for lease in leases {
                self.pool().give_back(lease, &Ok(()));
            }
        }

        fn restart(&self) {
            self.process.borrow().set(true);
            *self.process.borrow_mut() = Rc::default();
        }

        fn idle(&self) -> usize {
            self.pool().idle.lock().unwrap().conns.len()
        }
    }

    #[test]
    fn a_dropped_connection_takes_the_idle_ones_with_it() {
        let server = Server::new();
        server.warm(16);
        server.restart();
        // A write: one failure, on one connection, and the 15 others are gone.
        assert!(server.call(false).is_err());
        assert_eq!((server.attempts.get(), server.idle()), (1, 0));
        let answers: Vec<_> = (0..40).map(|_| server.call(false)).collect();
        assert!(answers.iter().all(|a| a.as_ref().is_ok_and(|&id| id == 17)));
        assert_eq!(server.opened.get(), 17);
    }

    #[test]
    fn a_read_is_retried_once_on_a_new_connection() {
        let server = Server::new();
        server.warm(3);
        server.restart();
        assert_eq!(server.call(true).unwrap(), 4);
        assert_eq!((server.attempts.get(), server.opened.get()), (2, 4));
        // A new connection that fails is not retried (nothing stale to replace).
        let fresh = Server::new();
        fresh.process.borrow().set(true);
        assert!(fresh.call(true).is_err());
        assert_eq!(fresh.attempts.get(), 1);
    }

    #[test]
    fn an_unsent_request_keeps_its_connection_unless_others_broke_meanwhile() {
        let server = Server::new();
        server.warm(2);
        let not_sent: RedisResult<()> = Err(crate::client::timed::not_sent());
        let lease = server.pool().take(|| server.open()).unwrap();
        server.pool().give_back(lease, &not_sent);
        assert_eq!(server.idle(), 2);
        // Taken before a restart was noticed, given back after: not kept.
        let stale = server.pool().take(|| server.open()).unwrap();
        server.restart();
        assert!(server.call(false).is_err());
        server.pool().give_back(stale, &not_sent);
        assert_eq!(server.idle(), 0);
    }
}
