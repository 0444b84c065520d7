//! Waiting for an item without polling, written once for both modes as a
//! [`Plan`]: the atomic claim; if the queue is empty, `XREAD BLOCK` on the
//! stream (a slice of the wait); then the claim again, until an item is ours or
//! the wait is over.
//!
//! A blocked `XREAD` holds its connection: Redis runs nothing else for that
//! client until it returns. So the slices never use the shared async
//! (multiplexed) connection, which would stall every other request of the
//! client: they are [`Plan::dedicated`] steps, on a pooled blocking connection
//! (which the async runner uses from Tokio's blocking pool). Each `XREAD BLOCK`
//! lasts at most [`SLICE`]; its read gets the slice plus the client's response
//! timeout (within the wait's deadline), however short that timeout is.
//!
//! Redis notices a blocked command's timeout only when its event loop wakes, up
//! to `1/hz` (100 ms by default) late. So the slice that ends at the caller's
//! deadline is timed on our side (the step's `limit`): we stop waiting for it
//! then, and the abandoned `XREAD` (read-only) ends on its own shortly after.

use std::sync::Arc;
use std::time::Duration;

use redis::Value;

use crate::client::Client;
use crate::engine::{Deadline, Op, Plan};
use crate::error::Result;

/// The longest `XREAD BLOCK` of a wait, but for the last one before a deadline
/// (up to `SLICE + LATE`).
pub(super) const SLICE: Duration = Duration::from_millis(500);

/// How late Redis may end a blocked command (its event loop runs at least every
/// 100 ms by default), with some room: slices that do not end at the deadline
/// end this much before it, so that a late one never overshoots.
const LATE: Duration = Duration::from_millis(200);

/// What a wait needs besides the client: the stream, how to claim an item, and
/// what the caller gets.
pub(super) struct Wait<T, U> {
    pub(super) client: Client,
    pub(super) key: Arc<str>,
    pub(super) claim: Box<dyn Fn() -> Op<Option<T>> + Send + Sync>,
    /// When the wait for an item is over (`Deadline::NONE`: never).
    pub(super) until: Deadline,
    pub(super) finish: fn(&str, Option<T>) -> Result<U>,
}

/// Claims an item, waiting (in slices) until one comes or the wait is over.
pub(super) fn wait<T: Send + 'static, U: Send + 'static>(wait: Arc<Wait<T, U>>) -> Plan<U> {
    Plan::run(wait.client.clone(), (wait.claim)(), move |claimed| {
        match claimed {
            Err(err) => return Plan::fail(err),
            Ok(Some(item)) => return Plan::Done((wait.finish)(&wait.key, Some(item))),
            Ok(None) => {}
        }
        let Some((block, last)) = next_block(wait.until) else {
            return Plan::Done((wait.finish)(&wait.key, None));
        };
        let slice = wait_op(&wait.key, block);
        let limit = last.then_some(block);
        Plan::dedicated(
            wait.client.clone(),
            slice,
            block,
            limit,
            move |ended| match ended {
                Some(Err(err)) => Plan::fail(err),
                // An entry came, the slice ended, or we stopped waiting for it.
                Some(Ok(())) | None => self::wait(wait),
            },
        )
    })
}

/// How long the next `XREAD BLOCK` may last, and whether it ends at the deadline
/// (then we time it ourselves); `None` once the deadline has passed.
fn next_block(until: Deadline) -> Option<(Duration, bool)> {
    match until.remaining() {
        None => Some((SLICE, false)),
        Some(left) if left.is_zero() => None,
        Some(left) if left <= SLICE + LATE => Some((left, true)),
        Some(left) => Some(((left - LATE).min(SLICE), false)),
    }
}

/// `XREAD COUNT 1 BLOCK <ms> STREAMS key 0-0`: returns as soon as the stream holds
/// any entry (every id is above `0-0`), or after `block`.
fn wait_op(key: &Arc<str>, block: Duration) -> Op<()> {
    // Round up so that the wait never ends before the deadline; never 0 (forever).
    let ms = block.as_micros().div_ceil(1000).max(1);
    let ms = u64::try_from(ms).unwrap_or(u64::MAX);
    let mut cmd = redis::cmd("XREAD");
    cmd.arg("COUNT")
        .arg(1)
        .arg("BLOCK")
        .arg(ms)
        .arg("STREAMS")
        .arg(&**key)
        .arg("0-0");
    Op::new(key.clone(), "stream", cmd, |_, _: Value| Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_end_before_the_deadline_but_the_last() {
        assert_eq!(next_block(Deadline::NONE), Some((SLICE, false)));
        assert_eq!(next_block(Deadline::after(Duration::ZERO)), None);
        let (block, last) = next_block(Deadline::after(Duration::from_secs(5))).unwrap_or_default();
        assert_eq!((block, last), (SLICE, false));
        let (block, last) =
            next_block(Deadline::after(Duration::from_millis(300))).unwrap_or_default();
        assert!(last && block <= Duration::from_millis(300) && block > Duration::from_millis(250));
        // Above SLICE + LATE left: a full slice, which ends before the deadline.
        let (block, last) =
            next_block(Deadline::after(Duration::from_millis(900))).unwrap_or_default();
        assert_eq!((block, last), (SLICE, false));
        let (block, last) =
            next_block(Deadline::after(Duration::from_millis(650))).unwrap_or_default();
        assert!(last && block > Duration::from_millis(600), "{block:?}");
    }
}
