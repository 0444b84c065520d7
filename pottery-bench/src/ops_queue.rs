//! The `RedisSimpleQueue` operations: puts to a stream deleted before each
//! slice, gets from a stream topped up before each slice.

use std::hint::black_box;
use std::sync::LazyLock;
use std::time::Duration;

use pottery::{future, sync};
use redis::{AsyncCommands, Commands, Connection, Script};

use crate::measure::Result;
use crate::ops::{BenchOp, Ctx, Group, Profile, pick, ran_empty, topup_target};
use crate::setup::Keys;

/// Entries per pipeline while topping up.
const CHUNK: usize = 10_000;

/// The stream field of an item, as pottery writes it.
const FIELD: &str = "item";

/// The library's claim script (the one copy, so both sides cost Redis the
/// same): read the oldest entry and delete it in one step, so no entry goes to
/// two consumers.
static CLAIM: LazyLock<Script> = LazyLock::new(|| {
    Script::new(pottery::__private::lua("queue/claim.lua").unwrap_or("error('no claim script')"))
});

/// A claimed entry as raw keeps it: its id and its fields and values, as bytes.
type Entry = Option<(Vec<u8>, Vec<Vec<u8>>)>;

/// Ours's queues, blocking and async, on the shared keys.
pub(crate) struct Queues {
    /// Blocking, at `keys.queue_put`.
    pub(crate) put: sync::RedisSimpleQueue<Profile>,
    /// Async, at `keys.queue_put`.
    pub(crate) aput: future::RedisSimpleQueue<Profile>,
    /// Blocking, at `keys.queue_get`.
    pub(crate) get: sync::RedisSimpleQueue<Profile>,
    /// Async, at `keys.queue_get`.
    pub(crate) aget: future::RedisSimpleQueue<Profile>,
}

impl Queues {
    /// The queues at `keys.queue_put` and `keys.queue_get`.
    pub(crate) fn new(client: &pottery::Client, keys: &Keys) -> Queues {
        Queues {
            put: sync::RedisSimpleQueue::new(client, &keys.queue_put),
            aput: future::RedisSimpleQueue::new(client, &keys.queue_put),
            get: sync::RedisSimpleQueue::new(client, &keys.queue_get),
            aget: future::RedisSimpleQueue::new(client, &keys.queue_get),
        }
    }
}

/// Tops the queue taken from up to [`topup_target`] items (pipelined XADDs).
fn top_up(c: &Ctx, con: &mut Connection, slice: Duration) -> Result<()> {
    let len: usize = con.xlen(&c.keys.queue_get)?;
    let missing: Vec<&Vec<u8>> = c
        .data
        .cycle_values(topup_target(slice).saturating_sub(len))
        .collect();
    for chunk in missing.chunks(CHUNK) {
        let mut pipe = redis::pipe();
        for item in chunk {
            pipe.xadd(&c.keys.queue_get, "*", &[(FIELD, item)]).ignore();
        }
        let () = pipe.query(con)?;
    }
    Ok(())
}

/// The queue operations, in table order.
pub(crate) fn ops() -> Vec<BenchOp> {
    vec![
        BenchOp {
            group: Group::Queue,
            name: "put",
            python: "queue_put",
            single: true,
            note: "XADD key * item v (the id decoded to a String by ours, kept as bytes by raw) \
                   to a stream deleted (untimed) before each slice; python: q.put(v)",
            prep: Some(|c, con, _| {
                let _: i64 = con.del(&c.keys.queue_put)?;
                Ok(())
            }),
            ours_blocking: |c, i| {
                black_box(c.queue.put.put(pick(&c.data.values, i)?)?);
                Ok(())
            },
            raw_blocking: |c, con, i| {
                let item = pick(&c.data.enc_values, i)?;
                let id: Vec<u8> = con.xadd(&c.keys.queue_put, "*", &[(FIELD, item)])?;
                black_box(id);
                Ok(())
            },
            ours_async: |c, i| {
                Box::pin(async move {
                    black_box(c.queue.aput.put(pick(&c.data.values, i)?).await?);
                    Ok(())
                })
            },
            raw_async: |c, mut con, i| {
                Box::pin(async move {
                    let item = pick(&c.data.enc_values, i)?;
                    let id: Vec<u8> = con.xadd(&c.keys.queue_put, "*", &[(FIELD, item)]).await?;
                    black_box(id);
                    Ok(())
                })
            },
        },
        BenchOp {
            group: Group::Queue,
            name: "get",
            python: "queue_get",
            single: true,
            note: "get_nowait on a stream topped up (untimed pipelined XADDs) before each slice \
                   to 1M/s x the slice; ours and raw: pottery's claim Lua script (EVALSHA: \
                   XRANGE - + COUNT 1, XDEL); python: q.get_nowait() (WATCH, XREAD COUNT 1, \
                   MULTI/XDEL/EXEC), topped up alike",
            prep: Some(top_up),
            ours_blocking: |c, _| {
                let item = c.queue.get.get_nowait()?;
                black_box(item.ok_or_else(|| ran_empty("queue"))?);
                Ok(())
            },
            raw_blocking: |c, con, _| {
                let entry: Entry = CLAIM.key(&c.keys.queue_get).invoke(con)?;
                black_box(entry.ok_or_else(|| ran_empty("queue"))?);
                Ok(())
            },
            ours_async: |c, _| {
                Box::pin(async move {
                    let item = c.queue.aget.get_nowait().await?;
                    black_box(item.ok_or_else(|| ran_empty("queue"))?);
                    Ok(())
                })
            },
            raw_async: |c, mut con, _| {
                Box::pin(async move {
                    let entry: Entry = CLAIM.key(&c.keys.queue_get).invoke_async(&mut con).await?;
                    black_box(entry.ok_or_else(|| ran_empty("queue"))?);
                    Ok(())
                })
            },
        },
    ]
}
