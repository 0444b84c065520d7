//! The blocking path's connection reuse.
//!
//! A plain stack of idle connections behind a mutex: a call takes one (or opens a
//! new one when none is idle), uses it, and gives it back unless it broke. We use
//! this instead of r2d2 because we need neither its reaper threads nor its
//! check-out PING, which would double the round trips of every operation.

use std::sync::Mutex;

use redis::ConnectionLike;

/// Idle connections kept at most; more can be open at once, the surplus is closed.
const MAX_IDLE: usize = 16;

/// A stack of idle connections of type `C`.
pub(crate) struct Pool<C> {
    idle: Mutex<Vec<C>>,
}

impl<C: ConnectionLike> Pool<C> {
    pub(crate) fn new() -> Self {
        Pool {
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Runs `f` on an idle connection, or on one made by `open`.
    ///
    /// The connection goes back to the pool only if it is still open and `f`
    /// did not fail with an error that leaves the connection in doubt.
    pub(crate) fn with<T>(
        &self,
        open: impl FnOnce() -> redis::RedisResult<C>,
        f: impl FnOnce(&mut C) -> redis::RedisResult<T>,
    ) -> redis::RedisResult<T> {
        let idle = self.idle.lock().map(|mut idle| idle.pop()).ok().flatten();
        let mut conn = match idle {
            Some(conn) => conn,
            None => open()?,
        };
        let result = f(&mut conn);
        let reusable = match &result {
            Ok(_) => true,
            // A request refused because its deadline had passed was never sent.
            Err(err) if super::timed::is_not_sent(err) => true,
            Err(err) => !(err.is_io_error() || err.is_timeout() || err.is_unrecoverable_error()),
        };
        if let (false, Err(_err)) = (reusable, &result) {
            crate::trace::warn_event!(error = %_err, "pottery: a connection failed and is dropped; the next call reconnects");
        }
        if reusable
            && conn.is_open()
            && let Ok(mut idle) = self.idle.lock()
            && idle.len() < MAX_IDLE
        {
            idle.push(conn);
        }
        result
    }

    /// Closes every idle connection.
    pub(crate) fn clear(&self) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.clear();
        }
    }
}
