//! RedisSimpleQueue, on one server and on a 3-master cluster.
//!
//! The first group ports every case of Python pottery 3.0.1's
//! `tests/test_queue.py` (named after it); the rest covers delivery of each item
//! to one of concurrent consumers (threads, and a Python pottery process among them),
//! waits that block without polling and honour their timeout, the async API,
//! errors, and interop with Python pottery both ways (single server only).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::type_complexity,
    missing_docs
)]

use crate::support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use pottery::json::Value;
use pottery::{Container, future, sync::RedisSimpleQueue};
use pottery_testkit::python;
use support::{Ctx, Target};

type Queue = RedisSimpleQueue<i64>;
type AsyncQueue = future::RedisSimpleQueue<i64>;

fn queue(ctx: &Ctx) -> Queue {
    Queue::new(&ctx.client, &ctx.key("q"))
}

// ---- pottery 3.0.1 tests/test_queue.py ----

fn test_put(ctx: &Ctx) {
    let q = queue(ctx);
    assert_eq!(q.qsize().unwrap(), 0);
    assert!(q.is_empty().unwrap());
    for num in 1..6 {
        q.put(num).unwrap();
        assert_eq!(q.qsize().unwrap(), num as usize);
        assert!(!q.is_empty().unwrap());
    }
}

/// `put` never blocks, so Python's `put_nowait` is `put`.
fn test_put_nowait(ctx: &Ctx) {
    let q = queue(ctx);
    assert_eq!(q.qsize().unwrap(), 0);
    for num in 1..6 {
        q.put(num).unwrap();
        assert_eq!(q.qsize().unwrap(), num as usize);
        assert!(!q.is_empty().unwrap());
    }
}

/// Python's `get()` on an empty queue raises after a while; ours waits (for
/// ever with `get`), so the empty cases use a short `get_timeout`.
fn test_get(ctx: &Ctx) {
    let q = queue(ctx);
    assert_eq!(q.get_timeout(Duration::from_millis(20)).unwrap(), None);
    for num in 1..6 {
        q.put(num).unwrap();
        assert_eq!(q.get().unwrap(), num);
        assert_eq!(q.qsize().unwrap(), 0);
        assert!(q.is_empty().unwrap());
    }
    assert_eq!(q.get_timeout(Duration::from_millis(20)).unwrap(), None);
}

fn test_get_nowait(ctx: &Ctx) {
    let q = queue(ctx);
    assert_eq!(q.get_nowait().unwrap(), None);
    for num in 1..6 {
        q.put(num).unwrap();
    }
    for num in 1..6 {
        assert_eq!(q.get_nowait().unwrap(), Some(num));
        assert_eq!(q.qsize().unwrap(), 5 - num as usize);
        assert_eq!(q.is_empty().unwrap(), num == 5);
    }
    assert_eq!(q.get_nowait().unwrap(), None);
}

fn test_get_timeout(ctx: &Ctx) {
    let q = queue(ctx);
    let start = Instant::now();
    assert_eq!(q.get_timeout(Duration::from_secs(1)).unwrap(), None);
    let elapsed = start.elapsed();
    assert!(elapsed >= Duration::from_secs(1), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(1100), "{elapsed:?}");
}

// ---- beyond pottery ----

/// pottery floors the timeout to whole seconds; ours is exact.
fn test_get_timeout_is_exact(ctx: &Ctx) {
    // Never early; late by at most a scheduling hiccup of a loaded 2-core CI
    // machine (250 ms), well under the extra XREAD slice (500 ms) a wrong
    // wait would add.
    let q = queue(ctx);
    for _ in 0..3 {
        let start = Instant::now();
        assert_eq!(q.get_timeout(Duration::from_millis(100)).unwrap(), None);
        let elapsed = start.elapsed();
        assert!(
            elapsed >= Duration::from_millis(100) && elapsed < Duration::from_millis(350),
            "{elapsed:?}"
        );
    }
    // Longer than one XREAD slice (500 ms).
    let start = Instant::now();
    assert_eq!(q.get_timeout(Duration::from_millis(1200)).unwrap(), None);
    let elapsed = start.elapsed();
    assert!(
        elapsed >= Duration::from_millis(1200) && elapsed < Duration::from_millis(1450),
        "{elapsed:?}"
    );
    let start = Instant::now();
    assert_eq!(q.get_timeout(Duration::ZERO).unwrap(), None);
    assert!(start.elapsed() < Duration::from_millis(250));
}

/// A waiting `get` wakes as soon as another thread puts (no polling delay).
fn test_blocking_get_wakes_on_put(ctx: &Ctx) {
    let q = queue(ctx);
    let producer = q.clone();
    let start = Instant::now();
    let handle = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        producer.put(42).unwrap();
        Instant::now()
    });
    assert_eq!(q.get().unwrap(), 42);
    let put_at = handle.join().unwrap();
    let woke = put_at.elapsed();
    assert!(
        woke < Duration::from_millis(30),
        "woke {woke:?} after the put"
    );
    assert!(start.elapsed() >= Duration::from_millis(200));
    // get_timeout too.
    let producer = q.clone();
    let handle = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        producer.put(43).unwrap();
    });
    assert_eq!(q.get_timeout(Duration::from_secs(5)).unwrap(), Some(43));
    handle.join().unwrap();
}

/// `get_timeout(Duration::MAX)` waits as long as it takes, and never panics.
fn test_get_timeout_max_is_no_limit(ctx: &Ctx) {
    let q = queue(ctx);
    let producer = q.clone();
    let handle = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        producer.put(44).unwrap();
    });
    assert_eq!(q.get_timeout(Duration::MAX).unwrap(), Some(44));
    handle.join().unwrap();
    let aq = AsyncQueue::new(&ctx.client, q.key());
    ctx.block_on(async {
        let producer = aq.clone();
        let put = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            producer.put(45).await.unwrap();
        });
        assert_eq!(aq.get_timeout(Duration::MAX).await.unwrap(), Some(45));
        put.await.unwrap();
    });
}

/// With the server frozen (SIGSTOP), `get_timeout(t)` fails within its
/// deadline, `t` plus the response timeout (+10%), blocking and async.
fn test_frozen_server_keeps_the_deadline(_: &Ctx) {
    let server = pottery_testkit::Server::start();
    let client = pottery::Client::builder(&server.url())
        .response_timeout(Duration::from_millis(400))
        .build()
        .unwrap();
    let q: Queue = Queue::new(&client, "frozen");
    let aq: AsyncQueue = AsyncQueue::new(&client, "frozen");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    // Open the connections first: opening one is the client's deadline, not the queue's.
    q.put(1).unwrap();
    runtime.block_on(aq.put(2)).unwrap();
    server.freeze();
    let start = Instant::now();
    let err = q.get_timeout(Duration::from_millis(200)).unwrap_err();
    let blocking = start.elapsed();
    let start = Instant::now();
    let aerr = runtime
        .block_on(aq.get_timeout(Duration::from_millis(200)))
        .unwrap_err();
    let elapsed = start.elapsed();
    server.thaw();
    assert!(err.is_timeout(), "{err:?}");
    assert!(aerr.is_timeout(), "{aerr:?}");
    let limit = Duration::from_millis(660);
    assert!(blocking < limit, "{blocking:?}");
    assert!(elapsed < limit, "{elapsed:?}");
}

fn test_fifo_and_wire_format(ctx: &Ctx) {
    let q: RedisSimpleQueue<String> = RedisSimpleQueue::new(&ctx.client, &ctx.key("q"));
    let id = q.put("é").unwrap();
    q.put("b".to_owned()).unwrap();
    let entries: Vec<(String, BTreeMap<String, Vec<u8>>)> = ctx
        .client
        .with_connection(|con| {
            redis::cmd("XRANGE")
                .arg(q.key())
                .arg("-")
                .arg("+")
                .query(con)
        })
        .unwrap();
    assert_eq!(entries[0].0, id);
    assert_eq!(
        entries[0].1,
        BTreeMap::from([("item".to_owned(), br#""\u00e9""#.to_vec())])
    );
    assert_eq!(q.get_nowait().unwrap().as_deref(), Some("é"));
    assert_eq!(q.get_nowait().unwrap().as_deref(), Some("b"));
    assert_eq!(q.redis_type(), "stream");
}

/// 4 consumer threads share 400 items; each is delivered to one of them, once.
fn test_concurrent_consumers_get_each_item_once(ctx: &Ctx) {
    let q = queue(ctx);
    let got = std::thread::scope(|s| {
        let consumers: Vec<_> = (0..4)
            .map(|_| {
                let q = q.clone();
                s.spawn(move || {
                    let mut got = Vec::new();
                    while let Some(item) = q.get_timeout(Duration::from_millis(300)).unwrap() {
                        got.push(item);
                    }
                    got
                })
            })
            .collect();
        for i in 0..400 {
            q.put(i).unwrap();
        }
        consumers
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect::<Vec<_>>()
    });
    let mut got = got;
    got.sort();
    assert_eq!(got, (0..400).collect::<Vec<_>>());
}

fn test_async_get_wakes_on_put(ctx: &Ctx) {
    ctx.block_on(async {
        let q: future::RedisSimpleQueue<i64> =
            future::RedisSimpleQueue::new(&ctx.client, &ctx.key("q"));
        let consumer = q.clone();
        let waiting = tokio::spawn(async move {
            let item = consumer.get().await.unwrap();
            (item, Instant::now())
        });
        tokio::time::sleep(Duration::from_millis(150)).await;
        // The wait does not hold up other requests on the shared connection.
        let start = Instant::now();
        assert_eq!(q.qsize().await.unwrap(), 0);
        assert!(
            start.elapsed() < Duration::from_millis(50),
            "{:?}",
            start.elapsed()
        );
        let put_at = Instant::now();
        q.put(7).await.unwrap();
        let (item, woke) = waiting.await.unwrap();
        assert_eq!(item, 7);
        assert!(woke.duration_since(put_at) < Duration::from_millis(30));

        let start = Instant::now();
        assert_eq!(
            q.get_timeout(Duration::from_millis(100)).await.unwrap(),
            None
        );
        let elapsed = start.elapsed();
        assert!(elapsed >= Duration::from_millis(100) && elapsed < Duration::from_millis(150));
        q.put(8).await.unwrap();
        assert_eq!(q.get_nowait().await.unwrap(), Some(8));
        assert!(q.is_empty().await.unwrap());
        // Several async consumers.
        let mut tasks = Vec::new();
        for _ in 0..3 {
            let q = q.clone();
            tasks.push(tokio::spawn(async move {
                let mut got = Vec::new();
                while let Some(x) = q.get_timeout(Duration::from_millis(300)).await.unwrap() {
                    got.push(x);
                }
                got
            }));
        }
        for i in 0..60 {
            q.put(i).await.unwrap();
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        all.sort();
        assert_eq!(all, (0..60).collect::<Vec<_>>());
    });
}

fn test_wrong_type_and_bad_items(ctx: &Ctx) {
    let key = ctx.key("s");
    ctx.client
        .with_connection(|con| redis::cmd("SET").arg(&key).arg("x").query::<()>(con))
        .unwrap();
    let q = Queue::new(&ctx.client, &key);
    for err in [
        q.put(1).unwrap_err(),
        q.get_nowait().unwrap_err(),
        q.get_timeout(Duration::from_millis(10)).unwrap_err(),
        q.qsize().unwrap_err(),
    ] {
        assert_eq!(err.kind(), pottery::ErrorKind::WrongType, "{err:?}");
        let text = err.to_string();
        assert!(
            text.contains(&key) && text.contains("stream") && text.contains("string"),
            "{text}"
        );
    }
    // An item that does not decode as the queue's type is an error naming the key.
    let q = queue(ctx);
    let words: RedisSimpleQueue<String> = RedisSimpleQueue::new(&ctx.client, q.key());
    words.put("not a number").unwrap();
    let err = q.get_nowait().unwrap_err();
    assert_eq!(err.kind(), pottery::ErrorKind::Decode, "{err:?}");
    assert_eq!(err.key(), Some(q.key()));
}

// ---- interop with Python pottery (single server) ----

const PY_ITEMS: &str = r#"[
    'héllo 😀', 2**70, 1.5, 1e-05, None, True, [1, 'a', None],
    {'b': {'d': 1, 'c': 2}, 'a': None}, -0.0, 'plain', 0, -(2**62),
]"#;

/// Python pottery puts `PY_ITEMS`, each repeated; prints how many.
const PY_PUT: &str = r#"
import os, sys
from redis import Redis
from pottery import RedisSimpleQueue
r = Redis.from_url(os.environ['REDIS_URL'])
key = sys.stdin.read().strip()
q = RedisSimpleQueue(redis=r, key=key)
n = 0
for _ in range(10):
    for item in ITEMS:
        q.put(item)
        n += 1
print(n)
"#;

/// Python pottery takes items until the queue stays empty, printing each as JSON.
const PY_GET: &str = r#"
import json, os, sys, time
from redis import Redis
from pottery import RedisSimpleQueue, QueueEmptyError
r = Redis.from_url(os.environ['REDIS_URL'])
key, done = sys.stdin.read().split()
q = RedisSimpleQueue(redis=r, key=key)
r.set(done + ':ready', 1)
while True:
    try:
        print(json.dumps(q.get(timeout=1.5), sort_keys=True))
    except QueueEmptyError:
        if r.exists(done) and q.qsize() == 0:
            break
"#;

fn with_items(script: &str) -> String {
    format!("ITEMS = {PY_ITEMS}\n{script}")
}

/// What Python's `json.dumps(item, sort_keys=True)` prints for each of `PY_ITEMS`.
fn py_item_lines(ctx: &Ctx) -> Vec<String> {
    let script = with_items("import json\nfor i in ITEMS: print(json.dumps(i, sort_keys=True))");
    python(&script, &ctx.url(), "")
        .lines()
        .map(str::to_owned)
        .collect()
}

fn test_python_producer_rust_consumers(ctx: &Ctx) {
    let q: RedisSimpleQueue<Value> = RedisSimpleQueue::new(&ctx.client, &ctx.key("q"));
    let lines = py_item_lines(ctx);
    // The consumers stop at the first empty wait after Python has put every
    // item (not after a fixed silence: starting Python on a loaded machine can
    // take longer than any such wait).
    let finished = std::sync::atomic::AtomicBool::new(false);
    let got = std::thread::scope(|s| {
        let url = ctx.url();
        let key = q.key().to_owned();
        let finished = &finished;
        let producer = s.spawn(move || {
            let out = python(&with_items(PY_PUT), &url, &key);
            finished.store(true, std::sync::atomic::Ordering::SeqCst);
            out
        });
        let consumers: Vec<_> = (0..3)
            .map(|_| {
                let q = q.clone();
                s.spawn(move || {
                    let mut got = Vec::new();
                    loop {
                        let done = finished.load(std::sync::atomic::Ordering::SeqCst);
                        match q.get_timeout(Duration::from_millis(200)).unwrap() {
                            Some(item) => got.push(pottery::json::to_string(&item).unwrap()),
                            None if done => break got,
                            None => {}
                        }
                    }
                })
            })
            .collect();
        assert_eq!(
            producer.join().unwrap().trim(),
            (lines.len() * 10).to_string()
        );
        consumers
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect::<Vec<_>>()
    });
    let mut want: Vec<String> = (0..10).flat_map(|_| lines.clone()).collect();
    let mut got = got;
    want.sort();
    got.sort();
    assert_eq!(got, want);
}

fn test_rust_producer_python_consumer(ctx: &Ctx) {
    let lines = py_item_lines(ctx);
    let items: Vec<Value> = lines
        .iter()
        .map(|l| pottery::json::from_str(l).unwrap())
        .collect();
    let q: RedisSimpleQueue<Value> = RedisSimpleQueue::new(&ctx.client, &ctx.key("q"));
    for item in &items {
        q.put(item).unwrap();
    }
    let done = ctx.key("done");
    ctx.client
        .with_connection(|con| redis::cmd("SET").arg(&done).arg(1).query::<()>(con))
        .unwrap();
    let out = python(PY_GET, &ctx.url(), &format!("{} {done}", q.key()));
    // FIFO, and the bytes Python decodes re-encode exactly as Python wrote them.
    assert_eq!(out.lines().collect::<Vec<_>>(), lines);
    assert!(q.is_empty().unwrap());
}

/// 4 Rust consumer threads and a Python pottery consumer share 400 items put by
/// a Rust producer: each item is delivered once overall.
fn test_rust_and_python_consumers_get_each_item_once(ctx: &Ctx) {
    let q = queue(ctx);
    let done = ctx.key("done");
    let ready = format!("{done}:ready");
    let (rust, py) = std::thread::scope(|s| {
        let url = ctx.url();
        let stdin = format!("{} {done}", q.key());
        let py = s.spawn(move || python(PY_GET, &url, &stdin));
        let consumers: Vec<_> = (0..4)
            .map(|_| {
                let q = q.clone();
                let done = done.clone();
                s.spawn(move || {
                    let mut got = Vec::new();
                    loop {
                        match q.get_timeout(Duration::from_millis(200)).unwrap() {
                            Some(item) => {
                                got.push(item);
                                // Some work per item, so the Python consumer gets its share.
                                std::thread::sleep(Duration::from_millis(20));
                            }
                            None if is_set(&q, &done) => break,
                            None => {}
                        }
                    }
                    got
                })
            })
            .collect();
        let start = Instant::now();
        while !is_set(&q, &ready) {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "python never started"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        for i in 0..400 {
            q.put(i).unwrap();
        }
        q.client()
            .with_connection(|con| redis::cmd("SET").arg(&done).arg(1).query::<()>(con))
            .unwrap();
        let rust: Vec<i64> = consumers
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect();
        let py: Vec<i64> = py
            .join()
            .unwrap()
            .lines()
            .map(|l| l.parse().unwrap())
            .collect();
        (rust, py)
    });
    assert!(!py.is_empty(), "the Python consumer got nothing");
    let mut all: Vec<i64> = rust.iter().chain(&py).copied().collect();
    all.sort();
    assert_eq!(
        all,
        (0..400).collect::<Vec<_>>(),
        "rust {} python {}",
        rust.len(),
        py.len()
    );
}

fn is_set(q: &Queue, key: &str) -> bool {
    q.client()
        .with_connection(|con| redis::cmd("EXISTS").arg(key).query::<bool>(con))
        .unwrap()
}

pub(crate) fn suite() -> support::Suite {
    let everywhere = cases![
        test_put,
        test_put_nowait,
        test_get,
        test_get_nowait,
        test_get_timeout,
        test_get_timeout_is_exact,
        test_blocking_get_wakes_on_put,
        test_get_timeout_max_is_no_limit,
        test_fifo_and_wire_format,
        test_concurrent_consumers_get_each_item_once,
        test_async_get_wakes_on_put,
        test_wrong_type_and_bad_items,
    ];
    let interop = cases![
        test_frozen_server_keeps_the_deadline,
        test_python_producer_rust_consumers,
        test_rust_producer_python_consumer,
        test_rust_and_python_consumers_get_each_item_once,
    ];
    support::Suite::new(
        "queue",
        vec![
            (&[Target::Server, Target::Cluster], everywhere),
            (&[Target::Server], interop),
            (&[Target::Server, Target::Cluster], methods()),
            (&[Target::Server], interop_methods()),
        ],
    )
}

// ---- ours: put_many, get_many_nowait, get_many (issue 11) ----

/// The cases of the methods Python's pottery lacks, on both targets.
fn methods() -> Vec<support::Case> {
    cases![
        put_many_writes_puts_entries_in_order,
        get_many_nowait_takes_up_to_n,
        get_many_waits_for_the_first_item,
        get_many_gives_each_item_to_one_consumer,
        a_bad_item_in_a_batch_hides_no_other,
        async_put_many_and_get_many,
    ]
}

/// Python's pottery reads a batch put by `put_many` (single server).
fn interop_methods() -> Vec<support::Case> {
    cases![python_consumer_reads_put_many]
}

fn put_many_writes_puts_entries_in_order(ctx: &Ctx) {
    let q: RedisSimpleQueue<String> = RedisSimpleQueue::new(&ctx.client, &ctx.key("q"));
    assert!(q.put_many(Vec::<String>::new()).unwrap().is_empty());
    assert!(!q.exists().unwrap(), "no items, no round trip, no key");
    let ids = q.put_many(["é", "b", "c"]).unwrap();
    let entries: Vec<(String, BTreeMap<String, Vec<u8>>)> = ctx
        .client
        .with_connection(|con| {
            redis::cmd("XRANGE")
                .arg(q.key())
                .arg("-")
                .arg("+")
                .query(con)
        })
        .unwrap();
    let stored: Vec<String> = entries.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(stored, ids);
    // The entry `put` writes, byte for byte.
    assert_eq!(
        entries[0].1,
        BTreeMap::from([("item".to_owned(), br#""\u00e9""#.to_vec())])
    );
    assert_eq!(q.get_nowait().unwrap().as_deref(), Some("é"));
}

fn get_many_nowait_takes_up_to_n(ctx: &Ctx) {
    let q = queue(ctx);
    assert!(q.get_many_nowait(5).unwrap().is_empty());
    q.put_many(0..2500).unwrap();
    assert!(q.get_many_nowait(0).unwrap().is_empty());
    let first: Vec<i64> = q
        .get_many_nowait(3)
        .unwrap()
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(first, [0, 1, 2]);
    // More than the script's chunk of 1000 ids in one claim.
    let rest: Vec<i64> = q
        .get_many_nowait(5000)
        .unwrap()
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rest, (3..2500).collect::<Vec<_>>());
    assert!(q.is_empty().unwrap());
}

fn get_many_waits_for_the_first_item(ctx: &Ctx) {
    let q = queue(ctx);
    let start = Instant::now();
    assert!(
        q.get_many(10, Duration::from_millis(200))
            .unwrap()
            .is_empty()
    );
    let waited = start.elapsed();
    assert!(waited >= Duration::from_millis(200), "{waited:?}");
    assert!(
        waited < Duration::from_millis(200) + Duration::from_secs(1),
        "{waited:?}"
    );
    let producer = q.clone();
    let put = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(150));
        producer.put_many([1, 2, 3]).unwrap();
    });
    let start = Instant::now();
    let got: Vec<i64> = q
        .get_many(2, Duration::from_secs(5))
        .unwrap()
        .into_iter()
        .map(Result::unwrap)
        .collect();
    put.join().unwrap();
    assert!(start.elapsed() < Duration::from_secs(2), "woke on the put");
    assert_eq!(got, [1, 2]);
    assert_eq!(q.get_many(2, Duration::MAX).unwrap().len(), 1);
}

/// 4 consumers take batches of 7 while 400 items are put in batches of 10:
/// each item goes to exactly one of them.
fn get_many_gives_each_item_to_one_consumer(ctx: &Ctx) {
    let q = queue(ctx);
    let mut got = std::thread::scope(|s| {
        let consumers: Vec<_> = (0..4)
            .map(|_| {
                let q = q.clone();
                s.spawn(move || {
                    let mut got = Vec::new();
                    loop {
                        let batch = q.get_many(7, Duration::from_millis(300)).unwrap();
                        if batch.is_empty() {
                            break got;
                        }
                        got.extend(batch.into_iter().map(Result::unwrap));
                    }
                })
            })
            .collect();
        for start in (0..400).step_by(10) {
            q.put_many(start..start + 10).unwrap();
        }
        consumers
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect::<Vec<_>>()
    });
    got.sort();
    assert_eq!(got, (0..400).collect::<Vec<_>>());
}

fn a_bad_item_in_a_batch_hides_no_other(ctx: &Ctx) {
    let q = queue(ctx);
    let words: RedisSimpleQueue<String> = RedisSimpleQueue::new(&ctx.client, q.key());
    q.put(1).unwrap();
    words.put("not a number").unwrap();
    q.put(3).unwrap();
    let batch = q.get_many_nowait(10).unwrap();
    assert_eq!(batch.len(), 3);
    assert_eq!(*batch[0].as_ref().unwrap(), 1);
    let err = batch[1].as_ref().unwrap_err();
    assert_eq!(err.kind(), pottery::ErrorKind::Decode, "{err:?}");
    assert_eq!(err.key(), Some(q.key()));
    assert_eq!(*batch[2].as_ref().unwrap(), 3);
    assert!(q.is_empty().unwrap());
    // A key of another type: an error, and the key is left as it is.
    let key = ctx.key("s");
    ctx.client
        .with_connection(|con| redis::cmd("SET").arg(&key).arg("x").query::<()>(con))
        .unwrap();
    let s = Queue::new(&ctx.client, &key);
    for err in [
        s.put_many([1]).unwrap_err(),
        s.get_many_nowait(1).unwrap_err(),
        s.get_many(1, Duration::from_millis(10)).unwrap_err(),
    ] {
        assert_eq!(err.kind(), pottery::ErrorKind::WrongType, "{err:?}");
    }
    assert_eq!(s.redis_type(), "stream");
}

fn async_put_many_and_get_many(ctx: &Ctx) {
    ctx.block_on(async {
        let q: AsyncQueue = future::RedisSimpleQueue::new(&ctx.client, &ctx.key("q"));
        assert_eq!(q.put_many([1, 2, 3, 4]).await.unwrap().len(), 4);
        let got: Vec<i64> = q
            .get_many_nowait(3)
            .await
            .unwrap()
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(got, [1, 2, 3]);
        let got = q.get_many(3, Duration::from_millis(50)).await.unwrap();
        assert_eq!(got.len(), 1);
        let start = Instant::now();
        assert!(
            q.get_many(3, Duration::from_millis(100))
                .await
                .unwrap()
                .is_empty()
        );
        assert!(start.elapsed() >= Duration::from_millis(100));
    });
}

fn python_consumer_reads_put_many(ctx: &Ctx) {
    let lines = py_item_lines(ctx);
    let items: Vec<Value> = lines
        .iter()
        .map(|l| pottery::json::from_str(l).unwrap())
        .collect();
    let q: RedisSimpleQueue<Value> = RedisSimpleQueue::new(&ctx.client, &ctx.key("q"));
    q.put_many(&items).unwrap();
    let done = ctx.key("done");
    ctx.client
        .with_connection(|con| redis::cmd("SET").arg(&done).arg(1).query::<()>(con))
        .unwrap();
    let out = python(PY_GET, &ctx.url(), &format!("{} {done}", q.key()));
    assert_eq!(out.lines().collect::<Vec<_>>(), lines);
    assert!(q.is_empty().unwrap());
}
