//! The `RedisDeque` operations: pushes to a deque bounded at 1000 (kept full, so
//! every push also trims one), pops from an unbounded deque topped up before
//! each slice.

use std::hint::black_box;
use std::time::Duration;

use pottery::{future, sync};
use redis::{AsyncCommands, Commands, Connection, Script};

use crate::measure::Result;
use crate::ops::{BenchOp, Ctx, ENTRIES, Group, Profile, pick, ran_empty, topup_target};
use crate::setup::Keys;

/// The pushed deque's maxlen.
pub(crate) const MAXLEN: usize = ENTRIES;

/// Values per RPUSH while topping up.
const CHUNK: usize = 10_000;

/// Ours's deques, blocking and async, on the shared keys.
pub(crate) struct Deques {
    /// Blocking, at `keys.deque_push`, maxlen [`MAXLEN`].
    pub(crate) push: sync::RedisDeque<Profile>,
    /// Async, at `keys.deque_push`, maxlen [`MAXLEN`].
    pub(crate) apush: future::RedisDeque<Profile>,
    /// Blocking, at `keys.deque_pop`, unbounded.
    pub(crate) pop: sync::RedisDeque<Profile>,
    /// Async, at `keys.deque_pop`, unbounded.
    pub(crate) apop: future::RedisDeque<Profile>,
    /// The library's push-and-trim script (same text, same SHA): push on side
    /// `ARGV[1]`, then trim the other side to maxlen `ARGV[2]`, atomically.
    push_trim: Script,
}

impl Deques {
    /// The deques at `keys.deque_push` and `keys.deque_pop`.
    pub(crate) fn new(client: &pottery::Client, keys: &Keys) -> Result<Deques> {
        let push_trim = pottery::__private::lua("deque/push_trim.lua")
            .ok_or("the library has no deque/push_trim.lua")?;
        Ok(Deques {
            push: sync::RedisDeque::with_maxlen(client, &keys.deque_push, MAXLEN),
            apush: future::RedisDeque::with_maxlen(client, &keys.deque_push, MAXLEN),
            pop: sync::RedisDeque::new(client, &keys.deque_pop),
            apop: future::RedisDeque::new(client, &keys.deque_pop),
            push_trim: Script::new(push_trim),
        })
    }
}

/// Fills the pushed deque to its maxlen.
pub(crate) fn fill(c: &Ctx, con: &mut Connection) -> Result<()> {
    let _: i64 = con.rpush(&c.keys.deque_push, &c.data.enc_values)?;
    Ok(())
}

/// Tops the popped deque up to [`topup_target`] elements (RPUSH of the missing ones).
fn top_up(c: &Ctx, con: &mut Connection, slice: Duration) -> Result<()> {
    let len: usize = con.llen(&c.keys.deque_pop)?;
    let missing: Vec<&Vec<u8>> = c
        .data
        .cycle_values(topup_target(slice).saturating_sub(len))
        .collect();
    for chunk in missing.chunks(CHUNK) {
        let _: i64 = con.rpush(&c.keys.deque_pop, chunk)?;
    }
    Ok(())
}

/// The deque operations, in table order.
pub(crate) fn ops() -> Vec<BenchOp> {
    vec![
        BenchOp {
            group: Group::Deque,
            name: "push",
            python: "deque_push",
            single: true,
            note: "push_back on a full deque with maxlen 1000; ours and raw: pottery's push+trim \
                   Lua script (EVALSHA: RPUSH, LLEN, LTRIM); python: d.append(v) (WATCH, LLEN, \
                   MULTI/RPUSH/LTRIM/EXEC)",
            prep: None,
            ours_blocking: |c, i| {
                c.deque.push.push_back(pick(&c.data.values, i)?)?;
                Ok(())
            },
            raw_blocking: |c, con, i| {
                let n: i64 = c
                    .deque
                    .push_trim
                    .key(&c.keys.deque_push)
                    .arg("R")
                    .arg(MAXLEN)
                    .arg(pick(&c.data.enc_values, i)?)
                    .invoke(con)?;
                black_box(n);
                Ok(())
            },
            ours_async: |c, i| {
                Box::pin(async move {
                    c.deque.apush.push_back(pick(&c.data.values, i)?).await?;
                    Ok(())
                })
            },
            raw_async: |c, mut con, i| {
                Box::pin(async move {
                    let n: i64 = c
                        .deque
                        .push_trim
                        .key(&c.keys.deque_push)
                        .arg("R")
                        .arg(MAXLEN)
                        .arg(pick(&c.data.enc_values, i)?)
                        .invoke_async(&mut con)
                        .await?;
                    black_box(n);
                    Ok(())
                })
            },
        },
        BenchOp {
            group: Group::Deque,
            name: "pop",
            python: "deque_pop",
            single: true,
            note: "pop_front (LPOP) of an unbounded deque topped up (untimed RPUSH) before each \
                   slice to 1M/s x the slice, so it never runs empty (an empty pop fails the \
                   run); python: d.popleft() (WATCH, LLEN, MULTI/LPOP/EXEC), topped up alike",
            prep: Some(top_up),
            ours_blocking: |c, _| {
                let v = c.deque.pop.pop_front()?;
                black_box(v.ok_or_else(|| ran_empty("deque"))?);
                Ok(())
            },
            raw_blocking: |c, con, _| {
                let v: Option<Vec<u8>> = con.lpop(&c.keys.deque_pop, None)?;
                black_box(v.ok_or_else(|| ran_empty("deque"))?);
                Ok(())
            },
            ours_async: |c, _| {
                Box::pin(async move {
                    let v = c.deque.apop.pop_front().await?;
                    black_box(v.ok_or_else(|| ran_empty("deque"))?);
                    Ok(())
                })
            },
            raw_async: |c, mut con, _| {
                Box::pin(async move {
                    let v: Option<Vec<u8>> = con.lpop(&c.keys.deque_pop, None).await?;
                    black_box(v.ok_or_else(|| ran_empty("deque"))?);
                    Ok(())
                })
            },
        },
    ]
}
