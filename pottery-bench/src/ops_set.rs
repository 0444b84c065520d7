//! The `RedisSet` operations: one set of 1000 members (`"user:0000"` ...).

use std::hint::black_box;

use pottery::{future, sync};
use redis::{AsyncCommands, Commands, Connection};

use crate::measure::Result;
use crate::ops::{BenchOp, Ctx, Group, pick, window};
use crate::setup::Keys;

/// Ours's set, blocking and async, on the shared key.
pub(crate) struct Set {
    /// Blocking.
    pub(crate) set: sync::RedisSet<String>,
    /// Async.
    pub(crate) aset: future::RedisSet<String>,
}

impl Set {
    /// The set at `keys.set`.
    pub(crate) fn new(client: &pottery::Client, keys: &Keys) -> Set {
        Set {
            set: sync::RedisSet::new(client, &keys.set),
            aset: future::RedisSet::new(client, &keys.set),
        }
    }
}

/// Stores the 1000 members.
pub(crate) fn fill(c: &Ctx, con: &mut Connection) -> Result<()> {
    let _: i64 = con.sadd(&c.keys.set, &c.data.enc_keys)?;
    Ok(())
}

/// The set operations, in table order.
pub(crate) fn ops() -> Vec<BenchOp> {
    vec![
        BenchOp {
            group: Group::Set,
            name: "insert",
            python: "set_insert",
            single: true,
            note: "SADD of a present member (reply 0, decoded to a bool by ours); python: s.add(m)",
            prep: None,
            ours_blocking: |c, i| {
                black_box(c.set.set.insert(pick(&c.data.keys, i)?)?);
                Ok(())
            },
            raw_blocking: |c, con, i| {
                let n: i64 = con.sadd(&c.keys.set, pick(&c.data.enc_keys, i)?)?;
                black_box(n);
                Ok(())
            },
            ours_async: |c, i| {
                Box::pin(async move {
                    black_box(c.set.aset.insert(pick(&c.data.keys, i)?).await?);
                    Ok(())
                })
            },
            raw_async: |c, mut con, i| {
                Box::pin(async move {
                    let n: i64 = con.sadd(&c.keys.set, pick(&c.data.enc_keys, i)?).await?;
                    black_box(n);
                    Ok(())
                })
            },
        },
        BenchOp {
            group: Group::Set,
            name: "contains",
            python: "set_contains",
            single: true,
            note: "SISMEMBER of a present member; python: m in s",
            prep: None,
            ours_blocking: |c, i| {
                black_box(c.set.set.contains(pick(&c.data.keys, i)?)?);
                Ok(())
            },
            raw_blocking: |c, con, i| {
                let b: bool = con.sismember(&c.keys.set, pick(&c.data.enc_keys, i)?)?;
                black_box(b);
                Ok(())
            },
            ours_async: |c, i| {
                Box::pin(async move {
                    black_box(c.set.aset.contains(pick(&c.data.keys, i)?).await?);
                    Ok(())
                })
            },
            raw_async: |c, mut con, i| {
                Box::pin(async move {
                    let b: bool = con
                        .sismember(&c.keys.set, pick(&c.data.enc_keys, i)?)
                        .await?;
                    black_box(b);
                    Ok(())
                })
            },
        },
        BenchOp {
            group: Group::Set,
            name: "contains_many(100)",
            python: "set_contains_many",
            single: false,
            note: "one SMISMEMBER of 100 present members; python: list(s.contains_many(*ms)) \
                   (pottery 3.0.1 has it: one SMISMEMBER too)",
            prep: None,
            ours_blocking: |c, i| {
                black_box(c.set.set.contains_many(window(&c.data.keys, i)?)?);
                Ok(())
            },
            raw_blocking: |c, con, i| {
                let v: Vec<bool> = con.smismember(&c.keys.set, window(&c.data.enc_keys, i)?)?;
                black_box(v);
                Ok(())
            },
            ours_async: |c, i| {
                Box::pin(async move {
                    black_box(c.set.aset.contains_many(window(&c.data.keys, i)?).await?);
                    Ok(())
                })
            },
            raw_async: |c, mut con, i| {
                Box::pin(async move {
                    let members = window(&c.data.enc_keys, i)?;
                    let v: Vec<bool> = con.smismember(&c.keys.set, members).await?;
                    black_box(v);
                    Ok(())
                })
            },
        },
    ]
}
