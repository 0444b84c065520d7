//! Receiving, written once for both modes as a [`Plan`]: the receive script
//! (due delayed items, expired leases, new entries); if it found nothing,
//! `XREADGROUP ... BLOCK` for new entries (a slice of the wait), then the
//! script again, until entries are ours or the wait is over.
//!
//! The script also says when it will next have something to do besides
//! reading new entries (the next scan for expired leases, the next delayed
//! item due): until then, at most a block slice, the handle is *quiet*
//! ([`Quiet`]) and its waits skip the script: they block at once (blocking
//! mode, when its last receive found nothing) or read once then block (async
//! mode, whose block is a hop to the blocking pool; and blocking mode on a
//! busy queue, where a block's read timeout set and reset is two system calls
//! for nothing). So on a busy queue the script runs about ten times a
//! second per handle and a receive is one plain `XREADGROUP`, and an item put for an
//! idle consumer wakes its block in one round trip.
//!
//! The block is [`Plan::dedicated`]: on a pooled blocking connection (Tokio's
//! blocking pool in async mode), never the shared multiplexed one, which it
//! would stall. It is never abandoned on our side (no `limit`): an
//! `XREADGROUP` that returned entries has delivered them to us, and an
//! abandoned reply would leave them in flight until their lease ran out. So
//! the last slice may end up to `1/hz` (100 ms) after the caller's wait.
//!
//! A slice lasts at most [`MAX_BLOCK`], a third of the lease, and until what
//! the script reported as next due: an idle consumer notices those in time,
//! while an `XADD` still wakes it at once.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use redis::Value;

use super::{Shared, arg};
use crate::decode;
use crate::engine::{Deadline, Op, Plan};
use crate::error::{Error, Result};
use crate::lua;

/// The longest `XREADGROUP BLOCK` of a wait.
pub(super) const MAX_BLOCK: Duration = Duration::from_millis(250);

/// The longest quiet window: how late a busy consumer may see a delayed item
/// another handle added.
const MAX_QUIET: Duration = Duration::from_millis(100);

/// A stream entry delivered to us, undecoded.
pub(super) struct Entry {
    pub(super) id: String,
    pub(super) fields: Vec<(Vec<u8>, Vec<u8>)>,
    /// The entry's delivery count in the group.
    pub(super) count: i64,
    /// When the request that delivered it was sent: its lease began after.
    pub(super) sent: Instant,
}

impl Entry {
    /// The value of field `name`.
    pub(super) fn field(&self, name: &[u8]) -> Option<&[u8]> {
        self.fields
            .iter()
            .find(|(f, _)| f.as_slice() == name)
            .map(|(_, v)| v.as_slice())
    }

    /// Deliveries of the item before this entry (kept across nacks).
    pub(super) fn carried(&self) -> i64 {
        self.field(b"deliveries")
            .and_then(|v| std::str::from_utf8(v).ok()?.parse().ok())
            .unwrap_or(0)
    }

    /// Deliveries of the item, this one included.
    pub(super) fn deliveries(&self) -> u32 {
        u32::try_from(self.count.saturating_add(self.carried()).max(1)).unwrap_or(u32::MAX)
    }
}

/// What a receive wants: up to `want` entries, waiting until `until`.
pub(super) struct Fetch {
    pub(super) shared: Arc<Shared>,
    pub(super) want: usize,
    pub(super) until: Deadline,
    /// Whether a wait in the quiet window reads once before it blocks (async
    /// mode: see [`read`]).
    pub(super) read_first: bool,
}

/// Entries delivered to us: the script's, or those of a block, or none once
/// the wait is over. A wait within the quiet window of the handle's last
/// script (see [`Quiet`]) blocks at once: one round trip per item for
/// consumers waiting on a producer.
pub(super) fn fetch(fetch: Arc<Fetch>) -> Plan<Vec<Entry>> {
    match quiet_block(&fetch) {
        Some(_) if fetch.read_first || fetch.shared.quiet.busy() => read(fetch),
        Some(block) => wait(fetch, block),
        None => scan(fetch),
    }
}

/// The block a wait may start with, without the script: within the quiet
/// window, before the deadline.
fn quiet_block(fetch: &Fetch) -> Option<Duration> {
    let quiet = fetch.shared.quiet.left()?;
    if fetch.until.expired() {
        return None;
    }
    next_block(fetch.until, Some(quiet), fetch.shared.lease)
}

/// `XREADGROUP` without blocking, on the shared connection: entries ready
/// now; if none, a block. For the async mode, whose block is a hop to Tokio's
/// blocking pool (and back), which an item already there does not need; and
/// in both modes while the last read found entries (a busy queue): a block
/// lengthens its connection's read timeout and restores it after, two
/// system calls that an item already there does not need either.
fn read(fetch: Arc<Fetch>) -> Plan<Vec<Entry>> {
    let client = fetch.shared.client.clone();
    let op = block_op(&fetch.shared, fetch.want, None);
    Plan::run(client, op, move |read| match read {
        Ok(entries) if !entries.is_empty() => Plan::done(entries),
        Ok(_) => {
            fetch.shared.quiet.set_busy(false);
            match quiet_block(&fetch) {
                Some(block) => wait(fetch, block),
                None => scan(fetch),
            }
        }
        Err(err) if gone(&err) => {
            fetch.shared.quiet.clear();
            scan(fetch)
        }
        Err(err) => Plan::fail(err),
    })
}

/// The receive script, then (if it found nothing) a block.
fn scan(fetch: Arc<Fetch>) -> Plan<Vec<Entry>> {
    let client = fetch.shared.client.clone();
    let sent = Instant::now();
    let op = receive_op(&fetch.shared, fetch.want);
    Plan::run(client, op, move |reply| {
        let (entries, wake) = match reply {
            Err(err) => return Plan::fail(err),
            Ok(reply) => reply,
        };
        // Nothing else (due delayed items, expired leases) to look for until
        // then: so even a receive that got entries opens a quiet window, and
        // on a busy queue the script runs about once per window.
        match wake.filter(|wake| !wake.is_zero()) {
            Some(wake) => {
                let quiet = wake.min(cap(fetch.shared.lease)).min(MAX_QUIET);
                fetch.shared.quiet.set(sent + quiet);
            }
            None => fetch.shared.quiet.clear(),
        }
        if !entries.is_empty() {
            fetch.shared.quiet.set_busy(true);
            return Plan::done(entries);
        }
        match next_block(fetch.until, wake, fetch.shared.lease) {
            Some(block) => wait(fetch, block),
            None => Plan::done(Vec::new()),
        }
    })
}

/// `XREADGROUP ... BLOCK` for up to `block`, then the rest of the wait.
fn wait(fetch: Arc<Fetch>, block: Duration) -> Plan<Vec<Entry>> {
    let client = fetch.shared.client.clone();
    let op = block_op(&fetch.shared, fetch.want, Some(block));
    Plan::dedicated(client, op, block, None, move |ended| match ended {
        Some(Ok(entries)) if !entries.is_empty() => {
            fetch.shared.quiet.set_busy(true);
            Plan::done(entries)
        }
        // The key or its group went away (deleted, before or while
        // blocked: NOGROUP, UNBLOCKED): the script makes the group again.
        Some(Err(err)) if gone(&err) => {
            fetch.shared.quiet.clear();
            scan(fetch)
        }
        Some(Err(err)) => Plan::fail(err),
        _ => self::fetch(fetch),
    })
}

/// Until when the receive script of a handle has nothing to do but read new
/// entries: no delayed item due, no scan for expired leases due, as of its
/// last run, and for at most a block slice (so that what others add
/// meanwhile, a delayed item due sooner, is seen as late as with a block,
/// never later). Within it, a wait does not run the script.
#[derive(Default)]
pub(crate) struct Quiet {
    /// The end, in ns after `base`; 0 for none.
    until_ns: AtomicU64,
    base: OnceLock<Instant>,
    /// Whether the handle's last receive found entries (see [`read`]).
    busy: AtomicBool,
}

impl Quiet {
    fn base(&self) -> Instant {
        *self.base.get_or_init(Instant::now)
    }

    fn set(&self, until: Instant) {
        let ns = until.saturating_duration_since(self.base()).as_nanos();
        self.until_ns.store(
            u64::try_from(ns).unwrap_or(u64::MAX).max(1),
            Ordering::Release,
        );
    }

    fn clear(&self) {
        self.until_ns.store(0, Ordering::Release);
    }

    fn busy(&self) -> bool {
        self.busy.load(Ordering::Relaxed)
    }

    fn set_busy(&self, busy: bool) {
        self.busy.store(busy, Ordering::Relaxed);
    }

    /// What is left of the window, if any.
    fn left(&self) -> Option<Duration> {
        let ns = self.until_ns.load(Ordering::Acquire);
        if ns == 0 {
            return None;
        }
        let until = self.base().checked_add(Duration::from_nanos(ns))?;
        let left = until.saturating_duration_since(Instant::now());
        (!left.is_zero()).then_some(left)
    }
}

/// Whether a block failed because the stream or its group was deleted.
fn gone(err: &Error) -> bool {
    err.has_server_code("NOGROUP") || err.has_server_code("UNBLOCKED")
}

/// The longest block, and quiet window, for `lease`.
fn cap(lease: Duration) -> Duration {
    MAX_BLOCK.min(lease / 3)
}

/// How long the next block may last; `None` once the wait is over.
fn next_block(until: Deadline, wake: Option<Duration>, lease: Duration) -> Option<Duration> {
    let mut longest = cap(lease);
    if let Some(wake) = wake {
        longest = longest.min(wake);
    }
    let block = match until.remaining() {
        None => longest,
        Some(left) if left.is_zero() => return None,
        Some(left) => longest.min(left),
    };
    Some(block.max(Duration::from_millis(1)))
}

/// The receive script: entries, and how long until something else is due.
fn receive_op(shared: &Shared, want: usize) -> Op<(Vec<Entry>, Option<Duration>)> {
    let mut args = shared.who();
    args.push(super::ms_arg(shared.lease));
    args.push(arg(shared.max_deliveries));
    args.push(arg(want));
    let keys = [&*shared.key, &shared.delayed, &shared.dead, &shared.counts];
    let request = shared.script(&lua::workqueue::RECEIVE, &keys, &args);
    let sent = Instant::now();
    shared
        .op(request, move |key, reply| {
            let mut parts = decode::array(key, reply)?.into_iter();
            let (Some(out), Some(wake)) = (parts.next(), parts.next()) else {
                return Err(Error::unexpected_reply(
                    key,
                    "receive",
                    "not {entries, wake}",
                ));
            };
            let entries = decode::array(key, out)?
                .into_iter()
                .map(|e| script_entry(key, e, sent))
                .collect::<Result<Vec<_>>>()?;
            let wake = decode::int(key, "receive", wake)?;
            let wake = u64::try_from(wake).ok().map(Duration::from_millis);
            Ok((entries, wake))
        })
        .touching(shared.delayed.clone())
}

/// `{id, fields, count}` from the receive script.
fn script_entry(key: &str, entry: Value, sent: Instant) -> Result<Entry> {
    let mut parts = decode::array(key, entry)?.into_iter();
    let (Some(id), Some(fields), Some(count)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(Error::unexpected_reply(
            key,
            "receive",
            "not {id, fields, count}",
        ));
    };
    Ok(Entry {
        id: text(key, id)?,
        fields: pairs(key, fields)?,
        count: decode::int(key, "receive", count)?,
        sent,
    })
}

/// `XREADGROUP GROUP g c COUNT n [BLOCK ms] STREAMS key >`: new entries, as
/// soon as there are any, or none after `block` (at once without it).
fn block_op(shared: &Shared, want: usize, block: Option<Duration>) -> Op<Vec<Entry>> {
    let mut cmd = redis::cmd("XREADGROUP");
    cmd.arg("GROUP")
        .arg(&shared.group)
        .arg(&shared.consumer)
        .arg("COUNT")
        .arg(want);
    if let Some(block) = block {
        // Round up so that the block never ends before the deadline; never 0 (forever).
        let ms = u64::try_from(block.as_micros().div_ceil(1000).max(1)).unwrap_or(u64::MAX);
        cmd.arg("BLOCK").arg(ms);
    }
    cmd.arg("STREAMS").arg(&*shared.key).arg(">");
    let sent = Instant::now();
    shared.op(cmd, move |key, reply| {
        let mut entries = Vec::new();
        for (_, stream_entries) in streams(key, reply)? {
            for entry in decode::array(key, stream_entries)? {
                let mut parts = decode::array(key, entry)?.into_iter();
                let (Some(id), Some(fields)) = (parts.next(), parts.next()) else {
                    return Err(Error::unexpected_reply(
                        key,
                        "XREADGROUP",
                        "not [id, fields]",
                    ));
                };
                entries.push(Entry {
                    id: text(key, id)?,
                    fields: pairs(key, fields)?,
                    count: 1,
                    sent,
                });
            }
        }
        Ok(entries)
    })
}

/// The `[stream, entries]` pairs of an `XREAD`-family reply (an array in
/// RESP2, a map in RESP3; nil for none).
fn streams(key: &str, reply: Value) -> Result<Vec<(Value, Value)>> {
    match reply {
        Value::Nil => Ok(Vec::new()),
        Value::Map(pairs) => Ok(pairs),
        reply => decode::array(key, reply)?
            .into_iter()
            .map(|pair| {
                let mut parts = decode::array(key, pair)?.into_iter();
                match (parts.next(), parts.next()) {
                    (Some(name), Some(entries)) => Ok((name, entries)),
                    _ => Err(Error::unexpected_reply(
                        key,
                        "XREADGROUP",
                        "not [stream, entries]",
                    )),
                }
            })
            .collect(),
    }
}

/// A text reply (an entry id).
pub(super) fn text(key: &str, reply: Value) -> Result<String> {
    let raw = decode::bytes(key, reply)?.unwrap_or_default();
    String::from_utf8(raw).map_err(|e| Error::unexpected_reply(key, "stream id", e))
}

/// A flat `[field, value, ...]` reply as pairs.
pub(super) fn pairs(key: &str, reply: Value) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
    let mut flat = decode::raw_values(key, reply)?.into_iter();
    let mut out = Vec::new();
    while let (Some(f), Some(v)) = (flat.next(), flat.next()) {
        out.push((f, v));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEASE: Duration = Duration::from_secs(30);

    #[test]
    fn blocks_are_capped_by_the_wait_the_lease_and_what_is_due() {
        assert_eq!(next_block(Deadline::NONE, None, LEASE), Some(MAX_BLOCK));
        assert_eq!(
            next_block(Deadline::after(Duration::ZERO), None, LEASE),
            None
        );
        let short = Duration::from_millis(300);
        assert_eq!(
            next_block(Deadline::NONE, None, short),
            Some(Duration::from_millis(100))
        );
        let due = Duration::from_millis(40);
        assert_eq!(next_block(Deadline::NONE, Some(due), LEASE), Some(due));
        let block = next_block(Deadline::after(Duration::from_millis(200)), None, LEASE);
        assert!(
            block
                .is_some_and(|b| b <= Duration::from_millis(200) && b > Duration::from_millis(150))
        );
        assert_eq!(
            next_block(Deadline::NONE, Some(Duration::ZERO), LEASE),
            Some(Duration::from_millis(1))
        );
    }
}
