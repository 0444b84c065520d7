//! The operations every fault is tried on: one entry per structure operation,
//! its body written once and compiled for both modes.
//!
//! In a body, `M` is the mode and `go!(n, call)` is one timed call whose
//! deadline is `n` response timeouts: blocking, `call` is a `Result` (the call
//! has run when `go!` times it); async, a future that `go!` awaits. The
//! blocking body is an `async` block too, whose every await is ready: it runs
//! to its end when polled once, on the calling thread.

use std::cell::RefCell;
use std::future::Future;
use std::time::{Duration, Instant};

use pottery::{BoxFuture, Client, Result};

/// One operation, in both modes, on `(client, key)`.
pub(super) struct Op {
    pub(super) name: &'static str,
    pub(super) blocking: fn(&Client, &str) -> Result<()>,
    pub(super) future: fn(&Client, &str) -> BoxFuture<'static, ()>,
}

/// One timed call: when it started, how long it took, its deadline, and its
/// error if it failed.
#[derive(Clone, Debug)]
pub(super) struct Call {
    pub(super) op: &'static str,
    pub(super) started: Instant,
    pub(super) took: Duration,
    pub(super) deadline: Duration,
    pub(super) error: Option<String>,
}

impl Call {
    pub(super) fn ok(&self) -> bool {
        self.error.is_none()
    }

    pub(super) fn ended(&self) -> Instant {
        self.started + self.took
    }
}

thread_local! {
    /// The calls made on this thread since the last [`take_calls`] (blocking
    /// calls, and async ones: `block_on` polls its future on the calling thread).
    static CALLS: RefCell<Vec<Call>> = const { RefCell::new(Vec::new()) };
    /// The op whose calls this thread records now.
    static CURRENT: std::cell::Cell<&'static str> = const { std::cell::Cell::new("") };
}

/// Runs `op` in `mode` on `(client, key)`, its calls recorded on this thread;
/// async through `runtime.block_on`, which polls the future here too.
pub(super) fn run(
    op: &Op,
    blocking: bool,
    runtime: &tokio::runtime::Runtime,
    client: &Client,
    key: &str,
) -> Result<()> {
    CURRENT.with(|current| current.set(op.name));
    if blocking {
        (op.blocking)(client, key)
    } else {
        runtime.block_on((op.future)(client, key))
    }
}

/// The calls recorded on this thread, emptying the record.
pub(super) fn take_calls() -> Vec<Call> {
    CALLS.with(|calls| std::mem::take(&mut *calls.borrow_mut()))
}

fn record<T>(started: Instant, deadline: Duration, result: &Result<T>) {
    let took = started.elapsed();
    let op = CURRENT.with(std::cell::Cell::get);
    let error = result.as_ref().err().map(|e| format!("{op}: {e}"));
    CALLS.with(|calls| {
        calls.borrow_mut().push(Call {
            op,
            started,
            took,
            deadline,
            error,
        });
    });
}

/// What `go!` does with a call's result: a blocking `Result` is recorded
/// as it is; an async future is awaited, then recorded.
pub(super) trait Outcome<'a, T> {
    fn finish(self, started: Instant, deadline: Duration) -> BoxFuture<'a, T>;
}

impl<'a, T: Send + 'a> Outcome<'a, T> for Result<T> {
    fn finish(self, started: Instant, deadline: Duration) -> BoxFuture<'a, T> {
        record(started, deadline, &self);
        Box::pin(std::future::ready(self))
    }
}

impl<'a, T: Send + 'a> Outcome<'a, T> for BoxFuture<'a, T> {
    fn finish(self, started: Instant, deadline: Duration) -> BoxFuture<'a, T> {
        Box::pin(async move {
            let result = self.await;
            record(started, deadline, &result);
            result
        })
    }
}

/// One call, timed against `$n` response timeouts (see the module docs).
macro_rules! go {
    ($n:expr, $call:expr) => {{
        let started = Instant::now();
        Outcome::finish($call, started, super::TIMEOUT * $n).await?
    }};
}

/// An [`Op`] named `$name` from one body over `$c: &Client` and `$k: &str`.
macro_rules! op {
    ($name:literal, |$c:ident, $k:ident| $body:block) => {
        Op {
            name: $name,
            blocking: |$c: &Client, $k: &str| -> Result<()> {
                #[allow(dead_code)]
                type M = pottery::Blocking;
                ready(async { $body })
            },
            future: |$c: &Client, $k: &str| -> BoxFuture<'static, ()> {
                let ($c, $k) = ($c.clone(), $k.to_owned());
                Box::pin(async move {
                    #[allow(dead_code)]
                    type M = pottery::Async;
                    let ($c, $k) = (&$c, $k.as_str());
                    $body
                })
            },
        }
    };
}

/// Runs a blocking body: every await in it is ready, so one poll ends it.
fn ready(body: impl Future<Output = Result<()>>) -> Result<()> {
    futures_util::FutureExt::now_or_never(body).expect("a blocking body never waits")
}

type Dict<M> = pottery::RedisDict<String, i64, pottery::Json, M>;
type Set<M> = pottery::RedisSet<String, pottery::Json, M>;
type List<M> = pottery::RedisList<String, pottery::Json, M>;
type Deque<M> = pottery::RedisDeque<String, pottery::Json, M>;
type Counter<M> = pottery::RedisCounter<String, pottery::Json, M>;
type Queue<M> = pottery::RedisSimpleQueue<String, pottery::Json, M>;
type Bloom<M> = pottery::BloomFilter<String, pottery::Json, M>;
type Hll<M> = pottery::HyperLogLog<String, pottery::Json, M>;
type Cached<M> = pottery::CachedOrderedDict<String, i64, pottery::Json, M>;
type Cache<M> = pottery::RedisCache<pottery::Json, M>;

/// A Redlock on `client` whose attempt has the suite's deadline: two request
/// timeouts of [`super::TIMEOUT`].
fn redlock<M: pottery::Mode>(client: &Client, key: &str) -> pottery::Redlock<M> {
    pottery::Redlock::<M>::builder(key)
        .master(client.clone())
        .request_timeout(super::TIMEOUT)
        .auto_release_time(Duration::from_secs(5))
        .build()
        .expect("a valid lock")
}

/// A NextId on `client` of one round: two request timeouts.
fn next_id<M: pottery::Mode>(client: &Client, key: &str) -> pottery::NextId<M> {
    pottery::NextId::<M>::builder()
        .key(key)
        .master(client.clone())
        .num_tries(1)
        .request_timeout(super::TIMEOUT)
        .build()
        .expect("a valid NextId")
}

/// Every structure's operations: a write and a read each, where both exist.
pub(super) fn all() -> Vec<Op> {
    vec![
        op!("dict.insert", |c, k| {
            go!(1, Dict::<M>::new(c, k).insert("f", 1));
            Ok(())
        }),
        op!("dict.get", |c, k| {
            go!(1, Dict::<M>::new(c, k).get("f"));
            Ok(())
        }),
        op!("set.insert", |c, k| {
            go!(1, Set::<M>::new(c, k).insert("m"));
            Ok(())
        }),
        op!("set.contains", |c, k| {
            go!(1, Set::<M>::new(c, k).contains("m"));
            Ok(())
        }),
        op!("list.push", |c, k| {
            go!(1, List::<M>::new(c, k).push("v"));
            Ok(())
        }),
        op!("list.get", |c, k| {
            go!(1, List::<M>::new(c, k).get(0));
            Ok(())
        }),
        op!("deque.push_back", |c, k| {
            go!(1, Deque::<M>::new(c, k).push_back("v"));
            Ok(())
        }),
        op!("deque.pop_front", |c, k| {
            go!(1, Deque::<M>::new(c, k).pop_front());
            Ok(())
        }),
        op!("counter.increment", |c, k| {
            go!(1, Counter::<M>::new(c, k).increment("n", 1));
            Ok(())
        }),
        op!("queue.put", |c, k| {
            go!(1, Queue::<M>::new(c, k).put("item"));
            Ok(())
        }),
        op!("queue.get_nowait", |c, k| {
            go!(1, Queue::<M>::new(c, k).get_nowait());
            Ok(())
        }),
        op!("bloom.insert", |c, k| {
            let bloom = Bloom::<M>::new(c, k, 100, 0.01)?;
            go!(1, bloom.insert("e"));
            Ok(())
        }),
        op!("bloom.contains", |c, k| {
            let bloom = Bloom::<M>::new(c, k, 100, 0.01)?;
            go!(1, bloom.contains("e"));
            Ok(())
        }),
        op!("hyperloglog.insert", |c, k| {
            go!(1, Hll::<M>::new(c, k).insert("e"));
            Ok(())
        }),
        op!("hyperloglog.len", |c, k| {
            go!(1, Hll::<M>::new(c, k).len());
            Ok(())
        }),
        op!("hyperloglog.contains", |c, k| {
            go!(1, Hll::<M>::new(c, k).contains("e"));
            Ok(())
        }),
        op!("cached_dict.hydrate+insert", |c, k| {
            let mut dict = go!(1, Cached::<M>::new(c, k, ["a"]));
            go!(1, dict.insert("a", 1));
            Ok(())
        }),
        op!("redis_cache.insert", |c, k| {
            go!(1, Cache::<M>::new(c, k).insert(&("x",), &1));
            Ok(())
        }),
        op!("redis_cache.get", |c, k| {
            go!(1, Cache::<M>::new(c, k).get::<_, i64>(&("x",)));
            Ok(())
        }),
        op!("redlock.acquire+release", |c, k| {
            let lock = redlock::<M>(c, k);
            if let Some(guard) = go!(2, lock.try_acquire()) {
                go!(1, guard.release());
            }
            Ok(())
        }),
        op!("nextid.next", |c, k| {
            go!(2, next_id::<M>(c, k).next());
            Ok(())
        }),
    ]
}
