//! The `RedisCounter` operations: increments on a counter of 1000 elements, and
//! `most_common(10)` of another 1000-element counter whose counts never change.

use std::cmp::Reverse;
use std::hint::black_box;

use pottery::{future, sync};
use redis::{AsyncCommands, Commands, Connection};

use crate::measure::Result;
use crate::ops::{BenchOp, Ctx, Group, pick};
use crate::setup::Keys;

/// Elements returned by `most_common`.
const TOP: usize = 10;

/// Ours's counters, blocking and async, on the shared keys.
pub(crate) struct Counters {
    /// Blocking, at `keys.counter`.
    pub(crate) counter: sync::RedisCounter<String>,
    /// Async, at `keys.counter`.
    pub(crate) acounter: future::RedisCounter<String>,
    /// Blocking, at `keys.counter_common`.
    pub(crate) common: sync::RedisCounter<String>,
    /// Async, at `keys.counter_common`.
    pub(crate) acommon: future::RedisCounter<String>,
}

impl Counters {
    /// The counters at `keys.counter` and `keys.counter_common`.
    pub(crate) fn new(client: &pottery::Client, keys: &Keys) -> Counters {
        Counters {
            counter: sync::RedisCounter::new(client, &keys.counter),
            acounter: future::RedisCounter::new(client, &keys.counter),
            common: sync::RedisCounter::new(client, &keys.counter_common),
            acommon: future::RedisCounter::new(client, &keys.counter_common),
        }
    }
}

/// Counts 1 for every element of the incremented counter, and the data's
/// counts in the other.
pub(crate) fn fill(c: &Ctx, con: &mut Connection) -> Result<()> {
    let d = &c.data;
    let ones: Vec<(&Vec<u8>, i64)> = d.enc_keys.iter().map(|k| (k, 1)).collect();
    let () = con.hset_multiple(&c.keys.counter, &ones)?;
    let counts: Vec<(&Vec<u8>, i64)> = d.enc_keys.iter().zip(d.counts.iter().copied()).collect();
    let () = con.hset_multiple(&c.keys.counter_common, &counts)?;
    Ok(())
}

/// Raw's `most_common`: the [`TOP`] largest counts of an `HGETALL` reply, elements
/// kept as bytes.
fn top(mut pairs: Vec<(Vec<u8>, i64)>) -> Vec<(Vec<u8>, i64)> {
    pairs.sort_by_key(|pair| Reverse(pair.1));
    pairs.truncate(TOP);
    pairs
}

/// The counter operations, in table order.
pub(crate) fn ops() -> Vec<BenchOp> {
    vec![
        BenchOp {
            group: Group::Counter,
            name: "increment",
            python: "counter_increment",
            single: true,
            note: "HINCRBY field 1 (atomic; the new count decoded by ours); python: c[k] += 1 \
                   (HGET then HSET: two round trips, and lost updates under concurrency)",
            prep: None,
            ours_blocking: |c, i| {
                black_box(c.counter.counter.increment(pick(&c.data.keys, i)?, 1)?);
                Ok(())
            },
            raw_blocking: |c, con, i| {
                let n: i64 = con.hincr(&c.keys.counter, pick(&c.data.enc_keys, i)?, 1)?;
                black_box(n);
                Ok(())
            },
            ours_async: |c, i| {
                Box::pin(async move {
                    let k = pick(&c.data.keys, i)?;
                    black_box(c.counter.acounter.increment(k, 1).await?);
                    Ok(())
                })
            },
            raw_async: |c, mut con, i| {
                Box::pin(async move {
                    let k = pick(&c.data.enc_keys, i)?;
                    let n: i64 = con.hincr(&c.keys.counter, k, 1).await?;
                    black_box(n);
                    Ok(())
                })
            },
        },
        BenchOp {
            group: Group::Counter,
            name: "most_common(10)",
            python: "counter_most_common",
            single: false,
            note: "HGETALL of 1000 counts, sorted, top 10 kept (ours decodes all 1000 elements, \
                   raw keeps bytes and parses counts); python: c.most_common(10) (to_counter: \
                   ~100 HSCAN pages plus one HGET per element)",
            prep: None,
            ours_blocking: |c, _| {
                black_box(c.counter.common.most_common(Some(TOP))?);
                Ok(())
            },
            raw_blocking: |c, con, _| {
                let pairs: Vec<(Vec<u8>, i64)> = con.hgetall(&c.keys.counter_common)?;
                black_box(top(pairs));
                Ok(())
            },
            ours_async: |c, _| {
                Box::pin(async move {
                    black_box(c.counter.acommon.most_common(Some(TOP)).await?);
                    Ok(())
                })
            },
            raw_async: |c, mut con, _| {
                Box::pin(async move {
                    let pairs: Vec<(Vec<u8>, i64)> = con.hgetall(&c.keys.counter_common).await?;
                    black_box(top(pairs));
                    Ok(())
                })
            },
        },
    ]
}
