//! Waiting for an item without polling: `XREAD BLOCK` on the stream, then the
//! atomic claim, until an item is ours or the deadline passes.
//!
//! A blocked `XREAD` holds its connection: Redis runs nothing else for that client
//! until it returns. So the wait never uses the shared async (multiplexed)
//! connection, which would stall every other request of the client; it runs on a
//! pooled blocking connection (on Tokio's blocking pool for the async API). Each
//! `XREAD BLOCK` lasts at most [`SLICE`], below the client's response timeout.
//!
//! Redis notices a blocked command's timeout only when its event loop wakes, up
//! to `1/hz` (100 ms by default) late. So the slice that ends at the caller's
//! deadline is timed on our side: the blocking API runs it on a helper thread and
//! stops waiting for it at the deadline, the async API wraps it in
//! `tokio::time::timeout`. The abandoned `XREAD` (read-only) ends on its own
//! shortly after and its connection goes back to the pool.

use std::sync::Arc;
use std::time::{Duration, Instant};

use redis::Value;

use crate::client::Client;
use crate::engine::Op;
use crate::engine::{Async, Blocking, BoxFuture, Mode};
use crate::error::{Error, Result};

/// The longest `XREAD BLOCK` of a wait, but for the last one before a deadline
/// (up to `SLICE + LATE`): keep the client's response timeout (10 s by default)
/// above 1 s.
pub(super) const SLICE: Duration = Duration::from_millis(500);

/// How a mode waits for a queue item.
#[doc(hidden)]
#[allow(unreachable_pub)]
pub trait QueueWait: Mode {
    #[doc(hidden)]
    fn wait_claim<'a, T: Send + 'a, U: Send + 'a>(
        client: &'a Client,
        key: Arc<str>,
        claim: Box<dyn Fn() -> Op<Option<T>> + Send + 'a>,
        deadline: Option<Instant>,
        finish: fn(&str, Option<T>) -> Result<U>,
    ) -> Self::Output<'a, U>;
}

/// How late Redis may end a blocked command (its event loop runs at least every
/// 100 ms by default), with some room: slices that do not end at the deadline
/// end this much before it, so that a late one never overshoots.
const LATE: Duration = Duration::from_millis(200);

/// How long the next `XREAD BLOCK` may last, and whether it ends at the deadline
/// (then we time it ourselves); `None` once the deadline has passed.
fn next_block(deadline: Option<Instant>) -> Option<(Duration, bool)> {
    match deadline {
        None => Some((SLICE, false)),
        Some(deadline) => {
            let left = deadline.checked_duration_since(Instant::now())?;
            if left.is_zero() {
                None
            } else if left <= SLICE + LATE {
                Some((left, true))
            } else {
                Some(((left - LATE).min(SLICE), false))
            }
        }
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

impl QueueWait for Blocking {
    fn wait_claim<'a, T: Send + 'a, U: Send + 'a>(
        client: &'a Client,
        key: Arc<str>,
        claim: Box<dyn Fn() -> Op<Option<T>> + Send + 'a>,
        deadline: Option<Instant>,
        finish: fn(&str, Option<T>) -> Result<U>,
    ) -> Result<U> {
        loop {
            if let Some(item) = claim().run(client)? {
                return finish(&key, Some(item));
            }
            let Some((block, last)) = next_block(deadline) else {
                return finish(&key, None);
            };
            if !last {
                wait_op(&key, block).run(client)?;
                continue;
            }
            let (op, helper_client) = (wait_op(&key, block), client.clone());
            let (done, ended) = std::sync::mpsc::sync_channel(1);
            std::thread::spawn(move || {
                // The receiver may be gone (deadline passed): nothing to report to.
                let _ = done.send(op.run(&helper_client));
            });
            match ended.recv_timeout(block) {
                Ok(result) => result?,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(Error::config("the queue wait thread panicked"));
                }
            }
        }
    }
}

impl QueueWait for Async {
    fn wait_claim<'a, T: Send + 'a, U: Send + 'a>(
        client: &'a Client,
        key: Arc<str>,
        claim: Box<dyn Fn() -> Op<Option<T>> + Send + 'a>,
        deadline: Option<Instant>,
        finish: fn(&str, Option<T>) -> Result<U>,
    ) -> BoxFuture<'a, U> {
        Box::pin(async move {
            loop {
                if let Some(item) = claim().run_async(client).await? {
                    return finish(&key, Some(item));
                }
                let Some((block, last)) = next_block(deadline) else {
                    return finish(&key, None);
                };
                let (op, blocking_client) = (wait_op(&key, block), client.clone());
                let waiting = tokio::task::spawn_blocking(move || op.run(&blocking_client));
                let ended = if last {
                    match tokio::time::timeout(block, waiting).await {
                        Ok(ended) => ended,
                        Err(_) => continue,
                    }
                } else {
                    waiting.await
                };
                ended.map_err(|e| Error::config(format!("the queue wait task failed: {e}")))??;
            }
        })
    }
}
