//! Replica acknowledgement ([`RedlockBuilder::wait_for_replicas`]): the
//! acquire script and `WAIT` in one pipeline per master, and what a master's
//! answer counts for.
//!
//! `WAIT` counts the replicas that acknowledged every write its *connection*
//! made, so it must follow the acquire on the same connection: a pipeline
//! does that in one round trip. On a cluster [`Client`](crate::Client) the
//! pipeline goes where its first command does, the master of the lock key's
//! slot (redis-rs would send a lone `WAIT` to every master and report the
//! least count). The script is sent whole (`EVAL`, not `EVALSHA`): a pipeline
//! cannot load a script missing from the server's cache half-way.
//!
//! [`RedlockBuilder::wait_for_replicas`]: super::RedlockBuilder::wait_for_replicas

use std::sync::Arc;
use std::time::Duration;

use redis::Value;

use crate::decode;
use crate::engine::{Op, Request};
use crate::error::{Error, Result};
use crate::lua;

/// How late Redis may end a `WAIT` that timed out: its event loop checks
/// blocked clients' timeouts at least every `1/hz` (100 ms by default).
pub(crate) const LATE: Duration = Duration::from_millis(200);

/// How many replicas of each granting master must acknowledge a hold, and how
/// long `WAIT` may wait for them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Replicas {
    pub(crate) count: u32,
    pub(crate) timeout: Duration,
}

impl Replicas {
    /// `WAIT`'s timeout argument: whole milliseconds, at least 1 (`0` would
    /// wait forever), and `0` for `Duration::MAX` (no limit).
    fn wait_ms(self) -> String {
        if self.timeout == Duration::MAX {
            return "0".to_owned();
        }
        let ms = u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX);
        ms.max(1).to_string()
    }
}

/// A master's answer to an acquire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Grant {
    /// The master's index.
    pub(crate) index: usize,
    /// The fence counter it incremented; 0: it did not grant the hold.
    pub(crate) counter: u64,
    /// How many replicas acknowledged, when the lock asks for it.
    pub(crate) acked: Option<u32>,
    /// Granted, but fewer replicas than asked for acknowledged in time.
    pub(crate) short: bool,
}

impl Grant {
    /// Whether the hold counts on this master: granted (and acknowledged).
    pub(crate) fn counts(&self) -> bool {
        self.counter > 0 && !self.short
    }
}

/// The acquire request on one master: the script alone, or with `WAIT`.
pub(crate) fn acquire_request(
    replicas: Option<Replicas>,
    keys: [&[u8]; 2],
    args: &[Vec<u8>],
) -> Request {
    let Some(replicas) = replicas else {
        return Request::script(&lua::redlock::ACQUIRE, &keys, args);
    };
    let mut pipe = redis::pipe();
    pipe.cmd("EVAL")
        .arg(lua::redlock::ACQUIRE.text())
        .arg(keys.len())
        .arg(&keys[..])
        .arg(args);
    pipe.cmd("WAIT").arg(replicas.count).arg(replicas.wait_ms());
    Request::Pipeline(pipe)
}

/// Decodes master `index`'s reply to [`acquire_request`].
pub(crate) fn decode_grant(
    replicas: Option<Replicas>,
    index: usize,
    key: &str,
    reply: Value,
) -> Result<Grant> {
    let counter = |reply| {
        let counter = decode::int(key, "EVAL", reply)?;
        Ok::<_, Error>(u64::try_from(counter).unwrap_or(0))
    };
    let Some(replicas) = replicas else {
        let counter = counter(reply)?;
        return Ok(Grant {
            index,
            counter,
            acked: None,
            short: false,
        });
    };
    let mut items = decode::array(key, reply)?.into_iter();
    let (Some(script), Some(wait), None) = (items.next(), items.next(), items.next()) else {
        return Err(Error::unexpected_reply(
            key,
            "acquire and WAIT",
            "not 2 replies",
        ));
    };
    let counter = counter(script)?;
    let acked = u32::try_from(decode::int(key, "WAIT", wait)?).unwrap_or(0);
    Ok(Grant {
        index,
        counter,
        acked: Some(acked),
        short: counter > 0 && acked < replicas.count,
    })
}

/// The acquire operation for master `index`.
pub(crate) fn acquire_op(
    key: &Arc<str>,
    replicas: Option<Replicas>,
    request: Request,
    index: usize,
) -> Op<Grant> {
    Op::new(Arc::clone(key), "string", request, move |key, reply| {
        decode_grant(replicas, index, key, reply)
    })
}

/// The least count of acknowledging replicas over the masters a hold counts
/// on; `None` when the lock does not ask.
pub(crate) fn least_acked(grants: &[Grant]) -> Option<u32> {
    grants.iter().filter_map(|g| g.acked).min()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn int(n: i64) -> Value {
        Value::Int(n)
    }

    #[test]
    fn wait_timeouts_are_whole_milliseconds_never_zero() {
        let r = |timeout| Replicas { count: 1, timeout };
        assert_eq!(r(Duration::from_micros(10)).wait_ms(), "1");
        assert_eq!(r(Duration::from_millis(250)).wait_ms(), "250");
        assert_eq!(r(Duration::MAX).wait_ms(), "0");
    }

    #[test]
    fn a_grant_counts_only_with_enough_replicas() {
        let two = Some(Replicas {
            count: 2,
            timeout: Duration::from_millis(5),
        });
        let reply = |c, a| Value::Array(vec![int(c), int(a)]);
        let g = decode_grant(two, 3, "k", reply(7, 2)).unwrap();
        assert_eq!(
            (g.index, g.counter, g.acked, g.counts()),
            (3, 7, Some(2), true)
        );
        let g = decode_grant(two, 0, "k", reply(7, 1)).unwrap();
        assert!(g.short && !g.counts());
        // Not granted: never short, whatever WAIT said.
        let g = decode_grant(two, 0, "k", reply(0, 0)).unwrap();
        assert!(!g.short && !g.counts());
        let g = decode_grant(None, 1, "k", int(4)).unwrap();
        assert_eq!((g.acked, g.counts()), (None, true));
        assert!(decode_grant(two, 0, "k", int(4)).is_err());
        assert_eq!(least_acked(&[g]), None);
    }
}
