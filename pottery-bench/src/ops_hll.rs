//! The `HyperLogLog` operations: one HyperLogLog of the 1000 elements
//! (`"user:0000"` ...).

use std::hint::black_box;

use pottery::{future, sync};
use redis::{AsyncCommands, Cmd, Commands, Connection, Script};

use crate::measure::Result;
use crate::ops::{BenchOp, Ctx, Group, pick};
use crate::setup::Keys;

/// pottery's membership script, the library's own text: raw sends the very same
/// `EVALSHA`.
fn contains_lua() -> Result<&'static str> {
    Ok(pottery::__private::lua("hyperloglog/contains.lua")
        .ok_or("the library has no hyperloglog/contains.lua")?)
}

/// Ours's HyperLogLog, blocking and async, and raw's membership commands.
pub(crate) struct Hll {
    /// Blocking.
    pub(crate) hll: sync::HyperLogLog<String>,
    /// Async.
    pub(crate) ahll: future::HyperLogLog<String>,
    /// The script's SHA1, for raw's `EVALSHA`.
    sha: String,
    /// Raw's scratch key, in the HyperLogLog's slot.
    scratch: String,
}

impl Hll {
    /// Raw's `EVALSHA <CONTAINS> 2 key scratch element` for encoded `element`.
    fn contains_cmd(&self, key: &str, element: &[u8]) -> Cmd {
        let mut cmd = redis::cmd("EVALSHA");
        cmd.arg(&self.sha)
            .arg(2)
            .arg(key)
            .arg(&self.scratch)
            .arg(element);
        cmd
    }
}

impl Hll {
    /// The HyperLogLog at `keys.hll`.
    pub(crate) fn new(client: &pottery::Client, keys: &Keys) -> Result<Hll> {
        Ok(Hll {
            hll: sync::HyperLogLog::new(client, &keys.hll),
            ahll: future::HyperLogLog::new(client, &keys.hll),
            sha: Script::new(contains_lua()?).get_hash().to_owned(),
            scratch: format!("{{{}}}:pottery-scratch:raw", keys.hll),
        })
    }
}

/// Adds the 1000 elements and loads the membership script.
pub(crate) fn fill(c: &Ctx, con: &mut Connection) -> Result<()> {
    let _: bool = con.pfadd(&c.keys.hll, &c.data.enc_keys)?;
    let _: String = redis::cmd("SCRIPT")
        .arg("LOAD")
        .arg(contains_lua()?)
        .query(con)?;
    Ok(())
}

/// The HyperLogLog operations, in table order.
pub(crate) fn ops() -> Vec<BenchOp> {
    vec![
        BenchOp {
            group: Group::Hll,
            name: "insert",
            python: "hll_insert",
            single: true,
            note: "PFADD of a present element (reply 0, decoded to a bool by ours); \
                   python: h.add(e) (WATCH, MULTI, PFMERGE, PFADD, EXEC)",
            prep: None,
            ours_blocking: |c, i| {
                black_box(c.hll.hll.insert(pick(&c.data.keys, i)?)?);
                Ok(())
            },
            raw_blocking: |c, con, i| {
                let changed: bool = con.pfadd(&c.keys.hll, pick(&c.data.enc_keys, i)?)?;
                black_box(changed);
                Ok(())
            },
            ours_async: |c, i| {
                Box::pin(async move {
                    black_box(c.hll.ahll.insert(pick(&c.data.keys, i)?).await?);
                    Ok(())
                })
            },
            raw_async: |c, mut con, i| {
                Box::pin(async move {
                    let changed: bool = con.pfadd(&c.keys.hll, pick(&c.data.enc_keys, i)?).await?;
                    black_box(changed);
                    Ok(())
                })
            },
        },
        BenchOp {
            group: Group::Hll,
            name: "contains",
            python: "hll_contains",
            single: true,
            note: "one EVALSHA of the membership script (copy to a scratch key in the \
                   slot, PFADD, DEL) for a present element; ours also names the scratch \
                   key per call; python: e in h (WATCH, EXISTS for a \
                   random key, MULTI, COPY, PFADD, UNLINK, EXEC)",
            prep: None,
            ours_blocking: |c, i| {
                black_box(c.hll.hll.contains(pick(&c.data.keys, i)?)?);
                Ok(())
            },
            raw_blocking: |c, con, i| {
                let cmd = c.hll.contains_cmd(&c.keys.hll, pick(&c.data.enc_keys, i)?);
                let changed: Vec<i64> = cmd.query(con)?;
                black_box(changed);
                Ok(())
            },
            ours_async: |c, i| {
                Box::pin(async move {
                    black_box(c.hll.ahll.contains(pick(&c.data.keys, i)?).await?);
                    Ok(())
                })
            },
            raw_async: |c, mut con, i| {
                Box::pin(async move {
                    let cmd = c.hll.contains_cmd(&c.keys.hll, pick(&c.data.enc_keys, i)?);
                    let changed: Vec<i64> = cmd.query_async(&mut con).await?;
                    black_box(changed);
                    Ok(())
                })
            },
        },
    ]
}
