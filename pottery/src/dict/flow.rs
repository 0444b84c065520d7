//! [`RedisDict`](crate::RedisDict)'s read-decide-write flows as plans, written
//! once for both modes: an entry's `and_modify`/`or_insert_with` (read the
//! field, decide locally, write only if the field still holds what was read)
//! and `retain` (one `HSCAN` page at a time, deleting what the caller rejects
//! only where the value is still the one it judged).

use redis::Value;
use serde::de::DeserializeOwned;

use crate::codec::Codec;
use crate::container::Base;
use crate::decode;
use crate::engine::{Op, Plan};
use crate::error::{Error, Result};
use crate::lua;

/// How many times an entry flow reads and decides before it reports a conflict.
const ATTEMPTS: u32 = 4;

/// Entries per `HSCAN` page of `retain` and `drain`.
pub(super) const SCAN_COUNT: usize = 500;

/// A change to a present value.
pub(super) type Modify<V> = Box<dyn FnMut(&mut V) + Send>;

/// The caller's decision on an entry.
type Keep<K, V> = Box<dyn FnMut(&K, &V) -> bool + Send>;

/// What an entry flow stores when the field is absent.
pub(super) enum Default<V> {
    /// Already encoded.
    Encoded(Vec<u8>),
    /// Made (once) when the field turns out absent.
    With(Box<dyn FnOnce() -> V + Send>),
}

/// An entry flow: the dict, the field, what to do if present and if absent.
pub(super) struct EntryJob<V, C> {
    pub(super) base: Base<C>,
    pub(super) field: Vec<u8>,
    pub(super) modify: Option<Modify<V>>,
    pub(super) default: Default<V>,
    pub(super) attempts: u32,
}

/// Reads the field; modifies it (compare and set) or inserts the default
/// (`HSETNX`); reads again if another writer got in between. The value stored.
pub(super) fn entry<V, C>(mut job: EntryJob<V, C>) -> Plan<V>
where
    V: serde::Serialize + DeserializeOwned + Send + 'static,
    C: Codec,
{
    let read = job.base.op(
        job.base.cmd_with("HGET", job.field.as_slice()),
        decode::bytes,
    );
    let client = job.base.client().clone();
    Plan::run(client.clone(), read, move |read| {
        let (op, value) = match read {
            Err(err) => return Plan::fail(err),
            Ok(Some(old)) => {
                let Some(modify) = job.modify.as_mut() else {
                    return Plan::Done(decode::value(job.base.codec(), job.base.key(), &old));
                };
                let mut value: V = match decode::value(job.base.codec(), job.base.key(), &old) {
                    Ok(value) => value,
                    Err(err) => return Plan::fail(err),
                };
                modify(&mut value);
                let new = match job.base.encode(&value) {
                    Ok(new) => new,
                    Err(err) => return Plan::fail(err),
                };
                let args = [job.field.clone(), old, new];
                let request = job.base.script(&lua::dict::COMPARE_AND_SET, &args);
                (job.base.op(request, decode::flag), Ok(value))
            }
            Ok(None) => {
                let new = match encoded_default(&mut job) {
                    Ok(new) => new,
                    Err(err) => return Plan::fail(err),
                };
                let value = decode::value(job.base.codec(), job.base.key(), &new);
                if job.modify.is_none() {
                    // Nothing to decide on a present value: `setdefault` in one step.
                    return Plan::op(client, set_default_op(&job.base, job.field, new));
                }
                let cmd = job.base.cmd_with("HSETNX", (job.field.as_slice(), new));
                (job.base.op(cmd, decode::flag), value)
            }
        };
        Plan::run(client, op, move |written| match written {
            Err(err) => Plan::fail(err),
            Ok(true) => Plan::Done(value),
            Ok(false) if job.attempts > 1 => {
                job.attempts -= 1;
                entry(job)
            }
            Ok(false) => Plan::fail(Error::conflict(
                job.base.key(),
                format!(
                    "entry: the field changed between the read and the write, {ATTEMPTS} times; nothing was written the last time"
                ),
            )),
        })
    })
}

/// `HSETNX` then `HGET` in one script (Python's `setdefault`): the value stored.
pub(super) fn set_default_op<V, C>(base: &Base<C>, field: Vec<u8>, value: Vec<u8>) -> Op<V>
where
    V: DeserializeOwned + Send + 'static,
    C: Codec,
{
    let codec = base.codec().clone();
    let request = base.script(&lua::dict::GET_OR_INSERT, &[field, value]);
    base.op(request, move |key, reply| {
        decode::optional(&codec, key, reply)?
            .ok_or_else(|| Error::unexpected_reply(key, "setdefault", "nil"))
    })
}

/// The default, encoded; a lazy one is made now and kept encoded for retries.
fn encoded_default<V: serde::Serialize, C: Codec>(job: &mut EntryJob<V, C>) -> Result<Vec<u8>> {
    let bytes = match std::mem::replace(&mut job.default, Default::Encoded(Vec::new())) {
        Default::Encoded(bytes) => bytes,
        Default::With(make) => job.base.encode(&make())?,
    };
    job.default = Default::Encoded(bytes.clone());
    Ok(bytes)
}

/// The number of attempts an entry flow starts with.
pub(super) const fn attempts() -> u32 {
    ATTEMPTS
}

/// What a retain needs: the dict and the caller's decision.
pub(super) struct RetainJob<K, V, C> {
    pub(super) base: Base<C>,
    pub(super) keep: Keep<K, V>,
}

/// Judges one `HSCAN` page at `cursor`, deletes the rejected entries that
/// still hold the judged value, then goes on; the number deleted in all.
pub(super) fn retain<K, V, C>(
    mut job: RetainJob<K, V, C>,
    cursor: u64,
    removed: usize,
) -> Plan<usize>
where
    K: DeserializeOwned + Send + 'static,
    V: DeserializeOwned + Send + 'static,
    C: Codec,
{
    let scan = job.base.cmd_with("HSCAN", (cursor, "COUNT", SCAN_COUNT));
    let read = job.base.op(scan, decode::scan_page);
    let client = job.base.client().clone();
    Plan::run(client.clone(), read, move |page| {
        let (next, flat) = match page {
            Ok(page) => page,
            Err(err) => return Plan::fail(err),
        };
        let mut rejected = Vec::new();
        let (codec, key) = (job.base.codec(), job.base.key());
        for (field, value) in match raw_pairs(key, flat) {
            Ok(pairs) => pairs,
            Err(err) => return Plan::fail(err),
        } {
            // An entry that does not decode stops the call; pages judged
            // before it stay as they were decided.
            let decided = decode::value::<C, K>(codec, key, &field)
                .and_then(|k| Ok((k, decode::value::<C, V>(codec, key, &value)?)));
            match decided {
                Ok((k, v)) if !(job.keep)(&k, &v) => rejected.extend([field, value]),
                Ok(_) => {}
                Err(err) => return Plan::fail(err),
            }
        }
        let go_on = move |job: RetainJob<K, V, C>, removed: usize| match next {
            0 => Plan::done(removed),
            next => retain(job, next, removed),
        };
        if rejected.is_empty() {
            return go_on(job, removed);
        }
        let request = job.base.script(&lua::dict::DELETE_IF_EQUAL, &rejected);
        let delete = job.base.op(request, decode::count);
        Plan::run(client, delete, move |deleted| match deleted {
            Ok(n) => go_on(job, removed + n),
            Err(err) => Plan::fail(err),
        })
    })
}

/// A flat `[field, value, ...]` reply as raw pairs.
fn raw_pairs(key: &str, flat: Vec<Value>) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
    let mut out = Vec::with_capacity(flat.len() / 2);
    let mut items = flat.into_iter();
    while let (Some(field), Some(value)) = (items.next(), items.next()) {
        let field = decode::bytes(key, field)?.unwrap_or_default();
        out.push((field, decode::bytes(key, value)?.unwrap_or_default()));
    }
    Ok(out)
}
