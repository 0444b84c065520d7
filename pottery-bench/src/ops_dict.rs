//! The `RedisDict` operations: one hash of 1000 entries.

use std::hint::black_box;

use pottery::{future, sync};
use redis::{AsyncCommands, Commands, Connection};

use crate::measure::Result;
use crate::ops::{BenchOp, Ctx, Group, Profile, pick, window};
use crate::setup::Keys;

/// Ours's dict, blocking and async, on the shared key.
pub(crate) struct Dict {
    /// Blocking.
    pub(crate) dict: sync::RedisDict<String, Profile>,
    /// Async.
    pub(crate) adict: future::RedisDict<String, Profile>,
}

impl Dict {
    /// The dict at `keys.dict`.
    pub(crate) fn new(client: &pottery::Client, keys: &Keys) -> Dict {
        Dict {
            dict: sync::RedisDict::new(client, &keys.dict),
            adict: future::RedisDict::new(client, &keys.dict),
        }
    }
}

/// Stores the 1000 entries.
pub(crate) fn fill(c: &Ctx, con: &mut Connection) -> Result<()> {
    let () = con.hset_multiple(&c.keys.dict, &c.data.enc_pairs)?;
    Ok(())
}

/// The dict operations, in table order.
pub(crate) fn ops() -> Vec<BenchOp> {
    vec![
        BenchOp {
            group: Group::Dict,
            prep: None,
            name: "insert",
            python: "insert",
            single: true,
            note: "HSET key field value (overwrites one of the 1000 entries); python: d[k] = v",
            ours_blocking: |c, i| {
                let d = &c.data;
                black_box(c.dict.dict.insert(pick(&d.keys, i)?, pick(&d.values, i)?)?);
                Ok(())
            },
            raw_blocking: |c, con, i| {
                let d = &c.data;
                let n: i64 =
                    con.hset(&c.keys.dict, pick(&d.enc_keys, i)?, pick(&d.enc_values, i)?)?;
                black_box(n);
                Ok(())
            },
            ours_async: |c, i| {
                Box::pin(async move {
                    let d = &c.data;
                    black_box(
                        c.dict
                            .adict
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
                    let n: i64 = con.hset(&c.keys.dict, k, v).await?;
                    black_box(n);
                    Ok(())
                })
            },
        },
        BenchOp {
            group: Group::Dict,
            prep: None,
            name: "get",
            python: "get",
            single: true,
            note: "HGET of a present field, value decoded by ours, bytes kept by raw; python: d[k]",
            ours_blocking: |c, i| {
                black_box(c.dict.dict.get(pick(&c.data.keys, i)?)?);
                Ok(())
            },
            raw_blocking: |c, con, i| {
                let v: Option<Vec<u8>> = con.hget(&c.keys.dict, pick(&c.data.enc_keys, i)?)?;
                black_box(v);
                Ok(())
            },
            ours_async: |c, i| {
                Box::pin(async move {
                    black_box(c.dict.adict.get(pick(&c.data.keys, i)?).await?);
                    Ok(())
                })
            },
            raw_async: |c, mut con, i| {
                Box::pin(async move {
                    let v: Option<Vec<u8>> =
                        con.hget(&c.keys.dict, pick(&c.data.enc_keys, i)?).await?;
                    black_box(v);
                    Ok(())
                })
            },
        },
        BenchOp {
            group: Group::Dict,
            prep: None,
            name: "contains_key",
            python: "contains_key",
            single: true,
            note: "HEXISTS of a present field; python: k in d",
            ours_blocking: |c, i| {
                black_box(c.dict.dict.contains_key(pick(&c.data.keys, i)?)?);
                Ok(())
            },
            raw_blocking: |c, con, i| {
                let b: bool = con.hexists(&c.keys.dict, pick(&c.data.enc_keys, i)?)?;
                black_box(b);
                Ok(())
            },
            ours_async: |c, i| {
                Box::pin(async move {
                    black_box(c.dict.adict.contains_key(pick(&c.data.keys, i)?).await?);
                    Ok(())
                })
            },
            raw_async: |c, mut con, i| {
                Box::pin(async move {
                    let b: bool = con
                        .hexists(&c.keys.dict, pick(&c.data.enc_keys, i)?)
                        .await?;
                    black_box(b);
                    Ok(())
                })
            },
        },
        BenchOp {
            group: Group::Dict,
            prep: None,
            name: "len",
            python: "len",
            single: true,
            note: "HLEN; python: len(d)",
            ours_blocking: |c, _| {
                black_box(c.dict.dict.len()?);
                Ok(())
            },
            raw_blocking: |c, con, _| {
                let n: usize = con.hlen(&c.keys.dict)?;
                black_box(n);
                Ok(())
            },
            ours_async: |c, _| {
                Box::pin(async move {
                    black_box(c.dict.adict.len().await?);
                    Ok(())
                })
            },
            raw_async: |c, mut con, _| {
                Box::pin(async move {
                    let n: usize = con.hlen(&c.keys.dict).await?;
                    black_box(n);
                    Ok(())
                })
            },
        },
        BenchOp {
            group: Group::Dict,
            prep: None,
            name: "get_many(100)",
            python: "get_many",
            single: false,
            note: "one HMGET of 100 present fields; python: [d[k] for k in keys] (100 HGETs: \
                   pottery 3.0.1's RedisDict has no multi-get)",
            ours_blocking: |c, i| {
                black_box(c.dict.dict.get_many(window(&c.data.keys, i)?)?);
                Ok(())
            },
            raw_blocking: |c, con, i| {
                let v: Vec<Option<Vec<u8>>> =
                    con.hmget(&c.keys.dict, window(&c.data.enc_keys, i)?)?;
                black_box(v);
                Ok(())
            },
            ours_async: |c, i| {
                Box::pin(async move {
                    black_box(c.dict.adict.get_many(window(&c.data.keys, i)?).await?);
                    Ok(())
                })
            },
            raw_async: |c, mut con, i| {
                Box::pin(async move {
                    let fields = window(&c.data.enc_keys, i)?;
                    let v: Vec<Option<Vec<u8>>> = con.hmget(&c.keys.dict, fields).await?;
                    black_box(v);
                    Ok(())
                })
            },
        },
        BenchOp {
            group: Group::Dict,
            prep: None,
            name: "extend(1000)",
            python: "extend",
            single: false,
            note: "one HSET of 1000 field-value pairs (ours encodes all 2000); python: \
                   d.update(mapping) (WATCH + MULTI/HSET/EXEC)",
            ours_blocking: |c, _| {
                c.dict.dict.extend(c.data.keys.iter().zip(&c.data.values))?;
                Ok(())
            },
            raw_blocking: |c, con, _| {
                let () = con.hset_multiple(&c.keys.dict, &c.data.enc_pairs)?;
                Ok(())
            },
            ours_async: |c, _| {
                Box::pin(async move {
                    c.dict
                        .adict
                        .extend(c.data.keys.iter().zip(&c.data.values))
                        .await?;
                    Ok(())
                })
            },
            raw_async: |c, mut con, _| {
                Box::pin(async move {
                    let () = con.hset_multiple(&c.keys.dict, &c.data.enc_pairs).await?;
                    Ok(())
                })
            },
        },
    ]
}
