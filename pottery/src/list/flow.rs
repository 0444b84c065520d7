//! [`RedisList::retain`](crate::RedisList::retain) as a plan, written once for
//! both modes: read the whole list, decide each element locally, then keep what
//! was decided with a script that first checks that the list is still what was
//! read (its length and a SHA-1 of its contents). If another writer changed it
//! in between, nothing is written and the flow reads again, a few times.



use redis::Value;
use serde::de::DeserializeOwned;

use super::logic::content_hash;
use super::num_arg;
use crate::codec::Codec;
use crate::container::Base;
use crate::decode;
use crate::engine::Plan;
use crate::error::Error;
use crate::lua;

/// How many times `retain` reads and decides before it reports a conflict.
pub(crate) const ATTEMPTS: u32 = 4;

/// What a retain needs: the list, the caller's decision, the attempts left.
pub(crate) struct Retain<T, C> {
    pub(crate) base: Base<C>,
    pub(crate) keep: Box<dyn FnMut(&T) -> bool + Send>,
    pub(crate) attempts: u32,
}

/// Reads, decides and writes back if unchanged; the number of elements removed.
pub(crate) fn retain<T, C>(mut job: Retain<T, C>) -> Plan<usize>
where
    T: DeserializeOwned + Send + 'static,
    C: Codec,
{
    let read = job
        .base
        .op(job.base.cmd_with("LRANGE", (0, -1)), raw_elements);
    let client = job.base.client().clone();
    Plan::run(client.clone(), read, move |read| {
        let raw = match read {
            Ok(raw) => raw,
            Err(err) => return Plan::fail(err),
        };
        let mut mask = Vec::with_capacity(raw.len());
        for bytes in &raw {
            // An element that does not decode stops the call before any write.
            match decode::value::<C, T>(job.base.codec(), job.base.key(), bytes) {
                Ok(item) => mask.push(if (job.keep)(&item) { b'1' } else { b'0' }),
                Err(err) => return Plan::fail(err),
            }
        }
        let removed = mask.iter().filter(|&&m| m == b'0').count();
        if removed == 0 {
            return Plan::done(0);
        }
        let args = [num_arg(raw.len()), content_hash(&raw).into_bytes(), mask];
        let write = job
            .base
            .op(job.base.script(&lua::list::RETAIN, &args), decode::flag);
        Plan::run(client, write, move |written| match written {
            Err(err) => Plan::fail(err),
            Ok(true) => Plan::done(removed),
            Ok(false) if job.attempts > 1 => {
                job.attempts -= 1;
                retain(job)
            }
            Ok(false) => Plan::fail(Error::conflict(
                job.base.key(),
                format!("retain: the list changed between the read and the write, {ATTEMPTS} times; nothing was written the last time"),
            )),
        })
    })
}

/// An array reply of raw elements.
fn raw_elements(key: &str, reply: Value) -> crate::Result<Vec<Vec<u8>>> {
    decode::array(key, reply)?
        .into_iter()
        .map(|v| Ok(decode::bytes(key, v)?.unwrap_or_default()))
        .collect()
}

