//! The operations benchmarked, each written four ways: ours blocking, raw
//! blocking, ours async, raw async.
//!
//! "Ours" calls pottery's `RedisDict`, which encodes keys and values to JSON and
//! decodes replies. "Raw" sends the same command with the same bytes, encoded
//! once before timing, and keeps the reply as bytes: the difference is pottery's
//! whole overhead (encoding, decoding, its connection pool or shared async
//! connection, error mapping).

use std::hint::black_box;
use std::sync::Arc;

use pottery::{future, sync};
use redis::aio::MultiplexedConnection;
use redis::{AsyncCommands, Commands, Connection};
use serde::{Deserialize, Serialize};

use crate::measure::{BoxFuture, Result};

/// Entries in the benchmarked hash; also the size of one `extend`.
pub(crate) const ENTRIES: usize = 1000;

/// Fields read by one `get_many`.
pub(crate) const MANY: usize = 100;

/// The stored value: a small record, a typical payload.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Profile {
    /// A short string.
    pub(crate) name: String,
    /// A number.
    pub(crate) visits: u64,
}

/// The keys and values every side uses, and their encodings for raw.
#[derive(Debug)]
pub(crate) struct Data {
    /// `user:0000` ... `user:0999`.
    pub(crate) keys: Vec<String>,
    /// One value per key.
    pub(crate) values: Vec<Profile>,
    /// The keys as pottery encodes them (`"user:0000"`, with the quotes).
    pub(crate) enc_keys: Vec<Vec<u8>>,
    /// The values as pottery encodes them.
    pub(crate) enc_values: Vec<Vec<u8>>,
    /// `(enc_keys[i], enc_values[i])`, for raw's bulk HSET.
    pub(crate) enc_pairs: Vec<(Vec<u8>, Vec<u8>)>,
}

impl Data {
    /// Builds [`ENTRIES`] entries and encodes them with `pottery::json::to_vec`.
    pub(crate) fn new() -> Result<Data> {
        let keys: Vec<String> = (0..ENTRIES).map(|i| format!("user:{i:04}")).collect();
        let values: Vec<Profile> = (0..ENTRIES)
            .map(|i| Profile {
                name: format!("User number {i}"),
                visits: i as u64 * 7,
            })
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
            enc_keys,
            enc_values,
            enc_pairs,
        })
    }
}

/// Item `i` of `items`, cycling.
fn pick<T>(items: &[T], i: usize) -> Result<&T> {
    items
        .get(i % items.len().max(1))
        .ok_or_else(|| "no bench data".into())
}

/// Window `i` (cycling) of [`MANY`] consecutive items.
fn window<T>(items: &[T], i: usize) -> Result<&[T]> {
    let start = (i % (items.len() / MANY).max(1)) * MANY;
    items
        .get(start..start + MANY)
        .ok_or_else(|| "too little bench data".into())
}

/// What every operation works on.
pub(crate) struct Ctx {
    /// The data.
    pub(crate) data: Data,
    /// The Redis key of the hash that ours and raw share.
    pub(crate) key: String,
    /// Ours, blocking, on `key`.
    pub(crate) dict: sync::RedisDict<String, Profile>,
    /// Ours, async, on `key`.
    pub(crate) adict: future::RedisDict<String, Profile>,
}

/// One benchmarked operation.
pub(crate) struct BenchOp {
    /// The row name.
    pub(crate) name: &'static str,
    /// The operation's name in the Python driver ([`crate::python::SCRIPT`]).
    pub(crate) python: &'static str,
    /// A single-element operation (held to the ours/raw target).
    pub(crate) single: bool,
    /// What the row compares, printed under the table and kept in the JSON row.
    pub(crate) note: &'static str,
    /// Ours, blocking: call `i`.
    pub(crate) ours_blocking: fn(&Ctx, usize) -> Result<()>,
    /// Raw redis-rs, blocking, on one `redis::Connection`.
    pub(crate) raw_blocking: fn(&Ctx, &mut Connection, usize) -> Result<()>,
    /// Ours, async.
    pub(crate) ours_async: fn(Arc<Ctx>, usize) -> BoxFuture,
    /// Raw redis-rs, async, on a clone of one `MultiplexedConnection`.
    pub(crate) raw_async: fn(Arc<Ctx>, MultiplexedConnection, usize) -> BoxFuture,
}

/// The operations, in table order.
pub(crate) fn all() -> Vec<BenchOp> {
    vec![
        BenchOp {
            name: "insert",
            python: "insert",
            single: true,
            note: "HSET key field value (overwrites one of the 1000 entries); python: d[k] = v",
            ours_blocking: |c, i| {
                let d = &c.data;
                black_box(c.dict.insert(pick(&d.keys, i)?, pick(&d.values, i)?)?);
                Ok(())
            },
            raw_blocking: |c, con, i| {
                let d = &c.data;
                let n: i64 = con.hset(&c.key, pick(&d.enc_keys, i)?, pick(&d.enc_values, i)?)?;
                black_box(n);
                Ok(())
            },
            ours_async: |c, i| {
                Box::pin(async move {
                    let d = &c.data;
                    black_box(
                        c.adict
                            .insert(pick(&d.keys, i)?, pick(&d.values, i)?)
                            .await?,
                    );
                    Ok(())
                })
            },
            raw_async: |c, mut con, i| {
                Box::pin(async move {
                    let d = &c.data;
                    let (k, v) = (pick(&d.enc_keys, i)?, pick(&d.enc_values, i)?);
                    let n: i64 = con.hset(&c.key, k, v).await?;
                    black_box(n);
                    Ok(())
                })
            },
        },
        BenchOp {
            name: "get",
            python: "get",
            single: true,
            note: "HGET of a present field, value decoded by ours, bytes kept by raw; python: d[k]",
            ours_blocking: |c, i| {
                black_box(c.dict.get(pick(&c.data.keys, i)?)?);
                Ok(())
            },
            raw_blocking: |c, con, i| {
                let v: Option<Vec<u8>> = con.hget(&c.key, pick(&c.data.enc_keys, i)?)?;
                black_box(v);
                Ok(())
            },
            ours_async: |c, i| {
                Box::pin(async move {
                    black_box(c.adict.get(pick(&c.data.keys, i)?).await?);
                    Ok(())
                })
            },
            raw_async: |c, mut con, i| {
                Box::pin(async move {
                    let v: Option<Vec<u8>> = con.hget(&c.key, pick(&c.data.enc_keys, i)?).await?;
                    black_box(v);
                    Ok(())
                })
            },
        },
        BenchOp {
            name: "contains_key",
            python: "contains_key",
            single: true,
            note: "HEXISTS of a present field; python: k in d",
            ours_blocking: |c, i| {
                black_box(c.dict.contains_key(pick(&c.data.keys, i)?)?);
                Ok(())
            },
            raw_blocking: |c, con, i| {
                let b: bool = con.hexists(&c.key, pick(&c.data.enc_keys, i)?)?;
                black_box(b);
                Ok(())
            },
            ours_async: |c, i| {
                Box::pin(async move {
                    black_box(c.adict.contains_key(pick(&c.data.keys, i)?).await?);
                    Ok(())
                })
            },
            raw_async: |c, mut con, i| {
                Box::pin(async move {
                    let b: bool = con.hexists(&c.key, pick(&c.data.enc_keys, i)?).await?;
                    black_box(b);
                    Ok(())
                })
            },
        },
        BenchOp {
            name: "len",
            python: "len",
            single: true,
            note: "HLEN; python: len(d)",
            ours_blocking: |c, _| {
                black_box(c.dict.len()?);
                Ok(())
            },
            raw_blocking: |c, con, _| {
                let n: usize = con.hlen(&c.key)?;
                black_box(n);
                Ok(())
            },
            ours_async: |c, _| {
                Box::pin(async move {
                    black_box(c.adict.len().await?);
                    Ok(())
                })
            },
            raw_async: |c, mut con, _| {
                Box::pin(async move {
                    let n: usize = con.hlen(&c.key).await?;
                    black_box(n);
                    Ok(())
                })
            },
        },
        BenchOp {
            name: "get_many(100)",
            python: "get_many",
            single: false,
            note: "one HMGET of 100 present fields; python: [d[k] for k in keys] (100 HGETs: \
                   pottery 3.0.1's RedisDict has no multi-get)",
            ours_blocking: |c, i| {
                black_box(c.dict.get_many(window(&c.data.keys, i)?)?);
                Ok(())
            },
            raw_blocking: |c, con, i| {
                let v: Vec<Option<Vec<u8>>> = con.hmget(&c.key, window(&c.data.enc_keys, i)?)?;
                black_box(v);
                Ok(())
            },
            ours_async: |c, i| {
                Box::pin(async move {
                    black_box(c.adict.get_many(window(&c.data.keys, i)?).await?);
                    Ok(())
                })
            },
            raw_async: |c, mut con, i| {
                Box::pin(async move {
                    let fields = window(&c.data.enc_keys, i)?;
                    let v: Vec<Option<Vec<u8>>> = con.hmget(&c.key, fields).await?;
                    black_box(v);
                    Ok(())
                })
            },
        },
        BenchOp {
            name: "extend(1000)",
            python: "extend",
            single: false,
            note: "one HSET of 1000 field-value pairs (ours encodes all 2000); python: \
                   d.update(mapping) (WATCH + MULTI/HSET/EXEC)",
            ours_blocking: |c, _| {
                c.dict.extend(c.data.keys.iter().zip(&c.data.values))?;
                Ok(())
            },
            raw_blocking: |c, con, _| {
                let () = con.hset_multiple(&c.key, &c.data.enc_pairs)?;
                Ok(())
            },
            ours_async: |c, _| {
                Box::pin(async move {
                    c.adict
                        .extend(c.data.keys.iter().zip(&c.data.values))
                        .await?;
                    Ok(())
                })
            },
            raw_async: |c, mut con, _| {
                Box::pin(async move {
                    let () = con.hset_multiple(&c.key, &c.data.enc_pairs).await?;
                    Ok(())
                })
            },
        },
    ]
}
