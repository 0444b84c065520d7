//! The NextId rows: IDs per second on one master and on five, blocking and
//! async, ours against the same quorum algorithm hand-written with redis-rs and
//! against Python pottery's `NextID`.
//!
//! One ID is a quorum round: `GET nextid:<name>` on every master, the greatest
//! reply plus one proposed to every master with the set-if-greater script
//! (`EVALSHA`), a quorum of "stored" replies.
//!
//! - Ours: `ids.next()?` (async: `.await`), default settings (100 ms request
//!   timeout, 20 tries). Each step goes to all masters in parallel (blocking: one
//!   worker thread per master; async: concurrent futures) and ends at a quorum.
//! - Raw: the same two steps, also in parallel: blocking, each step's request
//!   is written to every master's connection, then the replies are read (no
//!   threads at all: the cheapest parallel fan-out there is); async, the
//!   requests of a step are joined futures on one multiplexed connection per
//!   master. Raw waits for every reply (local servers answer alike) and runs
//!   the same Lua script as ours, loaded beforehand.
//! - Python: `next(NextID(key=..., masters={...}))` in the Python driver
//!   (pottery runs each step on a thread pool).
//!
//! Ours and raw use separate sequences (`nextid:<name>` and `nextid:<name>:raw`),
//! Python its own; all keep growing over the run.
//!
//! Beside the blocking row, a contention run counts errors: 4 threads draw 200
//! IDs each from one sequence with default settings (on 3 of the 5 masters, or
//! on the one), every "quorum not achieved" counted, none retried.

use std::sync::Arc;

use redis::aio::MultiplexedConnection;
use redis::{Connection, Script, Value};
use tokio::runtime::Runtime;

use crate::measure::{Contest, Mode, Plan, Prep, Result, Timer, run_rounds};
use crate::measure::{time_async, time_blocking};
use crate::ops::Group;
use crate::python;
use crate::redlock::Servers;
use crate::report::{Errors, Row, RowInfo, Target};
use crate::setup::Keys;

/// The library's set-if-greater script (its one copy), so that both sides
/// cost Redis the same.
fn set_if_greater() -> &'static str {
    pottery::__private::lua("nextid/set_if_greater.lua").unwrap_or("error('no nextid script')")
}

/// The row on one master.
const ONE: RowInfo = RowInfo {
    group: Group::Nextid,
    name: "next, 1 master",
    note: "next(): GET nextid:<name>, then the set-if-greater script (EVALSHA) with the \
           value + 1; raw: the same two requests; python: next(NextID(masters={r}))",
    raw_target: Some(Target {
        ratio: 0.8,
        scope: "NextId on one master",
    }),
    python_target: None,
};

/// The row on five masters.
const MANY: RowInfo = RowInfo {
    group: Group::Nextid,
    name: "next, 5 masters",
    note: "the same round on 5 private servers: each step to every master in parallel, a \
           quorum of answers (ours blocking: one worker thread per master; raw blocking: \
           every request written, then every reply read; async: joined futures); python: \
           next(NextID(masters={5 clients}))",
    raw_target: None,
    python_target: Some(Target {
        ratio: 10.0,
        scope: "NextId on five masters",
    }),
};

/// Measures the NextId rows: one master, then (if there are) five.
pub(crate) fn measure(
    plan: &Plan,
    servers: &Servers<'_>,
    keys: &Keys,
    rt: &Runtime,
    py: &mut python::Driver,
) -> Result<Vec<Row>> {
    let mut setups = vec![(vec![servers.one.to_owned()], ONE, "nextid_1")];
    if let Some(urls) = &servers.many {
        setups.push((urls.clone(), MANY, "nextid_many"));
    }
    let mut rows = Vec::new();
    for (urls, info, python_op) in setups {
        eprintln!("measuring nextid {} ...", info.name);
        let mut side = Side::connect(&urls, keys, rt)?;
        let mut contests = side.contests(rt);
        let mut python: Timer<'_> = Box::new(|slice| py.run(python_op, slice));
        let mut prep: Prep<'_> = Box::new(|_| Ok(()));
        let (results, python_rounds) = run_rounds(plan, &mut contests, &mut python, &mut prep)?;
        drop(contests);
        let errors = contention(&urls, keys)?;
        rows.extend(results.into_iter().map(|r| {
            let blocking = matches!(r.mode, Mode::Blocking);
            let row = Row::new(info, r, &python_rounds);
            if blocking {
                row.with_errors(errors)
            } else {
                row
            }
        }));
    }
    Ok(rows)
}

/// Threads and IDs per thread of the contention run.
const CONTENDERS: usize = 4;
const IDS_EACH: usize = 200;

/// The contention run on (at most) 3 of `urls`: how many of the
/// `CONTENDERS × IDS_EACH` calls failed, with default settings.
fn contention(urls: &[String], keys: &Keys) -> Result<Errors> {
    let masters = urls.get(..3).unwrap_or(urls);
    let clients = masters
        .iter()
        .map(|url| pottery::Client::open(url))
        .collect::<pottery::Result<Vec<_>>>()?;
    let ids = pottery::sync::NextId::builder()
        .key(&format!("{}:contended", keys.nextid_name))
        .masters(clients)
        .build()?;
    let failed = std::thread::scope(|s| {
        let threads: Vec<_> = (0..CONTENDERS)
            .map(|_| {
                let ids = ids.clone();
                s.spawn(move || {
                    (0..IDS_EACH)
                        .filter(|_| pottery::sync::NextId::next(&ids).is_err())
                        .count()
                })
            })
            .collect();
        threads
            .into_iter()
            .map(|t| t.join().unwrap_or(IDS_EACH))
            .sum()
    });
    Ok(Errors {
        calls: CONTENDERS * IDS_EACH,
        failed,
        setup: if masters.len() == 3 {
            "4 threads x 200 IDs on 3 masters, default settings"
        } else {
            "4 threads x 200 IDs on 1 master, default settings"
        },
    })
}

/// Ours's generators and raw's connections, on one set of masters.
struct Side {
    ids: pottery::sync::NextId,
    aids: pottery::future::NextId,
    raw: Arc<Raw>,
    cons: Vec<Connection>,
}

/// What raw's rounds share: its key, script and async connections.
struct Raw {
    key: String,
    script: Script,
    acons: Vec<MultiplexedConnection>,
}

impl Side {
    /// Connects to every master in `urls` and loads raw's script on each.
    fn connect(urls: &[String], keys: &Keys, rt: &Runtime) -> Result<Side> {
        let clients = urls
            .iter()
            .map(|url| pottery::Client::open(url))
            .collect::<pottery::Result<Vec<_>>>()?;
        let ids = pottery::sync::NextId::builder()
            .key(&keys.nextid_name)
            .masters(clients.iter().cloned())
            .build()?;
        let aids = pottery::future::NextId::builder()
            .key(&keys.nextid_name)
            .masters(clients)
            .build()?;
        let script = Script::new(set_if_greater());
        // Raw connections get pottery's default timeouts, as in the other rows.
        let async_config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(pottery::DEFAULT_CONNECT_TIMEOUT))
            .set_response_timeout(Some(pottery::DEFAULT_RESPONSE_TIMEOUT));
        let (mut cons, mut acons) = (Vec::new(), Vec::new());
        for url in urls {
            let client = redis::Client::open(url.as_str())?;
            let mut con = client
                .get_connection_with_timeout(pottery::DEFAULT_CONNECT_TIMEOUT)
                .map_err(|e| {
                    format!(
                        "cannot connect to Redis at {}: {e}",
                        pottery::redact_url(url)
                    )
                })?;
            con.set_read_timeout(Some(pottery::DEFAULT_RESPONSE_TIMEOUT))?;
            con.set_write_timeout(Some(pottery::DEFAULT_RESPONSE_TIMEOUT))?;
            let _: String = script.prepare_invoke().load(&mut con)?;
            cons.push(con);
            acons.push(
                rt.block_on(client.get_multiplexed_async_connection_with_config(&async_config))?,
            );
        }
        Ok(Side {
            ids,
            aids,
            raw: Arc::new(Raw {
                key: keys.nextid_raw(),
                script,
                acons,
            }),
            cons,
        })
    }

    /// The two contests, blocking and async (one task: IDs one after another).
    fn contests<'a>(&'a mut self, rt: &'a Runtime) -> Vec<Contest<'a>> {
        let Side {
            ids,
            aids,
            raw,
            cons,
        } = self;
        let (aids, raw_a) = (aids.clone(), Arc::clone(raw));
        let raw: &'a Raw = raw;
        // A shared borrow, so that `next` is NextId's own, not `Iterator::next`.
        let ids: &'a pottery::sync::NextId = ids;
        vec![
            Contest {
                mode: Mode::Blocking,
                ours: Box::new(|slice| {
                    time_blocking(slice, |_| {
                        ids.next()?;
                        Ok(())
                    })
                }),
                raw: Box::new(move |slice| time_blocking(slice, |_| raw.next(cons).map(drop))),
            },
            Contest {
                mode: Mode::Async,
                ours: Box::new(move |slice| {
                    let aids = aids.clone();
                    time_async(rt, 1, slice, move |_| {
                        let aids = aids.clone();
                        Box::pin(async move {
                            aids.next().await?;
                            Ok(())
                        })
                    })
                }),
                raw: Box::new(move |slice| {
                    let raw = Arc::clone(&raw_a);
                    time_async(rt, 1, slice, move |_| {
                        let raw = Arc::clone(&raw);
                        Box::pin(async move { raw.next_async().await.map(drop) })
                    })
                }),
            },
        ]
    }
}

impl Raw {
    /// One ID, blocking: each step's request written to every master, then
    /// every reply read.
    fn next(&self, cons: &mut [Connection]) -> Result<u64> {
        let get = redis::cmd("GET").arg(&self.key).get_packed_command();
        for con in cons.iter_mut() {
            con.send_packed_command(&get)?;
        }
        let mut current = 0;
        for con in cons.iter_mut() {
            current = current.max(stored_id(con.recv_response()?)?);
        }
        let id = current + 1;
        let propose = redis::cmd("EVALSHA")
            .arg(self.script.get_hash())
            .arg(1)
            .arg(&self.key)
            .arg(id)
            .get_packed_command();
        for con in cons.iter_mut() {
            con.send_packed_command(&propose)?;
        }
        let mut stored = 0;
        for con in cons.iter_mut() {
            stored += usize::from(con.recv_response()? == Value::Int(1));
        }
        quorum(stored, cons.len(), id)
    }

    /// One ID, async: each step's requests as joined futures.
    async fn next_async(&self) -> Result<u64> {
        let gets = self.acons.iter().map(|con| {
            let mut con = con.clone();
            let key = &self.key;
            async move {
                redis::cmd("GET")
                    .arg(key)
                    .query_async::<Value>(&mut con)
                    .await
            }
        });
        let mut current = 0;
        for reply in futures_util::future::join_all(gets).await {
            current = current.max(stored_id(reply?)?);
        }
        let id = current + 1;
        let proposals = self.acons.iter().map(|con| {
            let mut con = con.clone();
            async move {
                let mut call = self.script.key(&self.key);
                call.arg(id).invoke_async::<i64>(&mut con).await
            }
        });
        let mut stored = 0;
        for reply in futures_util::future::join_all(proposals).await {
            stored += usize::from(reply? == 1);
        }
        quorum(stored, self.acons.len(), id)
    }
}

/// A `GET` reply as an ID (missing: 0).
fn stored_id(reply: Value) -> Result<u64> {
    match reply {
        Value::Nil => Ok(0),
        Value::BulkString(raw) => Ok(std::str::from_utf8(&raw)?.parse()?),
        other => Err(format!("raw: GET replied {other:?}").into()),
    }
}

/// `id` if more than half of the `n` masters stored it.
fn quorum(stored: usize, n: usize, id: u64) -> Result<u64> {
    if stored > n / 2 {
        Ok(id)
    } else {
        Err(format!("raw: only {stored} of {n} masters stored ID {id}").into())
    }
}
