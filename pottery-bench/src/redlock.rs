//! The Redlock rows: acquire+release cycles per second on one master and on five,
//! blocking and async, ours against the raw command sequence and Python
//! pottery's `Redlock`.
//!
//! One cycle is what a user of the lock pays for an uncontended critical
//! section: a fresh uuid4 token, `SET redlock:<name> <token> NX PX 10000` on every
//! master, then the token-checking release script (`EVALSHA`) on every master.
//!
//! - Ours: `lock.acquire()?` then `guard.release()?` (async: `.await`), with the
//!   default settings (10 s auto-release, 100 ms request timeout). Ours sends each
//!   step to all masters in parallel (one worker thread per master when blocking,
//!   concurrent futures when async) and waits for a quorum.
//! - Raw: the same commands and script with redis-rs, *sequentially*, on one
//!   connection per master (a naive client: 2 round trips per master per cycle).
//!   A parallel fan-out with a thread per master per cycle would mostly measure
//!   thread start-up, so raw is the plain sequence; on one master the two are
//!   the same thing, and that is where ours is held to raw.
//! - Python: `Redlock(key=..., masters={...}).acquire()` then `.release()` in
//!   the Python driver (pottery runs each step on a thread pool).
//!
//! Five masters need five servers: without `--url` the bench starts five private
//! ones; with `--url` only the one-master rows are measured.

use std::sync::Arc;

use redis::aio::MultiplexedConnection;
use redis::{Connection, Script, Value};
use tokio::runtime::Runtime;

use crate::measure::{Contest, Mode, Plan, Prep, Result, Timer, run_rounds};
use crate::measure::{time_async, time_blocking};
use crate::ops::Group;
use crate::python;
use crate::report::{Row, RowInfo, Target};
use crate::setup::Keys;

/// Masters in the many-master rows.
pub(crate) const MANY_MASTERS: usize = 5;

/// The hold's length in ms, as pottery's default auto-release time (10 s).
const AUTO_RELEASE_MS: u64 = 10_000;

/// The library's release script (`pottery/src/lua/redlock/release.lua`, as
/// Python pottery's `_release_script`): deletes the key if it holds our token.
fn release_script() -> &'static str {
    // The name is the library's; an empty script would fail the raw rows loudly.
    pottery::__private::lua("redlock/release.lua").unwrap_or_default()
}

/// The rows on one master.
const ONE: RowInfo = RowInfo {
    group: Group::Redlock,
    name: "cycle, 1 master",
    note: "acquire() then release(): SET redlock:<name> <uuid4> NX PX 10000, then the \
           release script (EVALSHA); raw: the same two commands on one connection; python: \
           Redlock(masters={r}).acquire(), .release() (each step on a thread pool)",
    raw_target: Some(Target {
        ratio: 0.8,
        scope: "Redlock on one master",
    }),
    python_target: None,
};

/// The rows on [`MANY_MASTERS`] masters.
const MANY: RowInfo = RowInfo {
    group: Group::Redlock,
    name: "cycle, 5 masters",
    note: "the same cycle on 5 private servers; ours fans out in parallel and waits for a \
           quorum (blocking: one worker thread per master; async: concurrent futures); raw: the same \
           commands sent sequentially, one connection per master (10 round trips, what a \
           naive client does); python: Redlock(masters={5 clients})",
    raw_target: None,
    python_target: Some(Target {
        ratio: 10.0,
        scope: "Redlock on five masters",
    }),
};

/// Where the Redlock rows run.
pub(crate) struct Servers<'a> {
    /// The one-master rows' server (the bench's main server).
    pub(crate) one: &'a str,
    /// The many-master rows' servers, if the bench started them.
    pub(crate) many: Option<Vec<String>>,
}

/// Measures the Redlock rows: one master, then (if there are) five. Ours uses the
/// lock of `keys.redlock_name`, raw the key `keys.redlock_raw()`; Python uses its
/// own (set in its config).
pub(crate) fn measure(
    plan: &Plan,
    servers: &Servers<'_>,
    keys: &Keys,
    rt: &Runtime,
    py: &mut python::Driver,
) -> Result<Vec<Row>> {
    let mut setups = vec![(vec![servers.one.to_owned()], ONE, "redlock_1")];
    if let Some(urls) = &servers.many {
        setups.push((urls.clone(), MANY, "redlock_many"));
    }
    let mut rows = Vec::new();
    for (urls, info, python_op) in setups {
        eprintln!("measuring redlock {} ...", info.name);
        let mut side = Side::connect(&urls, keys, rt)?;
        let mut contests = side.contests(rt);
        let mut python: Timer<'_> = Box::new(|slice| py.run(python_op, slice));
        let mut prep: Prep<'_> = Box::new(|_| Ok(()));
        let (results, python_rounds) = run_rounds(plan, &mut contests, &mut python, &mut prep)?;
        rows.extend(
            results
                .into_iter()
                .map(|r| Row::new(info, r, &python_rounds)),
        );
    }
    Ok(rows)
}

/// Ours's locks and raw's connections, on one set of masters.
struct Side {
    lock: pottery::sync::Redlock,
    alock: pottery::future::Redlock,
    /// Raw's key (not ours's: see [`Keys::redlock_raw`]).
    key: Arc<str>,
    cons: Vec<Connection>,
    acons: Arc<Vec<MultiplexedConnection>>,
    release: Arc<Script>,
}

impl Side {
    /// Connects to every master in `urls`.
    fn connect(urls: &[String], keys: &Keys, rt: &Runtime) -> Result<Side> {
        let name = &keys.redlock_name;
        let clients = urls
            .iter()
            .map(|url| pottery::Client::open(url))
            .collect::<pottery::Result<Vec<_>>>()?;
        let lock = pottery::sync::Redlock::builder(name)
            .masters(clients.iter().cloned())
            .build()?;
        let alock = pottery::future::Redlock::builder(name)
            .masters(clients)
            .build()?;
        // Raw connections get pottery's default timeouts, as in the other rows.
        let async_config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(pottery::DEFAULT_CONNECT_TIMEOUT))
            .set_response_timeout(Some(pottery::DEFAULT_RESPONSE_TIMEOUT));
        let (mut cons, mut acons) = (Vec::new(), Vec::new());
        for url in urls {
            let client = redis::Client::open(url.as_str())?;
            let con = client
                .get_connection_with_timeout(pottery::DEFAULT_CONNECT_TIMEOUT)
                .map_err(|e| {
                    format!(
                        "cannot connect to Redis at {}: {e}",
                        pottery::redact_url(url)
                    )
                })?;
            con.set_read_timeout(Some(pottery::DEFAULT_RESPONSE_TIMEOUT))?;
            con.set_write_timeout(Some(pottery::DEFAULT_RESPONSE_TIMEOUT))?;
            cons.push(con);
            acons.push(
                rt.block_on(client.get_multiplexed_async_connection_with_config(&async_config))?,
            );
        }
        Ok(Side {
            key: keys.redlock_raw().into(),
            lock,
            alock,
            cons,
            acons: Arc::new(acons),
            release: Arc::new(Script::new(release_script())),
        })
    }

    /// The two contests, blocking and async (one task: a lock is not shared by
    /// 32 concurrent cycles).
    fn contests<'a>(&'a mut self, rt: &'a Runtime) -> Vec<Contest<'a>> {
        let Side {
            lock,
            alock,
            key,
            cons,
            acons,
            release,
        } = self;
        let (key_a, release_a) = (Arc::clone(key), Arc::clone(release));
        let alock = alock.clone();
        let acons = Arc::clone(acons);
        vec![
            Contest {
                mode: Mode::Blocking,
                ours: Box::new(|slice| {
                    time_blocking(slice, |_| {
                        lock.acquire()?.release()?;
                        Ok(())
                    })
                }),
                raw: Box::new(move |slice| time_blocking(slice, |_| raw_cycle(cons, key, release))),
            },
            Contest {
                mode: Mode::Async,
                ours: Box::new(move |slice| {
                    let alock = alock.clone();
                    time_async(rt, 1, slice, move |_| {
                        let alock = alock.clone();
                        Box::pin(async move {
                            alock.acquire().await?.release().await?;
                            Ok(())
                        })
                    })
                }),
                raw: Box::new(move |slice| {
                    let (acons, key, release) = (
                        Arc::clone(&acons),
                        Arc::clone(&key_a),
                        Arc::clone(&release_a),
                    );
                    time_async(rt, 1, slice, move |_| {
                        Box::pin(raw_cycle_async(
                            Arc::clone(&acons),
                            Arc::clone(&key),
                            Arc::clone(&release),
                        ))
                    })
                }),
            },
        ]
    }
}

/// A fresh token: a lowercase hyphenated uuid4, as ours and Python make.
fn token() -> String {
    let mut key = pottery::random_key();
    key.split_off(pottery::RANDOM_KEY_PREFIX.len())
}

/// Whether a `SET ... NX` reply says the key was set.
fn set_ok(reply: &Value) -> Result<()> {
    match reply {
        Value::Okay => Ok(()),
        Value::SimpleString(s) if s == "OK" => Ok(()),
        other => Err(format!("raw: the lock was not free (SET replied {other:?})").into()),
    }
}

/// Whether the release script deleted the key.
fn released(deleted: i64) -> Result<()> {
    if deleted == 1 {
        Ok(())
    } else {
        Err("raw: the release script found another token".into())
    }
}

/// Raw, blocking: SET NX PX on each master in turn, then the release script on
/// each in turn.
fn raw_cycle(cons: &mut [Connection], key: &str, release: &Script) -> Result<()> {
    let token = token();
    for con in cons.iter_mut() {
        let reply: Value = redis::cmd("SET")
            .arg(key)
            .arg(&token)
            .arg("NX")
            .arg("PX")
            .arg(AUTO_RELEASE_MS)
            .query(con)?;
        set_ok(&reply)?;
    }
    for con in cons.iter_mut() {
        released(release.key(key).arg(&token).invoke(con)?)?;
    }
    Ok(())
}

/// Raw, async: the same sequence, each request awaited before the next.
async fn raw_cycle_async(
    cons: Arc<Vec<MultiplexedConnection>>,
    key: Arc<str>,
    release: Arc<Script>,
) -> Result<()> {
    let token = token();
    for con in cons.iter() {
        let mut con = con.clone();
        let reply: Value = redis::cmd("SET")
            .arg(&*key)
            .arg(&token)
            .arg("NX")
            .arg("PX")
            .arg(AUTO_RELEASE_MS)
            .query_async(&mut con)
            .await?;
        set_ok(&reply)?;
    }
    for con in cons.iter() {
        let mut con = con.clone();
        let deleted: i64 = release
            .key(&*key)
            .arg(&token)
            .invoke_async(&mut con)
            .await?;
        released(deleted)?;
    }
    Ok(())
}
