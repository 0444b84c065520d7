//! The `RedisCache` operations: a hit (the 1000 entries are cached first) and a
//! miss (a field never asked before, computed and stored).
//!
//! Raw is what a hand-written cache sends: `HGET` on a hit; `HGET` then `HSET`
//! on a miss. Ours also resets the hash's TTL on every access, as pottery does
//! (pipelined: no extra round trip). Python is pottery's `redis_cache`: `HGET`
//! then `EXPIRE` on a hit; `HGET`, `HSET`, `EXPIRE` on a miss.

use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

use pottery::{future, sync};
use redis::{AsyncCommands, Commands, Connection};

use std::sync::Arc;

use redis::aio::MultiplexedConnection;

use crate::measure::{BoxFuture, Result};
use crate::ops::{BenchOp, Ctx, Group, Profile, pick};
use crate::setup::Keys;

/// Ours's caches, blocking and async, on the shared keys.
pub(crate) struct Caches {
    /// Blocking, on the filled hash.
    pub(crate) hit: sync::RedisCache,
    /// Async, on the filled hash.
    pub(crate) ahit: future::RedisCache,
    /// Blocking, on the filled hash, sending a TTL reset with every hit.
    pub(crate) slack: sync::RedisCache,
    /// Async, likewise.
    pub(crate) aslack: future::RedisCache,
    /// Blocking, missing every time.
    pub(crate) miss: sync::RedisCache,
    /// Async, missing every time.
    pub(crate) amiss: future::RedisCache,
}

impl Caches {
    /// The caches at `keys.cache_hit` and `keys.cache_miss`.
    pub(crate) fn new(client: &pottery::Client, keys: &Keys) -> pottery::Result<Caches> {
        Ok(Caches {
            hit: sync::RedisCache::new(client, &keys.cache_hit),
            ahit: future::RedisCache::new(client, &keys.cache_hit),
            slack: sync::RedisCache::builder(client, &keys.cache_hit)
                .refresh_every(SLACK)
                .build()?,
            aslack: future::RedisCache::builder(client, &keys.cache_hit)
                .refresh_every(SLACK)
                .build()?,
            miss: sync::RedisCache::new(client, &keys.cache_miss),
            amiss: future::RedisCache::new(client, &keys.cache_miss),
        })
    }
}

/// The `refresh_every` of the "hit (reset each)" row: a PEXPIRE with every hit.
const SLACK: std::time::Duration = std::time::Duration::ZERO;

/// The field of the call with argument `i`, as ours encodes it (`[i]`).
fn field(i: usize) -> Vec<u8> {
    format!("[{i}]").into_bytes()
}

/// A fresh argument for each miss, across slices and sides.
static NEXT_MISS: AtomicUsize = AtomicUsize::new(1_000_000);

fn next_miss() -> usize {
    NEXT_MISS.fetch_add(1, Ordering::Relaxed)
}

/// What the cached function computes: the `i`-th profile.
fn compute(c: &Ctx, i: usize) -> Result<Profile> {
    Ok(pick(&c.data.values, i)?.clone())
}

/// Caches the 1000 results `[i] -> values[i]`.
pub(crate) fn fill(c: &Ctx, con: &mut Connection) -> Result<()> {
    let pairs: Vec<(Vec<u8>, &Vec<u8>)> = c
        .data
        .enc_values
        .iter()
        .enumerate()
        .map(|(i, value)| (field(i), value))
        .collect();
    let _: i64 = con.hset_multiple(&c.keys.cache_hit, &pairs).map(|()| 0)?;
    Ok(())
}

/// Deletes the missed-into hash before each slice, so that it stays small.
fn empty_miss(c: &Ctx, con: &mut Connection, _: std::time::Duration) -> Result<()> {
    let _: i64 = con.del(&c.keys.cache_miss)?;
    Ok(())
}

/// Ours's hit on `cache`: the call with argument `i`, cached before the run.
fn ours_hit(cache: &sync::RedisCache, c: &Ctx, i: usize) -> Result<()> {
    let n = i % c.data.values.len();
    black_box(cache.get_or_compute(&(n,), || compute(c, n).ok())?);
    Ok(())
}

/// Ours's hit, async, on the cache `which` picks.
async fn ours_hit_async(
    which: fn(&Ctx) -> &future::RedisCache,
    c: Arc<Ctx>,
    i: usize,
) -> Result<()> {
    let n = i % c.data.values.len();
    let value = which(&c)
        .get_or_compute(&(n,), || async { compute(&c, n).ok() })
        .await?;
    black_box(value);
    Ok(())
}

/// Raw's hit: one HGET of a cached field.
fn raw_hit(c: &Ctx, con: &mut Connection, i: usize) -> Result<()> {
    let n = i % c.data.values.len();
    let v: Option<Vec<u8>> = con.hget(&c.keys.cache_hit, field(n))?;
    black_box(v.ok_or("a hit that missed")?);
    Ok(())
}

/// Raw's hit, async.
fn raw_hit_async(c: Arc<Ctx>, mut con: MultiplexedConnection, i: usize) -> BoxFuture {
    Box::pin(async move {
        let n = i % c.data.values.len();
        let v: Option<Vec<u8>> = con.hget(&c.keys.cache_hit, field(n)).await?;
        black_box(v.ok_or("a hit that missed")?);
        Ok(())
    })
}

/// The cache operations, in table order.
pub(crate) fn ops() -> Vec<BenchOp> {
    vec![
        BenchOp {
            group: Group::Cache,
            name: "hit",
            python: "cache_hit",
            single: true,
            note: "a cached call with the defaults: one HGET and decode, plus a pipelined \
                   PEXPIRE for the first hit of each millisecond; raw one HGET; python: f(i) \
                   of a @redis_cache function (HGET, then EXPIRE)",
            prep: None,
            ours_blocking: |c, i| ours_hit(&c.cache.hit, c, i),
            raw_blocking: raw_hit,
            ours_async: |c, i| Box::pin(ours_hit_async(|c| &c.cache.ahit, c, i)),
            raw_async: raw_hit_async,
        },
        BenchOp {
            group: Group::Cache,
            name: "hit (reset each)",
            python: "cache_hit",
            single: true,
            note: "a cached call with refresh_every(0): HGET + PEXPIRE (pipelined) at \
                   every hit, and decode; raw one HGET; python as for hit",
            prep: None,
            ours_blocking: |c, i| ours_hit(&c.cache.slack, c, i),
            raw_blocking: raw_hit,
            ours_async: |c, i| Box::pin(ours_hit_async(|c| &c.cache.aslack, c, i)),
            raw_async: raw_hit_async,
        },
        BenchOp {
            group: Group::Cache,
            name: "miss",
            python: "cache_miss",
            single: false,
            note: "a call never made before, computed and stored: ours HGET + PEXPIRE, then \
                   HSET + PEXPIRE (MULTI), two round trips; raw HGET then HSET; python: \
                   HGET, HSET, EXPIRE",
            prep: Some(empty_miss),
            ours_blocking: |c, _| {
                let n = next_miss();
                black_box(c.cache.miss.get_or_compute(&(n,), || compute(c, n).ok())?);
                Ok(())
            },
            raw_blocking: |c, con, _| {
                let n = next_miss();
                let key = &c.keys.cache_miss;
                let v: Option<Vec<u8>> = con.hget(key, field(n))?;
                if v.is_none() {
                    let value = pottery::json::to_vec(&compute(c, n)?)?;
                    let _: i64 = con.hset(key, field(n), value)?;
                }
                Ok(())
            },
            ours_async: |c, _| {
                Box::pin(async move {
                    let n = next_miss();
                    let cache = &c.cache.amiss;
                    black_box(
                        cache
                            .get_or_compute(&(n,), || async { compute(&c, n).ok() })
                            .await?,
                    );
                    Ok(())
                })
            },
            raw_async: |c, mut con, _| {
                Box::pin(async move {
                    let n = next_miss();
                    let key = &c.keys.cache_miss;
                    let v: Option<Vec<u8>> = con.hget(key, field(n)).await?;
                    if v.is_none() {
                        let value = pottery::json::to_vec(&compute(&c, n)?)?;
                        let _: i64 = con.hset(key, field(n), value).await?;
                    }
                    Ok(())
                })
            },
        },
    ]
}
