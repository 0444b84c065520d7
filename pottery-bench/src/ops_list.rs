//! The `RedisList` operations: a list of the 1000 values read by index and by
//! range, and a second list appended to.

use std::hint::black_box;

use pottery::{future, sync};
use redis::{AsyncCommands, Commands, Connection};

use crate::measure::Result;
use crate::ops::{BenchOp, Ctx, Group, MANY, Profile, pick, window_start};
use crate::setup::Keys;

/// Ours's lists, blocking and async, on the shared keys.
pub(crate) struct Lists {
    /// Blocking, at `keys.list`.
    pub(crate) list: sync::RedisList<Profile>,
    /// Async, at `keys.list`.
    pub(crate) alist: future::RedisList<Profile>,
    /// Blocking, at `keys.list_append`.
    pub(crate) append: sync::RedisList<Profile>,
    /// Async, at `keys.list_append`.
    pub(crate) aappend: future::RedisList<Profile>,
}

impl Lists {
    /// The lists at `keys.list` and `keys.list_append`.
    pub(crate) fn new(client: &pottery::Client, keys: &Keys) -> Lists {
        Lists {
            list: sync::RedisList::new(client, &keys.list),
            alist: future::RedisList::new(client, &keys.list),
            append: sync::RedisList::new(client, &keys.list_append),
            aappend: future::RedisList::new(client, &keys.list_append),
        }
    }
}

/// Stores the 1000 values in the list read by index and range.
pub(crate) fn fill(c: &Ctx, con: &mut Connection) -> Result<()> {
    let _: i64 = con.rpush(&c.keys.list, &c.data.enc_values)?;
    Ok(())
}

/// Index `i` (cycling) of the 1000-element list.
fn index(i: usize) -> isize {
    (i % crate::ops::ENTRIES) as isize
}

/// Range `i` (cycling) of [`MANY`] elements: Python's `start` and exclusive `stop`.
fn range(i: usize) -> (isize, isize) {
    let start = window_start(crate::ops::ENTRIES, i) as isize;
    (start, start + MANY as isize)
}

/// The list operations, in table order.
pub(crate) fn ops() -> Vec<BenchOp> {
    vec![
        BenchOp {
            group: Group::List,
            name: "append",
            python: "list_append",
            single: true,
            note: "RPUSH of one value to a list emptied (DEL, untimed) before each slice; \
                   python: l.append(v)",
            prep: Some(|c, con, _| {
                let _: i64 = con.del(&c.keys.list_append)?;
                Ok(())
            }),
            ours_blocking: |c, i| {
                c.list.append.push(pick(&c.data.values, i)?)?;
                Ok(())
            },
            raw_blocking: |c, con, i| {
                let n: i64 = con.rpush(&c.keys.list_append, pick(&c.data.enc_values, i)?)?;
                black_box(n);
                Ok(())
            },
            ours_async: |c, i| {
                Box::pin(async move {
                    c.list.aappend.push(pick(&c.data.values, i)?).await?;
                    Ok(())
                })
            },
            raw_async: |c, mut con, i| {
                Box::pin(async move {
                    let v = pick(&c.data.enc_values, i)?;
                    let n: i64 = con.rpush(&c.keys.list_append, v).await?;
                    black_box(n);
                    Ok(())
                })
            },
        },
        BenchOp {
            group: Group::List,
            name: "index",
            python: "list_index",
            single: true,
            note: "LINDEX i of a 1000-element list, value decoded by ours; python: l[i] \
                   (WATCH, LLEN, LINDEX, MULTI/EXEC)",
            prep: None,
            ours_blocking: |c, i| {
                black_box(c.list.list.get(index(i))?);
                Ok(())
            },
            raw_blocking: |c, con, i| {
                let v: Option<Vec<u8>> = con.lindex(&c.keys.list, index(i))?;
                black_box(v);
                Ok(())
            },
            ours_async: |c, i| {
                Box::pin(async move {
                    black_box(c.list.alist.get(index(i)).await?);
                    Ok(())
                })
            },
            raw_async: |c, mut con, i| {
                Box::pin(async move {
                    let v: Option<Vec<u8>> = con.lindex(&c.keys.list, index(i)).await?;
                    black_box(v);
                    Ok(())
                })
            },
        },
        BenchOp {
            group: Group::List,
            name: "range(100)",
            python: "list_range",
            single: false,
            note: "one LRANGE of 100 elements (ours: get_range(s..s + 100)); python: \
                   l[s:s + 100] (WATCH, LLEN, MULTI/LRANGE/EXEC)",
            prep: None,
            ours_blocking: |c, i| {
                let (start, stop) = range(i);
                black_box(c.list.list.get_range(start..stop)?);
                Ok(())
            },
            raw_blocking: |c, con, i| {
                let (start, stop) = range(i);
                let v: Vec<Vec<u8>> = con.lrange(&c.keys.list, start, stop - 1)?;
                black_box(v);
                Ok(())
            },
            ours_async: |c, i| {
                Box::pin(async move {
                    let (start, stop) = range(i);
                    black_box(c.list.alist.get_range(start..stop).await?);
                    Ok(())
                })
            },
            raw_async: |c, mut con, i| {
                Box::pin(async move {
                    let (start, stop) = range(i);
                    let v: Vec<Vec<u8>> = con.lrange(&c.keys.list, start, stop - 1).await?;
                    black_box(v);
                    Ok(())
                })
            },
        },
    ]
}
