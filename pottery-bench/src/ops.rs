//! What every benchmarked operation shares: the data, the keys, the structures
//! ([`Ctx`]) and the shape of one operation ([`BenchOp`]). The operations
//! themselves live in one module per structure (`ops_dict`, `ops_set`, ...).
//!
//! Each operation is written four ways: ours blocking, raw blocking, ours async,
//! raw async. "Ours" calls a pottery structure, which encodes to JSON and decodes
//! replies. "Raw" sends the same commands with the same bytes, encoded once
//! before timing, and keeps the reply as bytes: the difference is pottery's whole
//! overhead (encoding, decoding, its connection pool or shared async connection,
//! error mapping).

use std::sync::Arc;
use std::time::Duration;

use clap::ValueEnum;
use redis::Connection;
use redis::aio::MultiplexedConnection;
use serde::{Deserialize, Serialize};

use crate::measure::{BoxFuture, Result};
use crate::setup::Keys;
use crate::{
    ops_bloom, ops_cache, ops_counter, ops_deque, ops_dict, ops_hll, ops_list, ops_queue, ops_set,
};

/// Entries in each benchmarked structure; also the size of one dict `extend`.
pub(crate) const ENTRIES: usize = 1000;

/// Elements read by one multi-element read (`get_many`, `contains_many`, a range).
pub(crate) const MANY: usize = 100;

/// Operations per second that a consumed structure (deque pop, queue get) is
/// topped up for before each slice: about 4x the fastest rate seen here, so it
/// never runs empty mid-slice (and if it did, the operation fails loudly).
const TOPUP_RATE: f64 = 1_000_000.0;

/// The stored value: a small record, a typical payload.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Profile {
    /// A short string.
    pub(crate) name: String,
    /// A number.
    pub(crate) visits: u64,
}

/// The structure an operation works on: groups the table, selects with `--only`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Group {
    /// `RedisDict`.
    Dict,
    /// `RedisSet`.
    Set,
    /// `RedisList`.
    List,
    /// `RedisDeque`.
    Deque,
    /// `RedisCounter`.
    Counter,
    /// `RedisSimpleQueue`.
    Queue,
    /// `RedisCache`: a hit and a miss.
    Cache,
    /// `BloomFilter`.
    Bloom,
    /// `HyperLogLog`.
    Hll,
    /// `Redlock`: acquire+release cycles on 1 and on 5 masters ([`crate::redlock`]).
    Redlock,
    /// `NextId`: IDs on 1 and on 5 masters ([`crate::nextid`]).
    Nextid,
    /// Lock hand-off latency under 8 contenders, ours against three peers
    /// ([`crate::handoff`]).
    Handoff,
    /// `RedisWorkQueue`: throughput and put-to-receive latency against raw
    /// redis-rs and BullMQ ([`crate::workqueue`]).
    Workqueue,
}

impl Group {
    /// The name shown in the table.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Group::Dict => "dict",
            Group::Set => "set",
            Group::List => "list",
            Group::Deque => "deque",
            Group::Counter => "counter",
            Group::Queue => "queue",
            Group::Cache => "cache",
            Group::Bloom => "bloom",
            Group::Hll => "hll",
            Group::Redlock => "redlock",
            Group::Nextid => "nextid",
            Group::Handoff => "handoff",
            Group::Workqueue => "workqueue",
        }
    }
}

/// The elements every side uses, and their encodings for raw.
#[derive(Debug)]
pub(crate) struct Data {
    /// `user:0000` ... `user:0999`: dict fields, set members, counter elements.
    pub(crate) keys: Vec<String>,
    /// One value per key: dict values, list, deque and queue items.
    pub(crate) values: Vec<Profile>,
    /// The counts of the counter read by `most_common` (all different).
    pub(crate) counts: Vec<i64>,
    /// The keys as pottery encodes them (`"user:0000"`, with the quotes).
    pub(crate) enc_keys: Vec<Vec<u8>>,
    /// The values as pottery encodes them.
    pub(crate) enc_values: Vec<Vec<u8>>,
    /// `(enc_keys[i], enc_values[i])`, for raw's bulk HSET.
    pub(crate) enc_pairs: Vec<(Vec<u8>, Vec<u8>)>,
}

impl Data {
    /// Builds [`ENTRIES`] elements and encodes them with `pottery::json::to_vec`.
    pub(crate) fn new() -> Result<Data> {
        let keys: Vec<String> = (0..ENTRIES).map(|i| format!("user:{i:04}")).collect();
        let values: Vec<Profile> = (0..ENTRIES)
            .map(|i| Profile {
                name: format!("User number {i}"),
                visits: i as u64 * 7,
            })
            .collect();
        // A permutation of 1..=ENTRIES (7919 is prime, so coprime with 1000).
        let counts = (0..ENTRIES)
            .map(|i| ((i * 7919) % ENTRIES) as i64 + 1)
            .collect();
        let enc_keys = keys
            .iter()
            .map(pottery::json::to_vec)
            .collect::<Result<Vec<_>, _>>()?;
        let enc_values = values
            .iter()
            .map(pottery::json::to_vec)
            .collect::<Result<Vec<_>, _>>()?;
        let enc_pairs = enc_keys
            .iter()
            .cloned()
            .zip(enc_values.iter().cloned())
            .collect();
        Ok(Data {
            keys,
            values,
            counts,
            enc_keys,
            enc_values,
            enc_pairs,
        })
    }

    /// `n` encoded values, cycling, for topping up a consumed structure.
    pub(crate) fn cycle_values(&self, n: usize) -> impl Iterator<Item = &Vec<u8>> {
        self.enc_values.iter().cycle().take(n)
    }
}

/// Item `i` of `items`, cycling.
pub(crate) fn pick<T>(items: &[T], i: usize) -> Result<&T> {
    items
        .get(i % items.len().max(1))
        .ok_or_else(|| "no bench data".into())
}

/// Window `i` (cycling) of [`MANY`] consecutive items.
pub(crate) fn window<T>(items: &[T], i: usize) -> Result<&[T]> {
    let start = window_start(items.len(), i);
    items
        .get(start..start + MANY)
        .ok_or_else(|| "too little bench data".into())
}

/// Where window `i` (cycling) of [`MANY`] items out of `len` starts.
pub(crate) fn window_start(len: usize, i: usize) -> usize {
    (i % (len / MANY).max(1)) * MANY
}

/// How many elements a consumed structure needs before a slice of `slice`.
pub(crate) fn topup_target(slice: Duration) -> usize {
    (slice.as_secs_f64() * TOPUP_RATE) as usize + ENTRIES
}

/// The error of a pop or get that found its structure empty mid-slice.
pub(crate) fn ran_empty(what: &str) -> crate::measure::Error {
    format!("{what} ran empty mid-slice: raise TOPUP_RATE in ops.rs").into()
}

/// What every operation works on: the data and ours's structures, blocking and
/// async, on the keys ours and raw share.
pub(crate) struct Ctx {
    /// The data.
    pub(crate) data: Data,
    /// The keys (raw uses them directly).
    pub(crate) keys: Keys,
    /// The dict.
    pub(crate) dict: ops_dict::Dict,
    /// The set.
    pub(crate) set: ops_set::Set,
    /// The lists.
    pub(crate) list: ops_list::Lists,
    /// The deques.
    pub(crate) deque: ops_deque::Deques,
    /// The counters.
    pub(crate) counter: ops_counter::Counters,
    /// The queues.
    pub(crate) queue: ops_queue::Queues,
    /// The caches.
    pub(crate) cache: ops_cache::Caches,
    /// The Bloom filter.
    pub(crate) bloom: ops_bloom::Bloom,
    /// The HyperLogLog.
    pub(crate) hll: ops_hll::Hll,
}

impl Ctx {
    /// Ours's structures on `keys`; stores nothing.
    pub(crate) fn new(client: &pottery::Client, keys: Keys, data: Data) -> Result<Ctx> {
        Ok(Ctx {
            dict: ops_dict::Dict::new(client, &keys),
            set: ops_set::Set::new(client, &keys),
            list: ops_list::Lists::new(client, &keys),
            deque: ops_deque::Deques::new(client, &keys)?,
            counter: ops_counter::Counters::new(client, &keys),
            queue: ops_queue::Queues::new(client, &keys),
            cache: ops_cache::Caches::new(client, &keys)?,
            bloom: ops_bloom::Bloom::new(client, &keys, &data.keys)?,
            hll: ops_hll::Hll::new(client, &keys)?,
            data,
            keys,
        })
    }

    /// Fills the structures that start with contents, with raw commands.
    pub(crate) fn fill(&self, con: &mut Connection) -> Result<()> {
        ops_dict::fill(self, con)?;
        ops_set::fill(self, con)?;
        ops_list::fill(self, con)?;
        ops_deque::fill(self, con)?;
        ops_counter::fill(self, con)?;
        ops_cache::fill(self, con)?;
        ops_bloom::fill(self, con)?;
        ops_hll::fill(self, con)?;
        Ok(())
    }
}

/// Untimed work before each slice of ours or raw (emptying an appended list,
/// topping up a popped deque), given the slice's length; on its own connection.
pub(crate) type Prep = fn(&Ctx, &mut Connection, Duration) -> Result<()>;

/// One benchmarked operation.
pub(crate) struct BenchOp {
    /// The structure it works on.
    pub(crate) group: Group,
    /// The row name.
    pub(crate) name: &'static str,
    /// The operation's name in the Python driver (`bench.py`).
    pub(crate) python: &'static str,
    /// A single-element operation (held to the ours/raw target).
    pub(crate) single: bool,
    /// What the row compares, printed under the table and kept in the JSON row.
    pub(crate) note: &'static str,
    /// Run before each slice of ours and of raw, if any.
    pub(crate) prep: Option<Prep>,
    /// Ours, blocking: call `i`.
    pub(crate) ours_blocking: fn(&Ctx, usize) -> Result<()>,
    /// Raw redis-rs, blocking, on one `redis::Connection`.
    pub(crate) raw_blocking: fn(&Ctx, &mut Connection, usize) -> Result<()>,
    /// Ours, async.
    pub(crate) ours_async: fn(Arc<Ctx>, usize) -> BoxFuture,
    /// Raw redis-rs, async, on a clone of one `MultiplexedConnection`.
    pub(crate) raw_async: fn(Arc<Ctx>, MultiplexedConnection, usize) -> BoxFuture,
}

/// Every operation, in table order (grouped by structure).
pub(crate) fn all() -> Vec<BenchOp> {
    let mut ops = ops_dict::ops();
    ops.extend(ops_set::ops());
    ops.extend(ops_list::ops());
    ops.extend(ops_deque::ops());
    ops.extend(ops_counter::ops());
    ops.extend(ops_queue::ops());
    ops.extend(ops_cache::ops());
    ops.extend(ops_bloom::ops());
    ops.extend(ops_hll::ops());
    ops
}
