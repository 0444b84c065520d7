//! NextId, blocking and async, on one server and on a 3-master cluster (each as
//! the generator's one master), and over 5 independent masters for faults.
//!
//! The first groups port every case of Python pottery 3.0.1's
//! `tests/test_nextid.py` (blocking, named after it) and `tests/test_aionextid.py`
//! (async, `test_aio_<name>`). pottery's mocks of a failing `get`, script call or
//! `delete` are ACL users here, denied exactly that command. The rest covers
//! faults over 5 masters (killed), uniqueness across threads, tasks, other Rust
//! processes and a Python process, and the stored number format.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use crate::support;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use pottery::{Client, future, sync::NextId};
use pottery_testkit::{Masters, python};
use support::{Ctx, Target};

const MS: Duration = Duration::from_millis(1);

/// pottery's fixture: `NextID(masters={redis})`, on a key of this case.
fn ids(ctx: &Ctx) -> NextId {
    NextId::builder()
        .key(&ctx.key("current"))
        .master(ctx.client.clone())
        .build()
        .unwrap()
}

fn aio_ids(ctx: &Ctx) -> future::NextId {
    future::NextId::builder()
        .key(&ctx.key("current"))
        .master(ctx.client.clone())
        .build()
        .unwrap()
}

fn exists(client: &Client, key: &str) -> bool {
    client
        .with_connection(|con| redis::cmd("EXISTS").arg(key).query::<i64>(con))
        .unwrap()
        == 1
}

fn get(client: &Client, key: &str) -> Option<String> {
    client
        .with_connection(|con| redis::cmd("GET").arg(key).query(con))
        .unwrap()
}

fn set(client: &Client, key: &str, value: &str) {
    client
        .with_connection(|con| redis::cmd("SET").arg(key).arg(value).query::<()>(con))
        .unwrap();
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// A client of the case's server logged in as a user denied `denied` (e.g.
/// `-get`): pottery's `unittest.mock.patch.object(..., side_effect=TimeoutError)`.
fn denied_client(ctx: &Ctx, name: &str, denied: &str) -> Client {
    let user: String = ctx
        .key(name)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    ctx.client
        .with_connection(|con| {
            redis::cmd("ACL")
                .arg("SETUSER")
                .arg(&user)
                .arg("reset")
                .arg("on")
                .arg(">pw")
                .arg("~*")
                .arg("&*")
                .arg("+@all")
                .arg(denied)
                .query::<()>(con)
        })
        .unwrap();
    let url = ctx
        .url()
        .replacen("redis://", &format!("redis://{user}:pw@"), 1);
    Client::open(&url).unwrap()
}

fn ids_on(ctx: &Ctx, master: Client, raise: bool) -> NextId {
    NextId::builder()
        .key(&ctx.key("current"))
        .master(master)
        .raise_on_redis_errors(raise)
        .build()
        .unwrap()
}

// ---- pottery 3.0.1 tests/test_nextid.py ----

fn test_nextid(ctx: &Ctx) {
    let ids = ids(ctx);
    for id in 1..10 {
        assert_eq!(ids.next().unwrap(), id);
    }
}

/// `iter(ids) is ids`: the blocking generator is itself an iterator.
fn test_iter(ctx: &Ctx) {
    let mut ids = ids(ctx);
    let first: Vec<u64> = ids.by_ref().take(3).map(Result::unwrap).collect();
    assert_eq!(first, [1, 2, 3]);
    assert_eq!(Iterator::next(&mut ids).unwrap().unwrap(), 4);
    assert_eq!(ids.next().unwrap(), 5);
}

fn test_reset(ctx: &Ctx) {
    let ids = ids(ctx);
    for _ in 0..2 {
        ids.reset().unwrap();
        assert!(!exists(&ctx.client, ids.key()));
        assert_eq!(ids.next().unwrap(), 1);
        assert!(exists(&ctx.client, ids.key()));
    }
}

/// pottery's contention test: 1..=5 generators over 5 masters, one ID each at
/// once; those that succeed got distinct IDs.
fn test_contention(ctx: &Ctx) {
    let (_masters, clients) = five_masters();
    for num_ids in 1..=5 {
        let key = ctx.key(&format!("tweet-ids{num_ids}"));
        let gens: Vec<NextId> = (0..num_ids).map(|_| five_ids(&clients, &key)).collect();
        let results: Vec<u64> = std::thread::scope(|s| {
            let runs: Vec<_> = gens.iter().map(|g| s.spawn(move || g.next())).collect();
            runs.into_iter()
                .filter_map(|r| match r.join().unwrap() {
                    Ok(id) => Some(id),
                    Err(err) if err.kind() == pottery::ErrorKind::QuorumNotAchieved => None,
                    Err(err) => panic!("{err}"),
                })
                .collect()
        });
        let unique: HashSet<_> = results.iter().collect();
        assert_eq!(unique.len(), results.len(), "{results:?}");
        gens[0].reset().unwrap();
    }
}

fn test_repr(ctx: &Ctx) {
    let ids = NextId::builder()
        .master(ctx.client.clone())
        .build()
        .unwrap();
    assert_eq!(ids.key(), "nextid:current");
    let repr = format!("{ids:?}");
    assert!(repr.starts_with("NextId"), "{repr}");
    assert!(repr.contains("key: \"nextid:current\""), "{repr}");
}

/// `__slots__`: no per-instance dict; here, a cheap shareable handle.
fn test_slots(ctx: &Ctx) {
    fn shareable<T: Send + Sync + Clone + 'static>(_: &T) {}
    let ids = ids(ctx);
    shareable(&ids);
    shareable(&aio_ids(ctx));
    let clone = ids.clone();
    assert_eq!(ids.next().unwrap(), 1);
    assert_eq!(clone.next().unwrap(), 2);
}

fn test_next_quorumnotachieved(ctx: &Ctx) {
    let no_get = ids_on(ctx, denied_client(ctx, "noget", "-get"), false);
    let err = no_get.next().unwrap_err();
    assert_eq!(err.kind(), pottery::ErrorKind::QuorumNotAchieved, "{err}");
    let no_script = ids_on(ctx, denied_client(ctx, "noscript", "-@scripting"), false);
    let err = no_script.next().unwrap_err();
    assert_eq!(err.kind(), pottery::ErrorKind::QuorumNotAchieved, "{err}");
}

fn test_next_quorumisimpossible(ctx: &Ctx) {
    let no_get = ids_on(ctx, denied_client(ctx, "noget", "-get"), true);
    let err = no_get.next().unwrap_err();
    assert_eq!(err.kind(), pottery::ErrorKind::QuorumIsImpossible, "{err}");
    let no_script = ids_on(ctx, denied_client(ctx, "noscript", "-@scripting"), true);
    let err = no_script.next().unwrap_err();
    assert_eq!(err.kind(), pottery::ErrorKind::QuorumIsImpossible, "{err}");
}

fn test_reset_quorumnotachieved(ctx: &Ctx) {
    let no_del = ids_on(ctx, denied_client(ctx, "nodel", "-del"), false);
    assert_eq!(no_del.next().unwrap(), 1);
    let err = no_del.reset().unwrap_err();
    assert_eq!(err.kind(), pottery::ErrorKind::QuorumNotAchieved, "{err}");
    assert!(exists(&ctx.client, no_del.key()));
}

fn test_reset_quorumisimpossible(ctx: &Ctx) {
    let no_del = ids_on(ctx, denied_client(ctx, "nodel", "-del"), true);
    let err = no_del.reset().unwrap_err();
    assert_eq!(err.kind(), pottery::ErrorKind::QuorumIsImpossible, "{err}");
}

// ---- pottery 3.0.1 tests/test_aionextid.py ----

fn test_aio_aionextid(ctx: &Ctx) {
    let ids = aio_ids(ctx);
    ctx.block_on(async {
        for expected in 1..10 {
            assert_eq!(ids.next().await.unwrap(), expected);
        }
    });
}

fn test_aio_reset(ctx: &Ctx) {
    let ids = aio_ids(ctx);
    ctx.block_on(async {
        assert_eq!(ids.next().await.unwrap(), 1);
        ids.reset().await.unwrap();
        assert!(!exists(&ctx.client, ids.key()));
        assert_eq!(ids.next().await.unwrap(), 1);
    });
}

fn test_aio_contention(ctx: &Ctx) {
    let (_masters, clients) = five_masters();
    rt().block_on(async {
        for num_ids in 1..=5 {
            let key = ctx.key(&format!("tweet-ids{num_ids}"));
            let gens: Vec<future::NextId> = (0..num_ids)
                .map(|_| {
                    future::NextId::builder()
                        .key(&key)
                        .masters(clients.iter().cloned())
                        .build()
                        .unwrap()
                })
                .collect();
            let tasks: Vec<_> = gens.iter().map(|g| tokio::spawn(g.next())).collect();
            let mut results = Vec::new();
            for task in tasks {
                match task.await.unwrap() {
                    Ok(id) => results.push(id),
                    Err(err) => {
                        assert_eq!(err.kind(), pottery::ErrorKind::QuorumNotAchieved, "{err}")
                    }
                }
            }
            let unique: HashSet<_> = results.iter().collect();
            assert_eq!(unique.len(), results.len(), "{results:?}");
            gens[0].reset().await.unwrap();
        }
    });
}

fn test_aio_slots(ctx: &Ctx) {
    test_slots(ctx);
}

/// `aiter(aioids) is aioids`: here, `stream()` over the same sequence.
fn test_aio_aiter(ctx: &Ctx) {
    use futures_util::StreamExt;
    let ids = aio_ids(ctx);
    ctx.block_on(async {
        let got: Vec<u64> = ids.stream().take(3).map(Result::unwrap).collect().await;
        assert_eq!(got, [1, 2, 3]);
        assert_eq!(ids.next().await.unwrap(), 4);
    });
}

fn test_aio_anext_quorumnotachieved(ctx: &Ctx) {
    for (name, denied) in [("noget", "-get"), ("noscript", "-@scripting")] {
        let ids: future::NextId = future::NextId::builder()
            .key(&ctx.key("current"))
            .master(denied_client(ctx, name, denied))
            .raise_on_redis_errors(false)
            .build()
            .unwrap();
        let err = ctx.block_on(ids.next()).unwrap_err();
        assert_eq!(err.kind(), pottery::ErrorKind::QuorumNotAchieved, "{err}");
    }
}

fn test_aio_reset_quorumnotachieved(ctx: &Ctx) {
    let ids: future::NextId = future::NextId::builder()
        .key(&ctx.key("current"))
        .master(denied_client(ctx, "nodel", "-del"))
        .raise_on_redis_errors(false)
        .build()
        .unwrap();
    let err = ctx.block_on(ids.reset()).unwrap_err();
    assert_eq!(err.kind(), pottery::ErrorKind::QuorumNotAchieved, "{err}");
}

fn test_aio_repr(ctx: &Ctx) {
    let ids: future::NextId = future::NextId::builder()
        .master(ctx.client.clone())
        .build()
        .unwrap();
    assert!(format!("{ids:?}").contains("nextid:current"));
}

// ---- beyond pottery ----

fn test_wire_format(ctx: &Ctx) {
    let ids = ids(ctx);
    assert!(ids.key().starts_with("nextid:"));
    ids.next().unwrap();
    ids.next().unwrap();
    assert_eq!(get(&ctx.client, ids.key()).as_deref(), Some("2"));
}

fn test_builder_errors(ctx: &Ctx) {
    assert_eq!(
        NextId::builder().build().unwrap_err().kind(),
        pottery::ErrorKind::Config
    );
    let zero = NextId::builder()
        .master(ctx.client.clone())
        .num_tries(0)
        .build();
    assert_eq!(zero.unwrap_err().kind(), pottery::ErrorKind::Config);
    assert_eq!(ids(ctx).num_tries(), pottery::DEFAULT_NUM_TRIES);
    let zero = NextId::builder()
        .master(ctx.client.clone())
        .request_timeout(Duration::ZERO)
        .build();
    assert_eq!(zero.unwrap_err().kind(), pottery::ErrorKind::Config);
    // No limit at all: the deadline (tries x 2 request timeouts) saturates
    // instead of overflowing.
    let unlimited = NextId::builder()
        .key(&ctx.key("unlimited"))
        .master(ctx.client.clone())
        .num_tries(u32::MAX)
        .request_timeout(Duration::MAX)
        .build()
        .unwrap();
    assert_eq!(unlimited.next().unwrap(), 1);
    unlimited.reset().unwrap();
}

/// A frozen master (SIGSTOP): `next` and `reset` fail within their deadline
/// (one round of request timeouts, as more than half failed), blocking and
/// async, on a connection that was open before.
fn test_frozen_master_keeps_the_deadline(_: &Ctx) {
    let server = pottery_testkit::Server::start();
    let client = Client::open(&server.url()).unwrap();
    let build = || {
        NextId::builder()
            .key("frozen")
            .master(client.clone())
            .request_timeout(100 * MS)
    };
    let ids = build().build().unwrap();
    let aio: future::NextId = future::NextId::builder()
        .key("frozen")
        .master(client.clone())
        .request_timeout(100 * MS)
        .build()
        .unwrap();
    let runtime = rt();
    assert_eq!(ids.next().unwrap(), 1);
    assert_eq!(runtime.block_on(aio.next()).unwrap(), 2);
    server.freeze();
    let start = Instant::now();
    let err = ids.next().unwrap_err();
    let blocking = start.elapsed();
    let start = Instant::now();
    let aerr = runtime.block_on(aio.next()).unwrap_err();
    let elapsed = start.elapsed();
    server.thaw();
    assert!(
        err.kind() == pottery::ErrorKind::QuorumIsImpossible,
        "{err}"
    );
    assert!(
        aerr.kind() == pottery::ErrorKind::QuorumIsImpossible,
        "{aerr}"
    );
    // One round: the read times out after one request timeout (+10%).
    assert!(blocking < 110 * MS + 20 * MS, "{blocking:?}");
    assert!(elapsed < 110 * MS + 20 * MS, "{elapsed:?}");
}

/// Beyond 1e15 (and up to u64::MAX) we store plain integers, exactly.
fn test_plain_integers_beyond_1e15(ctx: &Ctx) {
    let ids = ids(ctx);
    set(&ctx.client, ids.key(), "1000000000000000");
    assert_eq!(ids.next().unwrap(), 1_000_000_000_000_001);
    assert_eq!(
        get(&ctx.client, ids.key()).as_deref(),
        Some("1000000000000001")
    );
    // Past 2^53, where Lua doubles stop being exact.
    set(&ctx.client, ids.key(), "9007199254740993");
    assert_eq!(ids.next().unwrap(), 9_007_199_254_740_994);
    assert_eq!(ids.next().unwrap(), 9_007_199_254_740_995);
    assert_eq!(
        get(&ctx.client, ids.key()).as_deref(),
        Some("9007199254740995")
    );
    set(&ctx.client, ids.key(), "18446744073709551614");
    assert_eq!(ids.next().unwrap(), u64::MAX);
    assert_eq!(
        get(&ctx.client, ids.key()).as_deref(),
        Some("18446744073709551615")
    );
    assert!(ids.next().is_err(), "exhausted");
}

/// What pottery's Lua stores above ~1e14 (`%.14g`) is read as its integer.
fn test_reads_exponent_form(ctx: &Ctx) {
    let ids = ids(ctx);
    set(&ctx.client, ids.key(), "1.2345678901235e+14");
    assert_eq!(ids.next().unwrap(), 123_456_789_012_351);
    assert_eq!(
        get(&ctx.client, ids.key()).as_deref(),
        Some("123456789012351")
    );
}

/// A value that is no non-negative integer fails the master, never is overwritten.
fn test_garbage_and_wrong_type(ctx: &Ctx) {
    let ids = ids(ctx);
    for garbage in ["abc", "-3", "1.5", "0x10"] {
        set(&ctx.client, ids.key(), garbage);
        let err = ids.next().unwrap_err();
        assert_eq!(
            err.kind(),
            pottery::ErrorKind::QuorumIsImpossible,
            "{garbage}: {err}"
        );
        assert_eq!(get(&ctx.client, ids.key()).as_deref(), Some(garbage));
    }
    ctx.client
        .with_connection(|con| {
            redis::cmd("DEL").arg(ids.key()).query::<()>(con)?;
            redis::cmd("HSET")
                .arg(ids.key())
                .arg("a")
                .arg(1)
                .query::<()>(con)
        })
        .unwrap();
    let err = ids.next().unwrap_err();
    assert_eq!(err.kind(), pottery::ErrorKind::QuorumIsImpossible, "{err}");
    ids.reset().unwrap();
    assert_eq!(ids.next().unwrap(), 1);
}

// ---- interop with Python pottery (single server) ----

/// pottery writes past 1e14: its Lua stores `%.14g` exponent form on Redis
/// before 7.0 (`1.2345678901235e+14`), plain digits on 7.0+ (`%.17g`); we read
/// either and continue with a plain integer; pottery continues after ours.
fn test_python_big_ids_then_rust(ctx: &Ctx) {
    let key = ctx.key("tweets");
    let script = r#"
import os, sys
from redis import Redis
from pottery import NextID
r = Redis.from_url(os.environ['REDIS_URL'])
key, start = sys.stdin.read().split('\n')[:2]
r.set('nextid:' + key, start)
ids = NextID(key=key, masters={r})
print(next(ids), r.get('nextid:' + key).decode())
"#;
    let out = python(script, &ctx.url(), &format!("{key}\n123456789012345\n"));
    let (id, stored) = out.trim().split_once(' ').unwrap();
    assert_eq!(id, "123456789012346");
    let ids = NextId::new(&ctx.client, &key);
    let expected = match stored {
        "1.2345678901235e+14" => 123_456_789_012_351,
        "123456789012346" => 123_456_789_012_347,
        other => panic!("pottery stored {other}"),
    };
    assert_eq!(ids.next().unwrap(), expected);
    assert_eq!(
        get(&ctx.client, ids.key()).as_deref(),
        Some(expected.to_string().as_str())
    );
    let script = r#"
import os, sys
from redis import Redis
from pottery import NextID
r = Redis.from_url(os.environ['REDIS_URL'])
key = sys.stdin.read().split('\n')[0]
print(next(NextID(key=key, masters={r})))
"#;
    let out = python(script, &ctx.url(), &format!("{key}\n"));
    assert_eq!(out.trim(), (expected + 1).to_string());
}

// ---- faults and uniqueness, over 5 masters the test starts ----

/// A client that gives up quickly on a dead server.
fn quick_client(url: &str) -> Client {
    Client::builder(url)
        .connect_timeout(Duration::from_millis(500))
        .response_timeout(Duration::from_secs(1))
        .build()
        .unwrap()
}

fn five_masters() -> (Masters, Vec<Client>) {
    let masters = Masters::start(5);
    let clients = masters.urls().iter().map(|u| quick_client(u)).collect();
    (masters, clients)
}

fn five_ids(clients: &[Client], key: &str) -> NextId {
    NextId::builder()
        .key(key)
        .masters(clients.iter().cloned())
        .build()
        .unwrap()
}

fn test_two_of_five_killed(_: &Ctx) {
    let (mut masters, clients) = five_masters();
    let ids = five_ids(&clients, "tweets");
    assert_eq!(ids.next().unwrap(), 1);
    masters.servers[1].stop();
    masters.servers[3].stop();
    assert_eq!(ids.next().unwrap(), 2);
    assert_eq!(ids.next().unwrap(), 3);
    let aio: future::NextId = future::NextId::builder()
        .key("tweets")
        .masters(clients.iter().cloned())
        .build()
        .unwrap();
    assert_eq!(rt().block_on(aio.next()).unwrap(), 4);
    ids.reset().unwrap();
    assert_eq!(ids.next().unwrap(), 1);
}

/// Masters restarted empty, one at a time, never make an ID come back: every
/// quorum still includes a master that remembers the latest ID.
fn test_master_restarted_empty_repeats_nothing(_: &Ctx) {
    let (mut masters, clients) = five_masters();
    let ids = five_ids(&clients, "tweets");
    let mut seen = std::collections::HashSet::new();
    let mut last = 0;
    for round in 0..5 {
        for _ in 0..20 {
            let id = ids.next().unwrap();
            assert!(id > last, "round {round}: {id} after {last}");
            assert!(seen.insert(id), "round {round}: {id} handed out twice");
            last = id;
        }
        // An empty master comes back where one held the sequence.
        masters.servers[round].restart();
    }
    assert_eq!(seen.len(), 100);
}

fn test_three_of_five_killed_is_prompt(_: &Ctx) {
    let (mut masters, clients) = five_masters();
    let ids = five_ids(&clients, "tweets");
    assert_eq!(ids.next().unwrap(), 1);
    for i in [0, 2, 4] {
        masters.servers[i].stop();
    }
    let start = Instant::now();
    let err = ids.next().unwrap_err();
    assert_eq!(err.kind(), pottery::ErrorKind::QuorumIsImpossible, "{err}");
    assert!(start.elapsed() < 300 * MS, "{:?}", start.elapsed());
    let err = ids.reset().unwrap_err();
    assert_eq!(err.kind(), pottery::ErrorKind::QuorumIsImpossible, "{err}");
    let aio: future::NextId = future::NextId::builder()
        .key("tweets")
        .masters(clients.iter().cloned())
        .build()
        .unwrap();
    let start = Instant::now();
    let err = rt().block_on(aio.next()).unwrap_err();
    assert_eq!(err.kind(), pottery::ErrorKind::QuorumIsImpossible, "{err}");
    assert!(start.elapsed() < 300 * MS, "{:?}", start.elapsed());
    // pottery's default: lost rounds, then QuorumNotAchieved.
    let lenient = NextId::builder()
        .key("tweets")
        .masters(clients.iter().cloned())
        .raise_on_redis_errors(false)
        .build()
        .unwrap();
    assert_eq!(
        lenient.next().unwrap_err().kind(),
        pottery::ErrorKind::QuorumNotAchieved
    );
}

/// IDs per drawer in one worker.
const PER_WORKER: usize = 40;

/// The environment variable that turns this test binary into an ID worker.
const WORKER_ENV: &str = "POTTERY_NEXTID_WORKER";

/// Draws `PER_WORKER` IDs, retrying rounds lost to contention.
fn draw(ids: &NextId) -> Vec<u64> {
    let mut got = Vec::with_capacity(PER_WORKER);
    while got.len() < PER_WORKER {
        match ids.next() {
            Ok(id) => got.push(id),
            Err(err) if err.kind() == pottery::ErrorKind::QuorumNotAchieved => {}
            Err(err) => panic!("{err}"),
        }
    }
    got
}

/// A worker process: prints its IDs, one per line. `spec`: the key, then the
/// master URLs.
fn id_worker(spec: &str) {
    let mut lines = spec.lines();
    let key = lines.next().unwrap();
    let clients: Vec<Client> = lines.map(quick_client).collect();
    for id in draw(&five_ids(&clients, key)) {
        println!("{id}");
    }
}

fn increasing(ids: &[u64]) -> bool {
    ids.windows(2).all(|w| w[0] < w[1])
}

/// 8 threads, 4 async tasks, 2 Rust processes (this binary re-run) and a Python
/// pottery process draw from one sequence over 5 masters: no ID twice, and
/// each drawer's IDs increase.
fn test_unique_across_threads_processes_and_python(_: &Ctx) {
    let (masters, clients) = five_masters();
    let urls = masters.urls();
    let key = "shared";
    let spec = format!("{key}\n{}", urls.join("\n"));
    let exe = std::env::current_exe().unwrap();
    let workers: Vec<_> = (0..2)
        .map(|_| {
            std::process::Command::new(&exe)
                .env(WORKER_ENV, &spec)
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let script = r#"
import sys
from redis import Redis
from pottery import NextID, QuorumNotAchieved
lines = sys.stdin.read().split('\n')
key, n, urls = lines[0], int(lines[1]), [u for u in lines[2:] if u]
ids = NextID(key=key, masters=[Redis.from_url(u, socket_timeout=1) for u in urls])
got = []
while len(got) < n:
    try:
        got.append(next(ids))
    except QuorumNotAchieved:
        pass
print(' '.join(map(str, got)))
"#;
    let ids = five_ids(&clients, key);
    let mut drawn: Vec<Vec<u64>> = std::thread::scope(|s| {
        let stdin = format!("{key}\n{PER_WORKER}\n{}\n", urls.join("\n"));
        let url = urls[0].clone();
        let py = s.spawn(move || {
            let out = python(script, &url, &stdin);
            let ids: Vec<u64> = out.split_whitespace().map(|w| w.parse().unwrap()).collect();
            ids
        });
        let aio = s.spawn(|| {
            let gen_: future::NextId = future::NextId::builder()
                .key(key)
                .masters(clients.iter().cloned())
                .build()
                .unwrap();
            rt().block_on(async {
                let tasks: Vec<_> = (0..4)
                    .map(|_| {
                        let g = gen_.clone();
                        tokio::spawn(async move {
                            let mut got = Vec::new();
                            while got.len() < PER_WORKER {
                                match g.next().await {
                                    Ok(id) => got.push(id),
                                    Err(e) if e.kind() == pottery::ErrorKind::QuorumNotAchieved => {
                                    }
                                    Err(e) => panic!("{e}"),
                                }
                            }
                            got
                        })
                    })
                    .collect();
                let mut all = Vec::new();
                for t in tasks {
                    all.push(t.await.unwrap());
                }
                all
            })
        });
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let ids = ids.clone();
                s.spawn(move || draw(&ids))
            })
            .collect();
        let mut drawn: Vec<Vec<u64>> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        drawn.extend(aio.join().unwrap());
        drawn.push(py.join().unwrap());
        drawn
    });
    for worker in workers {
        let out = worker.wait_with_output().unwrap();
        assert!(out.status.success(), "worker failed: {out:?}");
        let ids: Vec<u64> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| l.parse().unwrap())
            .collect();
        drawn.push(ids);
    }
    // 8 threads + 4 tasks + 1 Python process + 2 worker processes.
    assert_eq!(drawn.len(), 15);
    let mut all = HashSet::new();
    for ids in &drawn {
        assert_eq!(ids.len(), PER_WORKER);
        assert!(increasing(ids), "{ids:?}");
        for &id in ids {
            assert!(all.insert(id), "{id} handed out twice");
        }
    }
}

/// 4 threads (then 4 async tasks) draw 200 IDs each on 3 independent masters
/// with the default settings: every call succeeds (the randomized pause between rounds keeps
/// colliding clients out of lockstep; without it, 554 of the 800 calls failed
/// with "quorum not achieved"), no ID twice, each drawer's IDs increase.
fn test_nextid_backoff_no_errors_under_contention(_: &Ctx) {
    let masters = Masters::start(3);
    let clients: Vec<Client> = masters.urls().iter().map(|u| quick_client(u)).collect();
    let ids = NextId::builder()
        .key("contended")
        .masters(clients.iter().cloned())
        .build()
        .unwrap();
    let drawn: Vec<(Vec<u64>, Vec<String>)> = std::thread::scope(|s| {
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let ids = ids.clone();
                s.spawn(move || {
                    let (mut got, mut errors) = (Vec::new(), Vec::new());
                    for _ in 0..200 {
                        match ids.next() {
                            Ok(id) => got.push(id),
                            Err(err) => errors.push(err.to_string()),
                        }
                    }
                    (got, errors)
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    // The same flow, async: 4 tasks on one runtime.
    let aio: future::NextId = future::NextId::builder()
        .key("contended")
        .masters(clients.iter().cloned())
        .build()
        .unwrap();
    let tasks: Vec<(Vec<u64>, Vec<String>)> = rt().block_on(async {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let ids = aio.clone();
                tokio::spawn(async move {
                    let (mut got, mut errors) = (Vec::new(), Vec::new());
                    for _ in 0..200 {
                        match ids.next().await {
                            Ok(id) => got.push(id),
                            Err(err) => errors.push(err.to_string()),
                        }
                    }
                    (got, errors)
                })
            })
            .collect();
        let mut all = Vec::new();
        for h in handles {
            all.push(h.await.unwrap());
        }
        all
    });
    let drawn: Vec<_> = drawn.into_iter().chain(tasks).collect();
    let errors: Vec<&String> = drawn.iter().flat_map(|(_, e)| e).collect();
    assert!(
        errors.is_empty(),
        "{} errors, first: {:?}",
        errors.len(),
        errors.first()
    );
    let mut all = HashSet::new();
    for (got, _) in &drawn {
        assert_eq!(got.len(), 200);
        assert!(increasing(got), "{got:?}");
        for &id in got {
            assert!(all.insert(id), "{id} handed out twice");
        }
    }
}

pub(crate) fn suite() -> support::Suite {
    let everywhere = cases![
        test_nextid,
        test_iter,
        test_reset,
        test_repr,
        test_slots,
        test_aio_aionextid,
        test_aio_reset,
        test_aio_slots,
        test_aio_aiter,
        test_aio_repr,
        test_wire_format,
        test_builder_errors,
        test_plain_integers_beyond_1e15,
        test_reads_exponent_form,
        test_garbage_and_wrong_type,
    ];
    // Cases that start their own servers, use ACL users of the one server, or Python.
    let single = cases![
        test_master_restarted_empty_repeats_nothing,
        test_contention,
        test_next_quorumnotachieved,
        test_next_quorumisimpossible,
        test_reset_quorumnotachieved,
        test_reset_quorumisimpossible,
        test_aio_contention,
        test_aio_anext_quorumnotachieved,
        test_aio_reset_quorumnotachieved,
        test_python_big_ids_then_rust,
        test_two_of_five_killed,
        test_three_of_five_killed_is_prompt,
        test_frozen_master_keeps_the_deadline,
        test_unique_across_threads_processes_and_python,
        test_nextid_backoff_no_errors_under_contention,
    ];
    support::Suite::new(
        "nextid",
        vec![
            (&[Target::Server, Target::Cluster], everywhere),
            (&[Target::Server], single),
        ],
    )
    .worker(WORKER_ENV, id_worker)
}
