//! A lock's state seen without holding it ([`Redlock::status`]): one read of
//! the lock key and its fence counter per master, in parallel; and the fence
//! counter's key.

use std::sync::{Arc, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use redis::Value;

use super::logic::{LONGEST_HOLD, Tally, quorum};
use super::{Redlock, Shared};
use crate::engine::{Deadline, Mode, ModeExt, Op, Plan, Request};
use crate::error::{Error, Result};
use crate::lua;

/// The fence counter of the lock at `key`: the companion key
/// `<base>:fence` (`redlock:printer{redlock:printer}:fence`), in the lock
/// key's cluster slot so that one script reaches both.
pub(super) fn fence_key(key: &str) -> Arc<str> {
    format!("{}:fence", crate::slot::companion_base(key)).into()
}

/// What [`Redlock::status`] saw: who holds the lock on a quorum of masters,
/// for how long, and the last fencing token issued.
///
/// ```
/// # let server = pottery_testkit::Server::start();
/// # let client = pottery::Client::open(&server.url())?;
/// let lock = pottery::sync::Redlock::new(&client, "printer");
/// let status: pottery::RedlockStatus = lock.status()?;
/// assert!(!status.held && !status.ours);
/// assert_eq!(status.last_token, 0); // never acquired
/// # Ok::<(), pottery::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RedlockStatus {
    /// Whether a quorum of masters holds the key with one same value (a hold
    /// of anyone, Python pottery's included).
    pub held: bool,
    /// How long that quorum keeps holding it: the TTL that a quorum of them
    /// still has (the quorum-th longest), less the query's time; zero when
    /// not held.
    pub remaining: Duration,
    /// Whether the holder is a live guard of this `Redlock` (or a clone).
    pub ours: bool,
    /// The last fencing token issued for the key: the greatest fence counter
    /// of the masters that answered; 0 if none was ever issued.
    pub last_token: u64,
}

/// One master's answer: the value at the key, its PTTL, the fence counter.
type Seen = (Option<Vec<u8>>, i64, u64);

impl<M: Mode> Redlock<M> {
    /// The key of the lock's [fencing](Redlock#fencing) counter on every
    /// master: `B:fence`, `B` the lock key's companion base (see
    /// [Keys and ACLs](crate#keys-and-acls)). It has no expiry and outlives
    /// the lock; delete it only when no token of the lock is checked any more.
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let lock = pottery::sync::Redlock::new(&client, "printer");
    /// assert_eq!(lock.fence_key(), "redlock:printer{redlock:printer}:fence");
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn fence_key(&self) -> &str {
        &self.shared.fence_key
    }

    /// The lock's state, without holding it: whether a quorum holds it, for
    /// how long, whether that hold is ours, and the last fencing token
    /// issued. One script per master, all in parallel; every answer is
    /// awaited up to the [request timeout](crate::RedlockBuilder::request_timeout),
    /// the call's worst case. Fails with
    /// [`ErrorKind::QuorumIsImpossible`](crate::ErrorKind::QuorumIsImpossible)
    /// when more than half of the masters fail (with
    /// [`raise_on_redis_errors`](crate::RedlockBuilder::raise_on_redis_errors)).
    ///
    /// Returns `Result<RedlockStatus>` in [`sync`](crate::sync), a future of it in [`future`](crate::future).
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # let client = pottery::Client::open(&server.url())?;
    /// let lock = pottery::sync::Redlock::new(&client, "printer");
    /// let guard = lock.acquire()?;
    /// let status = lock.status()?;
    /// assert!(status.held && status.ours);
    /// assert_eq!(status.last_token, guard.fencing_token());
    /// assert!(status.remaining > std::time::Duration::from_secs(9));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    ///
    /// Async:
    ///
    /// ```
    /// # let server = pottery_testkit::Server::start();
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let client = pottery::Client::open(&server.url())?;
    /// let lock = pottery::future::Redlock::new(&client, "shower");
    /// let other = pottery::future::Redlock::new(&client, "shower");
    /// let guard = other.acquire().await?;
    /// let status = lock.status().await?;
    /// assert!(status.held && !status.ours); // another Redlock's hold
    /// guard.release().await?;
    /// assert!(!lock.status().await?.held);
    /// # Ok::<(), pottery::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn status(&self) -> M::Output<'_, RedlockStatus> {
        let deadline = Deadline::after(self.shared.request_timeout);
        M::plan(status(&self.shared), deadline)
    }
}

/// The status fan-out: every master's answer awaited (within the request timeout).
fn status(shared: &Arc<Shared>) -> Plan<RedlockStatus> {
    let start = Instant::now();
    let ops = shared
        .masters
        .iter()
        .map(|m| (m.clone(), status_op(shared)))
        .collect();
    let shared = Arc::clone(shared);
    Plan::fan_out(
        ops,
        shared.request_timeout,
        |_| false,
        move |answers| {
            let n = shared.n();
            let tally = Tally::of(&answers, |_| true);
            if shared.raise_on_redis_errors && tally.impossible(n) {
                return Plan::fail(shared.impossible(tally.failed, answers));
            }
            let seen: Vec<Seen> = answers.into_iter().filter_map(Result::ok).collect();
            let mut status = summarize(&seen, n, start.elapsed());
            if let Some(holder) = holder(&seen, n) {
                status.ours = shared
                    .live_tokens()
                    .iter()
                    .any(|t| t.as_bytes() == holder.as_slice());
            }
            Plan::done(status)
        },
    )
}

/// The value a quorum of masters holds, if any.
fn holder(seen: &[Seen], n: usize) -> Option<Vec<u8>> {
    seen.iter().find_map(|(value, _, _)| {
        let value = value.as_ref()?;
        let count = seen.iter().filter(|s| s.0.as_ref() == Some(value)).count();
        (count >= quorum(n)).then(|| value.clone())
    })
}

/// The status from the masters' answers (`ours` left false).
fn summarize(seen: &[Seen], n: usize, elapsed: Duration) -> RedlockStatus {
    let last_token = seen.iter().map(|s| s.2).max().unwrap_or(0);
    let mut status = RedlockStatus {
        held: false,
        remaining: Duration::ZERO,
        ours: false,
        last_token,
    };
    let Some(value) = holder(seen, n) else {
        return status;
    };
    // A key without expiry (never a Redlock's own) counts as the longest hold.
    let mut ttls: Vec<Duration> = seen
        .iter()
        .filter(|s| s.0.as_ref() == Some(&value))
        .map(|s| match u64::try_from(s.1) {
            Ok(ms) => Duration::from_millis(ms),
            Err(_) => LONGEST_HOLD,
        })
        .collect();
    ttls.sort_unstable_by(|a, b| b.cmp(a));
    let quorum_ttl = ttls.get(quorum(n) - 1).copied().unwrap_or_default();
    status.held = true;
    status.remaining = quorum_ttl.saturating_sub(elapsed);
    status
}

fn status_op(shared: &Shared) -> Op<Seen> {
    let keys: [&[u8]; 2] = [shared.key.as_bytes(), shared.fence_key.as_bytes()];
    let request = Request::script(&lua::redlock::STATUS, &keys, &[]);
    Op::new(Arc::clone(&shared.key), "string", request, |key, reply| {
        let bad = |reply: &Value| Error::unexpected_reply(key, "EVALSHA", reply.clone());
        let Value::Array(items) = &reply else {
            return Err(bad(&reply));
        };
        let [value, pttl, counter] = items.as_slice() else {
            return Err(bad(&reply));
        };
        let value = match value {
            Value::BulkString(b) => Some(b.clone()),
            Value::Nil => None,
            _ => return Err(bad(&reply)),
        };
        let Value::Int(pttl) = pttl else {
            return Err(bad(&reply));
        };
        let counter = match counter {
            Value::Nil => 0,
            Value::BulkString(b) => std::str::from_utf8(b)
                .ok()
                .and_then(|s| s.parse::<u64>().ok())
                .ok_or_else(|| bad(&reply))?,
            _ => return Err(bad(&reply)),
        };
        Ok((value, *pttl, counter))
    })
}

impl Shared {
    /// The tokens of the live guards (a poisoned list is still a list).
    pub(super) fn live_tokens(&self) -> MutexGuard<'_, Vec<Arc<str>>> {
        self.live.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(value: Option<&str>, pttl: i64, counter: u64) -> Seen {
        (value.map(|v| v.as_bytes().to_vec()), pttl, counter)
    }

    #[test]
    fn held_needs_one_value_on_a_quorum() {
        // Two different values on two of three masters: nobody holds it.
        let split = [
            seen(Some("a"), 900, 4),
            seen(Some("b"), 900, 7),
            seen(None, -2, 2),
        ];
        let status = summarize(&split, 3, Duration::ZERO);
        assert!(!status.held);
        assert_eq!(status.remaining, Duration::ZERO);
        assert_eq!(status.last_token, 7);
        // `a` on a quorum: the quorum-th longest TTL, less the query's time.
        let held = [
            seen(Some("a"), 900, 4),
            seen(Some("a"), 500, 4),
            seen(Some("a"), 700, 3),
        ];
        let status = summarize(&held, 3, Duration::from_millis(10));
        assert!(status.held);
        assert_eq!(status.remaining, Duration::from_millis(690));
        assert_eq!(holder(&held, 3).as_deref(), Some(&b"a"[..]));
        // A master that did not answer is simply not there.
        let one = [seen(Some("a"), 900, 4)];
        assert!(!summarize(&one, 3, Duration::ZERO).held);
        assert!(summarize(&one, 1, Duration::ZERO).held);
    }
}
