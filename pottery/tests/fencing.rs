//! Redlock's fencing tokens and `status()`: tokens strictly increase in the
//! order of the critical sections (8 threads, 2 other Rust processes and a
//! Python pottery holder on 3 masters), keep increasing after the lock key is
//! deleted or expires and after one master of 3 restarts empty; `status()`
//! blocking and async, on a server and on a cluster.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use crate::support;

use std::time::Duration;

use pottery::{Client, future, sync::Redlock};
use pottery_testkit::{Masters, python};
use support::{Ctx, Target};

const MS: Duration = Duration::from_millis(1);

/// Acquisitions per Rust thread or process, and by the Python holder.
const ROUNDS: usize = 25;

/// The environment variable that turns this test binary into a fencing worker.
const WORKER_ENV: &str = "POTTERY_FENCING_WORKER";

fn lock_over(urls: &[String], name: &str) -> Redlock {
    Redlock::builder(name)
        .masters(urls.iter().map(|u| Client::open(u).unwrap()))
        .retry_delay(5 * MS)
        .build()
        .unwrap()
}

/// `ROUNDS` acquisitions, each appending its token to the list `log` (on the
/// first master) while holding the lock.
fn log_tokens(lock: &Redlock, log: &Client, key: &str) {
    for _ in 0..ROUNDS {
        let guard = lock.acquire().unwrap();
        let token = guard.fencing_token();
        log.with_connection(|c| redis::cmd("RPUSH").arg(key).arg(token).query::<()>(c))
            .unwrap();
        guard.release().unwrap();
    }
}

/// A worker process: spec is `urls (comma-separated)\nname\nlog`.
fn fencing_worker(spec: &str) {
    let mut lines = spec.lines();
    let urls: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_owned)
        .collect();
    let (name, log) = (lines.next().unwrap(), lines.next().unwrap());
    let lock = lock_over(&urls, name);
    log_tokens(&lock, &Client::open(&urls[0]).unwrap(), log);
    println!("done");
}

/// Python pottery holders on the same 3 masters: they take no token, and log
/// `py` while holding.
const PY_HOLDER: &str = r#"
import sys
from redis import Redis
from pottery import Redlock
Redlock._RETRY_DELAY = 0.005
urls, name, log, n = sys.stdin.read().split('\n')[:4]
masters = [Redis.from_url(u) for u in urls.split(',')]
lock = Redlock(key=name, masters=set(masters))
for _ in range(int(n)):
    with lock:
        masters[0].rpush(log, 'py')
print('done')
"#;

fn logged(client: &Client, key: &str) -> Vec<String> {
    client
        .with_connection(|c| redis::cmd("LRANGE").arg(key).arg(0).arg(-1).query(c))
        .unwrap()
}

fn assert_increasing(tokens: &[u64]) {
    for pair in tokens.windows(2) {
        assert!(pair[0] < pair[1], "tokens not increasing: {tokens:?}");
    }
}

fn test_tokens_increase_across_threads_processes_and_python(ctx: &Ctx) {
    let masters = Masters::start(3);
    let urls = masters.urls();
    let (name, log) = (ctx.key("printer"), ctx.key("log"));
    let spec = format!("{}\n{name}\n{log}", urls.join(","));
    let workers = support::spawn_workers(WORKER_ENV, &spec, 2);
    let lock = lock_over(&urls, &name);
    let first = Client::open(&urls[0]).unwrap();
    std::thread::scope(|s| {
        let stdin = format!("{}\n{name}\n{log}\n{ROUNDS}\n", urls.join(","));
        let url = urls[0].clone();
        s.spawn(move || assert_eq!(python(PY_HOLDER, &url, &stdin).trim(), "done"));
        for _ in 0..8 {
            let (lock, first, log) = (lock.clone(), first.clone(), &log);
            s.spawn(move || log_tokens(&lock, &first, log));
        }
    });
    for out in support::wait_workers(workers) {
        assert_eq!(out.trim(), "done");
    }
    let entries = logged(&first, &log);
    // 8 threads + 2 processes + Python, in the order they held the lock.
    assert_eq!(entries.len(), 11 * ROUNDS);
    assert_eq!(entries.iter().filter(|e| *e == "py").count(), ROUNDS);
    let tokens: Vec<u64> = entries.iter().filter_map(|e| e.parse().ok()).collect();
    assert_eq!(tokens.len(), 10 * ROUNDS);
    assert_increasing(&tokens);
}

fn del_everywhere(clients: &[Client], key: &str) {
    for c in clients {
        c.with_connection(|c| redis::cmd("DEL").arg(key).query::<()>(c))
            .unwrap();
    }
}

fn test_tokens_survive_deletion_expiry_and_a_restart(_ctx: &Ctx) {
    let mut masters = Masters::start(3);
    let urls = masters.urls();
    let clients: Vec<Client> = urls.iter().map(|u| Client::open(u).unwrap()).collect();
    let lock = Redlock::builder("printer")
        .masters(clients.iter().cloned())
        .auto_release_time(150 * MS)
        .build()
        .unwrap();
    let mut tokens = vec![lock.acquire().unwrap().fencing_token()];
    // Deleted while held (by hand, as an operator would).
    let held = lock.acquire().unwrap();
    tokens.push(held.fencing_token());
    del_everywhere(&clients, lock.key());
    drop(held);
    tokens.push(lock.acquire().unwrap().fencing_token());
    // Expired: the guard's key is gone by itself.
    let expiring = lock.acquire().unwrap();
    tokens.push(expiring.fencing_token());
    std::thread::sleep(200 * MS);
    tokens.push(lock.acquire().unwrap().fencing_token());
    // One master of 3 restarts empty: the other two still have the last token.
    masters.servers[0].restart();
    for _ in 0..3 {
        tokens.push(lock.acquire().unwrap().fencing_token());
    }
    assert_increasing(&tokens);
    assert_eq!(lock.status().unwrap().last_token, *tokens.last().unwrap());
}

fn set_counter(client: &Client, key: &str, value: u64) {
    client
        .with_connection(|c| redis::cmd("SET").arg(key).arg(value).query::<()>(c))
        .unwrap();
}

/// The second round: a granting master whose counter is behind the token
/// takes it, so the next quorum sees it even where the first master lost it.
/// Which masters grant is set by freezing the third, then the first.
fn test_second_round_carries_the_token_to_a_quorum(_ctx: &Ctx) {
    let masters = Masters::start(3);
    let clients: Vec<Client> = masters
        .urls()
        .iter()
        .map(|u| {
            Client::builder(u)
                .response_timeout(Duration::from_secs(1))
                .build()
                .unwrap()
        })
        .collect();
    let lock = Redlock::builder("printer")
        .masters(clients.iter().cloned())
        .build()
        .unwrap();
    let fence = lock.fence_key().to_owned();
    assert_eq!(fence, format!("{0}{{{0}}}:fence", lock.key()));
    assert_eq!(lock.acquire().unwrap().fencing_token(), 1);
    // Master 0's counter is far ahead (as after contention there).
    set_counter(&clients[0], &fence, 1000);
    masters.servers[2].freeze();
    let first = lock.acquire().unwrap(); // granted by masters 0 and 1
    assert_eq!(first.fencing_token(), 1001);
    first.release().unwrap();
    masters.servers[2].thaw();
    // Master 0 loses its counter; masters 1 and 2 grant the next hold.
    set_counter(&clients[0], &fence, 0);
    masters.servers[0].freeze();
    let next = lock.acquire().unwrap().fencing_token();
    masters.servers[0].thaw();
    assert!(next > 1001, "{next}");
}

/// Python pottery holds the lock for 10 s and exits; prints its value.
const PY_HOLD: &str = r#"
import os, sys
from redis import Redis
from pottery import Redlock
r = Redis.from_url(os.environ['REDIS_URL'])
lock = Redlock(key=sys.stdin.read().strip(), masters={r}, auto_release_time=10)
assert lock.acquire(blocking=False)
print(lock._uuid)
"#;

fn test_status_blocking(ctx: &Ctx) {
    let name = ctx.key("printer");
    let lock = Redlock::new(&ctx.client, &name);
    let free = lock.status().unwrap();
    assert!(!free.held && !free.ours);
    assert_eq!(free.remaining, Duration::ZERO);
    assert_eq!(free.last_token, 0);
    let guard = lock.acquire().unwrap();
    let mine = lock.status().unwrap();
    assert!(mine.held && mine.ours);
    assert!(mine.remaining > 9 * Duration::from_secs(1), "{mine:?}");
    assert_eq!(mine.last_token, guard.fencing_token());
    // Another Redlock of the same name: held, not ours.
    let other = Redlock::new(&ctx.client, &name).status().unwrap();
    assert!(other.held && !other.ours);
    assert!(lock.clone().status().unwrap().ours);
    guard.release().unwrap();
    let after = lock.status().unwrap();
    assert!(!after.held && !after.ours);
    assert_eq!(after.last_token, mine.last_token);
    if ctx.target != Target::Server {
        return; // the Python holder runs on the single server
    }
    // Held by Python pottery: held, not ours; it took no token.
    let value = python(PY_HOLD, &ctx.url(), &name);
    assert_eq!(value.trim().len(), 36);
    let py = lock.status().unwrap();
    assert!(py.held && !py.ours && py.remaining > Duration::from_secs(9));
    assert_eq!(py.last_token, mine.last_token);
    del_everywhere(std::slice::from_ref(&ctx.client), lock.key());
    // A Rust holder after Python still gets a larger token.
    assert!(lock.acquire().unwrap().fencing_token() > mine.last_token);
}

fn test_status_async(ctx: &Ctx) {
    let name = ctx.key("shower");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let lock = future::Redlock::new(&ctx.client, &name);
        assert!(!lock.status().await.unwrap().held);
        let guard = lock.acquire().await.unwrap();
        let mine = lock.status().await.unwrap();
        assert!(mine.held && mine.ours);
        assert_eq!(mine.last_token, guard.fencing_token());
        let other = future::Redlock::new(&ctx.client, &name);
        assert!(!other.status().await.unwrap().ours);
        guard.release().await.unwrap();
        let next = other.acquire().await.unwrap();
        assert!(next.fencing_token() > mine.last_token);
        let theirs = lock.status().await.unwrap();
        assert!(theirs.held && !theirs.ours);
        assert_eq!(theirs.last_token, next.fencing_token());
        next.release().await.unwrap();
    });
}

pub(crate) fn suite() -> support::Suite {
    support::Suite::new(
        "fencing",
        vec![
            (
                &[Target::Server, Target::Cluster],
                cases![test_status_blocking, test_status_async],
            ),
            (
                &[Target::Server],
                cases![
                    test_tokens_increase_across_threads_processes_and_python,
                    test_tokens_survive_deletion_expiry_and_a_restart,
                    test_second_round_carries_the_token_to_a_quorum,
                ],
            ),
        ],
    )
    .worker(WORKER_ENV, fencing_worker)
}
