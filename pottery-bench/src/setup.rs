//! The bench's Redis state: keys for ours/raw and for Python, their clean-up,
//! and the check that Python stored the very bytes ours and raw send.

use redis::{Commands, Connection};
use serde::Serialize;

use crate::measure::Result;
use crate::ops::Ctx;

/// The Redis keys of one side's structures: ours and raw share one set, Python
/// has its own (same layout, same contents).
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Keys {
    /// Hash of 1000 entries.
    pub(crate) dict: String,
    /// Set of 1000 members.
    pub(crate) set: String,
    /// List of 1000 items, read by index and range.
    pub(crate) list: String,
    /// List appended to; emptied before each slice.
    pub(crate) list_append: String,
    /// Deque with maxlen 1000, kept full.
    pub(crate) deque_push: String,
    /// Unbounded deque popped from; topped up before each slice.
    pub(crate) deque_pop: String,
    /// Counter of 1000 elements, incremented.
    pub(crate) counter: String,
    /// Counter of 1000 elements with fixed counts, read by `most_common`.
    pub(crate) counter_common: String,
    /// Queue put to; deleted before each slice.
    pub(crate) queue_put: String,
    /// Queue taken from; topped up before each slice.
    pub(crate) queue_get: String,
    /// Cache hash holding the 1000 results hits read.
    pub(crate) cache_hit: String,
    /// Cache hash every miss writes to; deleted before each slice.
    pub(crate) cache_miss: String,
    /// Bloom filter for (1000, 0.01) holding the 1000 elements.
    pub(crate) bloom: String,
    /// HyperLogLog of the 1000 elements.
    pub(crate) hll: String,
    /// The Redlock's *name*: its key is `redlock:<name>`, on every master.
    pub(crate) redlock_name: String,
    /// The NextId sequence's *name*: its key is `nextid:<name>`, on every master.
    pub(crate) nextid_name: String,
}

impl Keys {
    /// Fresh random keys, `pottery-bench:<uuid4>`: not pottery's own prefix, which
    /// Python pottery deletes when the object holding the key is collected.
    pub(crate) fn random() -> Keys {
        let key =
            || pottery::random_key().replacen(pottery::RANDOM_KEY_PREFIX, "pottery-bench:", 1);
        Keys {
            dict: key(),
            set: key(),
            list: key(),
            list_append: key(),
            deque_push: key(),
            deque_pop: key(),
            counter: key(),
            counter_common: key(),
            queue_put: key(),
            queue_get: key(),
            cache_hit: key(),
            cache_miss: key(),
            bloom: key(),
            hll: key(),
            redlock_name: key(),
            nextid_name: key(),
        }
    }

    /// The Redlock's Redis key.
    pub(crate) fn redlock(&self) -> String {
        format!("{}{}", pottery::REDLOCK_KEY_PREFIX, self.redlock_name)
    }

    /// The Redis key raw's Redlock cycles use: its own, so that a late hold left
    /// by ours on a minority of masters never blocks raw (nor the reverse).
    pub(crate) fn redlock_raw(&self) -> String {
        format!("{}:raw", self.redlock())
    }

    /// The NextId sequence's Redis key.
    pub(crate) fn nextid(&self) -> String {
        format!("{}{}", pottery::NEXTID_KEY_PREFIX, self.nextid_name)
    }

    /// The Redis key of raw's sequence (its own, so each side counts alone).
    pub(crate) fn nextid_raw(&self) -> String {
        format!("{}:raw", self.nextid())
    }

    /// Every key, for the clean-up.
    pub(crate) fn all(&self) -> Vec<String> {
        vec![
            self.dict.clone(),
            self.set.clone(),
            self.list.clone(),
            self.list_append.clone(),
            self.deque_push.clone(),
            self.deque_pop.clone(),
            self.counter.clone(),
            self.counter_common.clone(),
            self.queue_put.clone(),
            self.queue_get.clone(),
            self.cache_hit.clone(),
            self.cache_miss.clone(),
            self.bloom.clone(),
            self.hll.clone(),
            self.redlock(),
            self.redlock_raw(),
            self.nextid(),
            self.nextid_raw(),
        ]
    }
}

/// Deletes the bench's keys when dropped, whatever happened (best effort).
pub(crate) struct Cleanup {
    /// Where the keys are.
    pub(crate) client: redis::Client,
    /// Every key the bench made.
    pub(crate) keys: Vec<String>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Ok(mut con) = self.client.get_connection() {
            let _: redis::RedisResult<()> = con.del(&self.keys);
        }
    }
}

/// Warns unless Python stored, in each structure that starts with contents,
/// the very bytes ours and raw use.
pub(crate) fn check_same_bytes(con: &mut Connection, ctx: &Ctx, py: &Keys) -> Result<()> {
    let d = &ctx.data;
    let (Some(field), Some(value), Some(count)) =
        (d.enc_keys.first(), d.enc_values.first(), d.counts.first())
    else {
        return Err("no bench data".into());
    };
    let count = count.to_string().into_bytes();
    let member = con.sismember::<_, _, bool>(&py.set, field)?;
    same("set member", member.then(|| field.clone()), field);
    same("dict value", con.hget(&py.dict, field)?, value);
    same("list item", con.lindex(&py.list, 0)?, value);
    same("deque item", con.lindex(&py.deque_push, 0)?, value);
    same("counter count", con.hget(&py.counter, field)?, b"1");
    same(
        "counter count",
        con.hget(&py.counter_common, field)?,
        &count,
    );
    let bitmap: Vec<u8> = con.get(&ctx.keys.bloom)?;
    same("bloom bitmap", con.get(&py.bloom)?, &bitmap);
    let hll: Vec<u8> = con.get(&ctx.keys.hll)?;
    same("hyperloglog", con.get(&py.hll)?, &hll);
    Ok(())
}

/// Warns unless Python stored `ours` (`theirs` is what it stored).
fn same(what: &str, theirs: Option<Vec<u8>>, ours: &[u8]) {
    if theirs.as_deref() != Some(ours) {
        eprintln!(
            "WARNING: Python stored the {what} {:?} where pottery stores {:?}: the sides \
             do not send the same bytes",
            theirs.map(|v| String::from_utf8_lossy(&v).into_owned()),
            String::from_utf8_lossy(ours),
        );
    }
}
