//! What every container offers on its key: expiry, existence, clearing.

use std::time::Duration;

use redis::Value;

use crate::client::Client;
use crate::decode;
use crate::engine::Mode;
use crate::engine::ModeExt;
use crate::engine::Op;

/// Methods every Redis-backed container has on its key.
///
/// Python's pottery has no expiry; these come from Redis itself.
///
/// # Example
///
/// ```
/// use pottery::{Client, Container, sync::RedisDict};
/// use std::time::Duration;
///
/// # let server = pottery_testkit::Server::start();
/// # let url = server.url();
/// let client = Client::open(&url)?;
/// let sessions: RedisDict<String, String> = RedisDict::new(&client, "sessions");
/// sessions.insert("alice", "token")?;
/// sessions.expire(Duration::from_secs(60))?;
/// assert!(sessions.ttl()?.is_some());
/// sessions.persist()?;
/// assert_eq!(sessions.ttl()?, None);
/// # Ok::<(), pottery::Error>(())
/// ```
pub trait Container {
    /// Blocking or async.
    type Mode: Mode;

    /// The Redis key holding the container.
    fn key(&self) -> &str;

    /// The client the container talks through.
    fn client(&self) -> &Client;

    /// The Redis type the container is stored as (`"hash"`, `"list"`, ...).
    fn redis_type(&self) -> &'static str;

    /// Makes the key expire after `ttl`; `false` if the key does not exist.
    fn expire(&self, ttl: Duration) -> <Self::Mode as Mode>::Output<'_, bool> {
        let mut cmd = redis::cmd("PEXPIRE");
        cmd.arg(self.key()).arg(millis(ttl));
        Self::Mode::run(
            self.client(),
            Ok(Op::new(self.key(), self.redis_type(), cmd, decode::flag)),
        )
    }

    /// The time left before the key expires; `None` if it has no expiry or does not exist.
    fn ttl(&self) -> <Self::Mode as Mode>::Output<'_, Option<Duration>> {
        let mut cmd = redis::cmd("PTTL");
        cmd.arg(self.key());
        let op = Op::new(self.key(), self.redis_type(), cmd, |key, reply| {
            let ms = decode::int(key, "PTTL", reply)?;
            Ok(u64::try_from(ms).ok().map(Duration::from_millis))
        });
        Self::Mode::run(self.client(), Ok(op))
    }

    /// Removes the key's expiry; `false` if it had none or does not exist.
    fn persist(&self) -> <Self::Mode as Mode>::Output<'_, bool> {
        let mut cmd = redis::cmd("PERSIST");
        cmd.arg(self.key());
        Self::Mode::run(
            self.client(),
            Ok(Op::new(self.key(), self.redis_type(), cmd, decode::flag)),
        )
    }

    /// Whether the key exists (an empty container has no key in Redis).
    fn exists(&self) -> <Self::Mode as Mode>::Output<'_, bool> {
        let mut cmd = redis::cmd("EXISTS");
        cmd.arg(self.key());
        Self::Mode::run(
            self.client(),
            Ok(Op::new(self.key(), self.redis_type(), cmd, decode::flag)),
        )
    }

    /// Removes every element (deletes the key with `UNLINK`).
    fn clear(&self) -> <Self::Mode as Mode>::Output<'_, ()> {
        let mut cmd = redis::cmd("UNLINK");
        cmd.arg(self.key());
        let op = Op::new(self.key(), self.redis_type(), cmd, |_, _: Value| Ok(()));
        Self::Mode::run(self.client(), Ok(op))
    }
}

/// A duration in whole milliseconds, at least 1 (Redis rejects 0).
pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}
