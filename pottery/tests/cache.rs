//! RedisCache, CachedFn and `#[redis_cache]`, on one server and on a 3-master
//! cluster.
//!
//! The first group ports every `TestCacheDecorator` case of Python pottery
//! 3.0.1's `tests/test_cache.py` (named after it; a counter stands in for
//! `random.getrandbits(16)`, so "a new value" is certain rather than likely, and
//! the TTL checks shorten the TTL by hand instead of sleeping a second). The
//! rest covers what ours adds: deterministic fields shared between clients and
//! with Python, errors not cached, Redis errors, the async API, single flight
//! across threads, tasks and processes, and the attribute macro.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use crate::support;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier, OnceLock};
use std::time::{Duration, Instant};

use pottery::{CacheInfo, CachedFn, Client, Container, DEFAULT_CACHE_TIMEOUT, future, sync};
use pottery_testkit::python;
use support::{Ctx, Target};

/// A stand-in for `random.getrandbits(16)` that never repeats.
#[derive(Clone, Default)]
struct Fresh(Arc<AtomicU64>);

impl Fresh {
    fn next(&self) -> u64 {
        self.0.fetch_add(1, Ordering::Relaxed) + 1
    }
    fn calls(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

fn info(hits: u64, misses: u64, currsize: usize) -> CacheInfo {
    CacheInfo {
        hits,
        misses,
        maxsize: None,
        currsize,
    }
}

/// Keyword arguments, as Python passes them: encoded with sorted keys, so the
/// order they are given in does not matter.
fn kwargs(pairs: &[(&str, &str)]) -> std::collections::HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn ttl_ms(ctx: &Ctx, key: &str) -> i64 {
    ctx.client
        .with_connection(|con| redis::cmd("PTTL").arg(key).query(con))
        .unwrap()
}

/// Shortens the TTL as if time had passed, and lets a little time pass: hits
/// of one process within the same millisecond share one TTL reset.
fn set_ttl_ms(ctx: &Ctx, key: &str, ms: u64) {
    ctx.client
        .with_connection(|con| redis::cmd("PEXPIRE").arg(key).arg(ms).query::<()>(con))
        .unwrap();
    std::thread::sleep(Duration::from_millis(2));
}

/// The TTL was just reset to the 60 s default.
fn assert_fresh_ttl(ctx: &Ctx, key: &str) {
    let ttl = ttl_ms(ctx, key);
    assert!((59_000..=60_000).contains(&ttl), "ttl {ttl} ms");
}

// ---- pottery 3.0.1 tests/test_cache.py: TestCacheDecorator ----

fn test_cache(ctx: &Ctx) {
    let cache = sync::RedisCache::new(&ctx.client, &ctx.key("expensive-method-expiration"));
    let fresh = Fresh::default();
    let call = |args: &dyn erased::Args| {
        cache
            .get_or_compute(&args.value(), || fresh.next())
            .unwrap()
    };
    assert_eq!(cache.cache_info().unwrap(), info(0, 0, 0));
    let value1 = call(&());
    assert_eq!(cache.cache_info().unwrap(), info(0, 1, 1));
    assert_eq!(call(&()), value1);
    assert_eq!(cache.cache_info().unwrap(), info(1, 1, 1));

    let value2 = call(&("raj",));
    assert_eq!(cache.cache_info().unwrap(), info(1, 2, 2));
    assert_ne!(value2, value1);
    assert_eq!(call(&("raj",)), value2);
    assert_eq!(cache.cache_info().unwrap(), info(2, 2, 2));

    let first_last = kwargs(&[("first", "raj"), ("last", "shah")]);
    let value3 = call(&(first_last.clone(),));
    assert_eq!(cache.cache_info().unwrap(), info(2, 3, 3));
    assert_ne!(value3, value1);
    assert_ne!(value3, value2);
    assert_eq!(call(&(first_last,)), value3);
    assert_eq!(cache.cache_info().unwrap(), info(3, 3, 3));

    let last_first = kwargs(&[("last", "shah"), ("first", "raj")]);
    let value4 = call(&(last_first,));
    assert_eq!(cache.cache_info().unwrap(), info(4, 3, 3));
    assert_eq!(value4, value3);

    let mixed = ("raj", kwargs(&[("last", "shah")]));
    let value5 = call(&mixed);
    assert_eq!(cache.cache_info().unwrap(), info(4, 4, 4));
    for other in [value1, value2, value3, value4] {
        assert_ne!(value5, other);
    }
    assert_eq!(call(&mixed), value5);
    assert_eq!(cache.cache_info().unwrap(), info(5, 4, 4));
}

/// Calls with different argument shapes through one closure.
mod erased {
    /// Arguments of any shape, as a JSON value (the same field as the tuple).
    pub(crate) trait Args {
        fn value(&self) -> serde_json::Value;
    }
    impl<T: pottery::ArgList> Args for T {
        fn value(&self) -> serde_json::Value {
            serde_json::to_value(pottery::cache_field(self)).unwrap()
        }
    }
}

fn test_expiration(ctx: &Ctx) {
    let key = ctx.key("expensive-method-expiration");
    let f = CachedFn::new(sync::RedisCache::new(&ctx.client, &key), |_: &str| 7);
    let g = CachedFn::new(sync::RedisCache::new(&ctx.client, &key), || 7);
    assert_eq!(f.cache().timeout(), Some(DEFAULT_CACHE_TIMEOUT));
    g.call(()).unwrap(); // a miss sets the TTL
    assert_fresh_ttl(ctx, &key);
    set_ttl_ms(ctx, &key, 30_000); // as if time passed
    g.call(()).unwrap(); // a hit resets it
    assert_fresh_ttl(ctx, &key);
    set_ttl_ms(ctx, &key, 30_000);
    f.call(("raj",)).unwrap();
    assert_fresh_ttl(ctx, &key);
    set_ttl_ms(ctx, &key, 30_000);
    g.bypass(()).unwrap();
    assert_fresh_ttl(ctx, &key);
    set_ttl_ms(ctx, &key, 30_000);
    f.bypass(("raj",)).unwrap();
    assert_fresh_ttl(ctx, &key);
}

fn test_no_expiration(ctx: &Ctx) {
    let key = ctx.key("expensive-method-no-expiration");
    let cache = sync::RedisCache::builder(&ctx.client, &key)
        .timeout(None)
        .build()
        .unwrap();
    let f = CachedFn::new(cache.clone(), |_: &str| 7);
    let g = CachedFn::new(cache, || 7);
    g.call(()).unwrap();
    assert_eq!(ttl_ms(ctx, &key), -1);
    g.call(()).unwrap();
    f.call(("raj",)).unwrap();
    g.bypass(()).unwrap();
    f.bypass(("raj",)).unwrap();
    assert_eq!(ttl_ms(ctx, &key), -1);
    // A zero timeout is a configuration error at build(); the attribute's
    // `timeout_secs = 0` means none, as pottery's falsy timeout.
    let zero = sync::RedisCache::builder(&ctx.client, &key)
        .timeout(Some(Duration::ZERO))
        .build();
    assert_eq!(zero.unwrap_err().kind(), pottery::ErrorKind::Config);
}

fn test_wrapped(ctx: &Ctx) {
    let fresh = Fresh::default();
    let f = CachedFn::new(
        sync::RedisCache::new(&ctx.client, &ctx.key("expensive-method-expiration")),
        || fresh.next(),
    );
    let value1 = f.call(()).unwrap();
    assert_eq!(f.call(()).unwrap(), value1);
    assert_eq!(f.cache().cache_info().unwrap(), info(1, 1, 1));
    let value2 = (f.get_ref())();
    assert_ne!(value2, value1);
    assert_eq!(f.cache().cache_info().unwrap(), info(1, 1, 1));
    assert_eq!(f.call(()).unwrap(), value1);
    assert_eq!(f.cache().cache_info().unwrap(), info(2, 1, 1));
}

fn test_bypass(ctx: &Ctx) {
    let fresh = Fresh::default();
    let f = CachedFn::new(
        sync::RedisCache::new(&ctx.client, &ctx.key("expensive-method-expiration")),
        || {
            fresh.next();
            5
        },
    );
    f.call(()).unwrap();
    assert_eq!(fresh.calls(), 1);
    assert_eq!(f.cache().cache_info().unwrap(), info(0, 1, 1));
    f.call(()).unwrap();
    assert_eq!(fresh.calls(), 1);
    assert_eq!(f.cache().cache_info().unwrap(), info(1, 1, 1));
    f.bypass(()).unwrap();
    assert_eq!(fresh.calls(), 2);
    assert_eq!(f.cache().cache_info().unwrap(), info(1, 1, 1));
    f.call(()).unwrap();
    assert_eq!(fresh.calls(), 2);
    assert_eq!(f.cache().cache_info().unwrap(), info(2, 1, 1));
}

fn test_cache_clear(ctx: &Ctx) {
    let fresh = Fresh::default();
    let cache = sync::RedisCache::new(&ctx.client, &ctx.key("expensive-method-expiration"));
    let f = CachedFn::new(cache.clone(), || fresh.next());
    let g = CachedFn::new(cache, |_: &str| fresh.next());
    f.call(()).unwrap();
    assert_eq!(f.cache().cache_info().unwrap(), info(0, 1, 1));
    f.cache().cache_clear().unwrap();
    assert_eq!(f.cache().cache_info().unwrap(), info(0, 0, 0));
    f.call(()).unwrap();
    f.call(()).unwrap();
    g.call(("raj",)).unwrap();
    // Clones share the counts, as one Python function does.
    assert_eq!(f.cache().cache_info().unwrap(), info(1, 2, 2));
    f.cache().cache_clear().unwrap();
    assert_eq!(g.cache().cache_info().unwrap(), info(0, 0, 0));
}

fn test_no_cache_kwargs(ctx: &Ctx) {
    let cache = sync::RedisCache::temporary(&ctx.client);
    assert!(cache.key().starts_with("pottery:"));
    assert_eq!(cache.cache_info().unwrap(), info(0, 0, 0));
}

// ---- ours ----

/// The field is `[args...]` in pottery's JSON, so a cache is shared by every
/// client, and a Python program can compute it.
fn fields_are_deterministic_and_shared(ctx: &Ctx) {
    let key = ctx.key("shared");
    let a = CachedFn::new(
        sync::RedisCache::new(&ctx.client, &key),
        |n: &str, k: i64| format!("{n}{k}"),
    );
    let other = ctx.env.client(ctx.target);
    let b = CachedFn::new(sync::RedisCache::new(&other, &key), |_: &str, _: i64| {
        String::from("computed twice")
    });
    assert_eq!(a.call(("raj", 1)).unwrap(), "raj1");
    assert_eq!(b.call(("raj", 1)).unwrap(), "raj1");
    let fields: Vec<(Vec<u8>, Vec<u8>)> = ctx
        .client
        .with_connection(|con| redis::cmd("HGETALL").arg(&key).query(con))
        .unwrap();
    assert_eq!(fields, [(br#"["raj", 1]"#.to_vec(), br#""raj1""#.to_vec())]);
    assert_eq!(b.cache().cache_info().unwrap(), info(1, 0, 1));
}

fn python_reads_our_entries(ctx: &Ctx) {
    let key = ctx.key("py");
    let f = CachedFn::new(
        sync::RedisCache::new(&ctx.client, &key),
        |a: &str, b: f64| BTreeMap::from([(a.to_string(), b)]),
    );
    f.call(("é", 0.1)).unwrap();
    let out = python(
        r#"
import json, os, sys, redis
r = redis.Redis.from_url(os.environ["REDIS_URL"])
key = sys.stdin.read()
raw = r.hget(key, json.dumps(["é", 0.1], sort_keys=True))
print(json.loads(raw))
"#,
        &ctx.url(),
        &key,
    );
    assert_eq!(out.trim(), "{'é': 0.1}");
}

fn errors_are_not_cached(ctx: &Ctx) {
    let fresh = Fresh::default();
    let f = CachedFn::new(
        sync::RedisCache::new(&ctx.client, &ctx.key("e")),
        |n: u32| {
            fresh.next();
            if !n.is_multiple_of(2) {
                Err(std::io::Error::other("odd"))
            } else {
                Ok(n / 2)
            }
        },
    );
    assert_eq!(f.try_call((3,)).unwrap_err().to_string(), "odd");
    assert_eq!(f.try_call((3,)).unwrap_err().to_string(), "odd");
    assert_eq!(fresh.calls(), 2);
    assert_eq!(f.try_call((4,)).unwrap(), 2);
    assert_eq!(f.try_call((4,)).unwrap(), 2);
    assert_eq!(fresh.calls(), 3);
    assert_eq!(f.cache().cache_info().unwrap(), info(1, 3, 1));
    assert!(f.try_bypass((5,)).is_err());
    assert_eq!(f.cache().cache_info().unwrap().currsize, 1);
}

/// Redis's failures come back as the function's own error type.
/// A key of another type is never changed: no TTL is set on it, by a hit's
/// lookup (with or without its TTL reset) or a store, blocking or async, and
/// its value stays (issue 11: a wrong-type lookup used to set a 60 s TTL).
fn wrong_type_key_is_left_as_it_was(ctx: &Ctx) {
    let key = ctx.key("someone-elses");
    let pttl = || {
        ctx.client
            .with_connection(|con| redis::cmd("PTTL").arg(&key).query::<i64>(con))
            .unwrap()
    };
    ctx.client
        .with_connection(|con| redis::cmd("SET").arg(&key).arg("theirs").query::<()>(con))
        .unwrap();
    let every_hit = sync::RedisCache::builder(&ctx.client, &key)
        .refresh_every(Duration::ZERO)
        .build()
        .unwrap();
    let default = sync::RedisCache::new(&ctx.client, &key);
    for cache in [&every_hit, &default] {
        let err = cache.get_or_compute(&(1,), || 1).unwrap_err();
        assert_eq!(err.kind(), pottery::ErrorKind::WrongType, "{err:?}");
        let err = cache.insert(&(2,), &2).unwrap_err();
        assert_eq!(err.kind(), pottery::ErrorKind::WrongType, "{err:?}");
        assert_eq!(pttl(), -1, "a TTL was set on someone else's key");
    }
    let asynchronous = future::RedisCache::new(&ctx.client, &key);
    ctx.block_on(async {
        assert!(
            asynchronous
                .get_or_compute(&(3,), || async { 3 })
                .await
                .is_err()
        );
        assert!(asynchronous.insert(&(4,), &4).await.is_err());
    });
    assert_eq!(pttl(), -1, "a TTL was set on someone else's key");
    let value: String = ctx
        .client
        .with_connection(|con| redis::cmd("GET").arg(&key).query(con))
        .unwrap();
    assert_eq!(value, "theirs");
}

fn redis_errors_are_typed_and_name_the_key(ctx: &Ctx) {
    #[derive(Debug)]
    enum AppError {
        Redis(pottery::Error),
    }
    impl From<pottery::Error> for AppError {
        fn from(err: pottery::Error) -> Self {
            AppError::Redis(err)
        }
    }
    let key = ctx.key("string");
    ctx.client
        .with_connection(|con| redis::cmd("SET").arg(&key).arg("x").query::<()>(con))
        .unwrap();
    let f = CachedFn::new(sync::RedisCache::new(&ctx.client, &key), |n: u32| {
        Ok::<u32, AppError>(n)
    });
    let AppError::Redis(err) = f.try_call((1,)).unwrap_err();
    assert!(err.kind() == pottery::ErrorKind::WrongType, "{err:?}");
    assert_eq!(err.key(), Some(key.as_str()));
    let cache = f.cache();
    assert!(cache.get_or_compute(&(1,), || 1).unwrap_err().kind() == pottery::ErrorKind::WrongType);
    assert_eq!(
        cache.cache_info().unwrap_err().kind(),
        pottery::ErrorKind::WrongType
    );
    let flight = sync::RedisCache::builder(&ctx.client, &key)
        .single_flight(Duration::from_secs(1))
        .build()
        .unwrap();
    assert!(
        flight.get_or_compute(&(1,), || 1).unwrap_err().kind() == pottery::ErrorKind::WrongType
    );
    // Undecodable data is a decode error naming the key, not a recomputation.
    let bad = ctx.key("bad");
    ctx.client
        .with_connection(|con| {
            redis::cmd("HSET")
                .arg(&bad)
                .arg("[1]")
                .arg("{nope")
                .query::<()>(con)
        })
        .unwrap();
    let cache = sync::RedisCache::new(&ctx.client, &bad);
    let err = cache.get_or_compute(&(1,), || 1).unwrap_err();
    assert!(
        err.kind() == pottery::ErrorKind::Decode && err.key() == Some(bad.as_str()),
        "{err:?}"
    );
    let err = sync::RedisCache::builder(&ctx.client, &bad)
        .single_flight(Duration::from_secs(1))
        .build()
        .unwrap()
        .get_or_compute(&(1,), || 1)
        .unwrap_err();
    assert!(err.kind() == pottery::ErrorKind::Decode, "{err:?}");
}

fn get_insert_remove_and_expiry(ctx: &Ctx) {
    let cache = sync::RedisCache::new(&ctx.client, &ctx.key("g"));
    assert_eq!(cache.get::<_, String>(&("a",)).unwrap(), None);
    cache.insert(&("a",), "x").unwrap();
    assert_eq!(
        cache.get::<_, String>(&("a",)).unwrap().as_deref(),
        Some("x")
    );
    assert!(cache.ttl().unwrap().is_some());
    assert!(cache.remove(&("a",)).unwrap());
    assert!(!cache.remove(&("a",)).unwrap());
    assert_eq!(cache.cache_info().unwrap(), info(0, 0, 0));
    assert!(format!("{cache:?}").contains("RedisCache"));
}

/// With `refresh_every`, hits reset the TTL at most once per interval; misses
/// always do.
fn refresh_every_spaces_ttl_resets(ctx: &Ctx) {
    let key = ctx.key("slack");
    let cache = sync::RedisCache::builder(&ctx.client, &key)
        .refresh_every(Duration::from_millis(300))
        .build()
        .unwrap();
    cache.get_or_compute(&(1,), || 1).unwrap(); // a miss: stored, TTL reset
    assert_fresh_ttl(ctx, &key);
    set_ttl_ms(ctx, &key, 30_000);
    cache.get_or_compute(&(1,), || 0).unwrap(); // a hit within the interval
    assert!(ttl_ms(ctx, &key) <= 30_000);
    std::thread::sleep(Duration::from_millis(350));
    cache.get_or_compute(&(1,), || 0).unwrap(); // the first hit after it
    assert_fresh_ttl(ctx, &key);
    set_ttl_ms(ctx, &key, 30_000);
    cache.get_or_compute(&(2,), || 2).unwrap(); // a miss always resets
    assert_fresh_ttl(ctx, &key);
    assert_eq!(cache.cache_info().unwrap(), info(2, 2, 2));
    // Without a timeout nothing is reset, and a hit is a plain HGET.
    let none = sync::RedisCache::builder(&ctx.client, &ctx.key("none"))
        .timeout(None)
        .build()
        .unwrap();
    none.get_or_compute(&(1,), || 1).unwrap();
    assert_eq!(none.get_or_compute(&(1,), || 0).unwrap(), 1);
    assert_eq!(ttl_ms(ctx, none.key()), -1);
}

fn async_api(ctx: &Ctx) {
    ctx.block_on(async {
        let fresh = Fresh::default();
        let cache = future::RedisCache::new(&ctx.client, &ctx.key("a"));
        let v = cache
            .get_or_compute(&(1,), || async { fresh.next() })
            .await
            .unwrap();
        assert_eq!(
            cache.get_or_compute(&(1,), || async { 0 }).await.unwrap(),
            v
        );
        let failed = cache
            .try_get_or_compute(&(2,), || async {
                Err::<u64, _>(std::io::Error::other("no"))
            })
            .await;
        assert!(failed.is_err());
        assert_eq!(cache.bypass(&(1,), || async { 99 }).await.unwrap(), 99);
        assert_eq!(cache.get::<_, u64>(&(1,)).await.unwrap(), Some(99));
        assert_eq!(cache.cache_info().await.unwrap(), info(1, 2, 1));
        let f = CachedFn::new(cache.clone(), |n: u64| async move { n * 10 });
        assert_eq!(f.call((3,)).await.unwrap(), 30);
        assert_eq!(f.bypass((3,)).await.unwrap(), 30);
        let g = CachedFn::new(cache.clone(), |n: u64| async move {
            if n > 0 {
                Ok(n)
            } else {
                Err(std::io::Error::other("zero"))
            }
        });
        assert!(g.try_call((0,)).await.is_err());
        assert_eq!(g.try_call((5,)).await.unwrap(), 5);
        cache.cache_clear().await.unwrap();
        assert_eq!(cache.cache_info().await.unwrap(), info(0, 0, 0));
    });
}

/// `build()` rejects zero durations; `Duration::MAX` is no limit and never
/// panics.
fn builder_checks_durations(ctx: &Ctx) {
    let key = ctx.key("built");
    let builder = || sync::RedisCache::builder(&ctx.client, &key);
    for bad in [
        builder().timeout(Some(Duration::ZERO)).build(),
        builder().single_flight(Duration::ZERO).build(),
        builder().single_flight(Duration::from_micros(500)).build(),
    ] {
        assert_eq!(bad.unwrap_err().kind(), pottery::ErrorKind::Config);
    }
    let forever = builder()
        .timeout(Some(Duration::MAX))
        .single_flight(Duration::MAX)
        .refresh_every(Duration::MAX)
        .build()
        .unwrap();
    assert_eq!(forever.timeout(), None);
    assert_eq!(forever.get_or_compute(&(1,), || 1).unwrap(), 1);
    assert_eq!(forever.get_or_compute(&(1,), || 0).unwrap(), 1);
    assert_eq!(ttl_ms(ctx, &key), -1);
    let set = builder()
        .timeout(Some(Duration::from_secs(5)))
        .single_flight(Duration::from_millis(250))
        .refresh_every(Duration::ZERO)
        .build()
        .unwrap();
    assert_eq!(
        (set.timeout(), set.single_flight(), set.refresh_every()),
        (
            Some(Duration::from_secs(5)),
            Some(Duration::from_millis(250)),
            Duration::ZERO
        )
    );
}

/// A caller waiting for another's computation waits at most the lease: then
/// the claim lapses and it computes itself.
fn single_flight_waits_at_most_the_lease(ctx: &Ctx) {
    let key = ctx.key("lease");
    let lease = Duration::from_millis(300);
    let cache = sync::RedisCache::builder(&ctx.client, &key)
        .single_flight(lease)
        .build()
        .unwrap();
    std::thread::scope(|s| {
        let slow = s.spawn(|| {
            cache.get_or_compute(&(1,), || {
                std::thread::sleep(Duration::from_millis(1500));
                "slow".to_string()
            })
        });
        std::thread::sleep(Duration::from_millis(50));
        let start = Instant::now();
        let value = cache
            .get_or_compute(&(1,), || "taken over".to_string())
            .unwrap();
        let waited = start.elapsed();
        assert_eq!(value, "taken over");
        assert!(waited >= Duration::from_millis(200), "{waited:?}");
        // The lease less the 50 ms head start, one backoff pause, and room.
        assert!(
            waited < lease + Duration::from_millis(64 + 100),
            "{waited:?}"
        );
        assert_eq!(slow.join().unwrap().unwrap(), "slow");
    });
}

/// With the server frozen (SIGSTOP), a lookup fails within the response
/// timeout (+10%), blocking and async.
fn frozen_server_keeps_the_deadline(_: &Ctx) {
    let server = pottery_testkit::Server::start();
    let client = Client::builder(&server.url())
        .response_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    // Hits that do not reset the TTL are one command. A blocking *pipeline*
    // (HGET + PEXPIRE) would wait once per reply: redis-rs reads every reply of
    // a pipeline even after a timeout (known, reported; the async one does not).
    let cache = sync::RedisCache::builder(&client, "frozen")
        .refresh_every(Duration::MAX)
        .build()
        .unwrap();
    let acache = future::RedisCache::new(&client, "frozen");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    // Open the connections first: opening one is the client's deadline.
    cache.get_or_compute(&(1,), || 1).unwrap();
    runtime
        .block_on(acache.get_or_compute(&(1,), || async { 1 }))
        .unwrap();
    server.freeze();
    let start = Instant::now();
    let err = cache.get_or_compute(&(1,), || 2).unwrap_err();
    let blocking = start.elapsed();
    let start = Instant::now();
    let aerr = runtime
        .block_on(acache.get_or_compute(&(2,), || async { 2 }))
        .unwrap_err();
    let elapsed = start.elapsed();
    server.thaw();
    assert!(err.is_timeout(), "{err:?}");
    assert!(aerr.is_timeout(), "{aerr:?}");
    assert!(blocking < Duration::from_millis(330), "{blocking:?}");
    assert!(elapsed < Duration::from_millis(330), "{elapsed:?}");
}

/// 8 threads, each with its own client (as 8 processes would be), miss on the
/// same arguments at once: the value is computed once and all get it.
fn single_flight_computes_once_across_clients(ctx: &Ctx) {
    let key = ctx.key("flight");
    let computed = Arc::new(AtomicU64::new(0));
    let barrier = Barrier::new(8);
    let values: Vec<u64> = std::thread::scope(|s| {
        let running: Vec<_> = (0..8)
            .map(|_| {
                let client = ctx.env.client(ctx.target);
                let (key, computed, barrier) = (&key, &computed, &barrier);
                s.spawn(move || {
                    let cache = sync::RedisCache::builder(&client, key)
                        .single_flight(Duration::from_secs(5))
                        .build()
                        .unwrap();
                    barrier.wait();
                    cache
                        .get_or_compute(&("slow",), || {
                            std::thread::sleep(Duration::from_millis(200));
                            computed.fetch_add(1, Ordering::SeqCst) + 100
                        })
                        .unwrap()
                })
            })
            .collect();
        running.into_iter().map(|t| t.join().unwrap()).collect()
    });
    assert_eq!(computed.load(Ordering::SeqCst), 1);
    assert!(values.iter().all(|&v| v == 100), "{values:?}");
    // No claim key is left behind.
    let claim = format!("{key}{{{key}}}:flight:[\"slow\"]");
    let exists: i64 = ctx
        .client
        .with_connection(|con| redis::cmd("EXISTS").arg(&claim).query(con))
        .unwrap();
    assert_eq!(exists, 0);
}

/// Without single flight the same race computes several times: the test
/// above would catch a single flight that did nothing.
fn without_single_flight_races_compute_more_than_once(ctx: &Ctx) {
    let key = ctx.key("race");
    let computed = AtomicU64::new(0);
    let barrier = Barrier::new(4);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                let cache = sync::RedisCache::new(&ctx.client, &key);
                barrier.wait();
                cache
                    .get_or_compute(&(1,), || {
                        std::thread::sleep(Duration::from_millis(100));
                        computed.fetch_add(1, Ordering::SeqCst)
                    })
                    .unwrap();
            });
        }
    });
    assert!(computed.load(Ordering::SeqCst) > 1);
}

/// A failed computation lifts its claim at once: a waiting caller computes
/// without waiting out the lease; a claim whose holder died lapses.
fn single_flight_survives_failures(ctx: &Ctx) {
    let key = ctx.key("fail");
    let cache = sync::RedisCache::builder(&ctx.client, &key)
        .single_flight(Duration::from_secs(30))
        .build()
        .unwrap();
    let started = Instant::now();
    std::thread::scope(|s| {
        let failing = s.spawn(|| {
            cache.try_get_or_compute(&(1,), || {
                std::thread::sleep(Duration::from_millis(150));
                Err::<u64, _>(std::io::Error::other("boom"))
            })
        });
        std::thread::sleep(Duration::from_millis(50));
        let waiting = cache.try_get_or_compute(&(1,), || Ok::<u64, pottery::Error>(7));
        assert!(failing.join().unwrap().is_err());
        assert_eq!(waiting.unwrap(), 7);
    });
    assert!(started.elapsed() < Duration::from_secs(5));
    // A claim left by a dead holder: waited out, then computed.
    // The claim starts with the cache key (see `keys.md`), its slot tag after.
    let claim = format!("{key}{{{key}}}:flight:[2]");
    ctx.client
        .with_connection(|con| {
            redis::cmd("SET")
                .arg(&claim)
                .arg("dead")
                .arg("PX")
                .arg(300)
                .query::<()>(con)
        })
        .unwrap();
    let started = Instant::now();
    assert_eq!(cache.get_or_compute(&(2,), || 8).unwrap(), 8);
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(250), "{waited:?}");
    assert!(waited < Duration::from_secs(3), "{waited:?}");
}

fn single_flight_async_tasks(ctx: &Ctx) {
    ctx.block_on(async {
        let computed = Arc::new(AtomicU64::new(0));
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let cache = future::RedisCache::builder(&ctx.client, &ctx.key("af"))
                    .single_flight(Duration::from_secs(5))
                    .build()
                    .unwrap();
                let computed = Arc::clone(&computed);
                tokio::spawn(async move {
                    cache
                        .get_or_compute(&("k",), || async {
                            tokio::time::sleep(Duration::from_millis(150)).await;
                            computed.fetch_add(1, Ordering::SeqCst) + 1
                        })
                        .await
                        .unwrap()
                })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap(), 1);
        }
        assert_eq!(computed.load(Ordering::SeqCst), 1);
    });
}

const WORKER_ENV: &str = "POTTERY_CACHE_WORKER";

/// 2 OS processes (this binary, re-run) and 2 threads here race on the same
/// arguments with single flight: one computation in all, seen by everyone.
fn single_flight_across_processes(ctx: &Ctx) {
    let key = ctx.key("procs");
    let marks = ctx.key("marks");
    let exe = std::env::current_exe().unwrap();
    let spec = format!("{}\n{key}\n{marks}", ctx.url());
    let workers: Vec<_> = (0..2)
        .map(|_| {
            std::process::Command::new(&exe)
                .env(WORKER_ENV, &spec)
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let here: Vec<String> = std::thread::scope(|s| {
        let threads: Vec<_> = (0..2).map(|_| s.spawn(|| flight_worker(&spec))).collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    let mut values = here;
    for worker in workers {
        let out = worker.wait_with_output().unwrap();
        assert!(out.status.success());
        values.push(String::from_utf8(out.stdout).unwrap().trim().to_string());
    }
    let computations: i64 = ctx
        .client
        .with_connection(|con| redis::cmd("LLEN").arg(&marks).query(con))
        .unwrap();
    assert_eq!(computations, 1, "{values:?}");
    assert!(values.windows(2).all(|w| w[0] == w[1]), "{values:?}");
}

/// One racer: waits for the next 100 ms boundary (so that all start
/// together), then asks for the value; a computation leaves a mark.
fn flight_worker(spec: &str) -> String {
    let mut parts = spec.split('\n');
    let (url, key, marks) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let client = Client::open(url).unwrap();
    let cache = sync::RedisCache::builder(&client, key)
        .single_flight(Duration::from_secs(10))
        .build()
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    std::thread::sleep(Duration::from_millis(
        1000 - (now.as_millis() % 1000) as u64,
    ));
    cache
        .get_or_compute(&("v",), || {
            client
                .with_connection(|con| redis::cmd("RPUSH").arg(marks).arg(1).query::<()>(con))
                .unwrap();
            std::thread::sleep(Duration::from_millis(300));
            format!("pid {}", std::process::id())
        })
        .unwrap()
}

// ---- #[redis_cache] ----

static CLIENT: OnceLock<Client> = OnceLock::new();
static RUNS: AtomicU64 = AtomicU64::new(0);

#[pottery::redis_cache(client = CLIENT.get().expect("set by the case"), key = "macro:area")]
fn area(width: u32, height: u32) -> u32 {
    RUNS.fetch_add(1, Ordering::SeqCst);
    width * height
}

#[pottery::redis_cache(client = CLIENT.get().expect("set by the case"), key = "macro:half", timeout_secs = 0)]
fn half(n: u32) -> Result<u32, std::io::Error> {
    RUNS.fetch_add(1, Ordering::SeqCst);
    if n.is_multiple_of(2) {
        Ok(n / 2)
    } else {
        Err(std::io::Error::other("odd"))
    }
}

#[pottery::redis_cache(client = CLIENT.get().expect("set by the case"))]
fn nothing() {}

#[pottery::redis_cache(client = CLIENT.get().expect("set by the case"), key = "macro:shout", single_flight = true, lease_ms = 2000)]
async fn shout(word: String) -> pottery::Result<String> {
    RUNS.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(50)).await;
    Ok(word.to_uppercase())
}

fn macro_caches_functions(ctx: &Ctx) {
    CLIENT.get_or_init(|| ctx.client.clone());
    area_cache().unwrap().cache_clear().unwrap();
    let runs = || RUNS.load(Ordering::SeqCst);
    let before = runs();
    assert_eq!(area(3, 4).unwrap(), 12);
    assert_eq!(area(3, 4).unwrap(), 12);
    assert_eq!(runs() - before, 1);
    assert_eq!(area_no_cache(3, 4), 12);
    assert_eq!(runs() - before, 2);
    assert_eq!(area_prime_cache(3, 4).unwrap(), 12);
    assert_eq!(runs() - before, 3);
    assert_eq!(area_cache().unwrap().cache_info().unwrap(), info(1, 1, 1));
    let raw: Option<Vec<u8>> = ctx
        .client
        .with_connection(|con| {
            redis::cmd("HGET")
                .arg("macro:area")
                .arg("[3, 4]")
                .query(con)
        })
        .unwrap();
    assert_eq!(raw.as_deref(), Some(&b"12"[..]));
    assert_fresh_ttl(ctx, "macro:area");

    // A Result: errors returned, not cached; no timeout.
    assert!(half(3).is_err());
    assert!(half(3).is_err());
    assert_eq!(half(4).unwrap(), 2);
    assert_eq!(half(4).unwrap(), 2);
    assert_eq!(half_cache().unwrap().cache_info().unwrap().currsize, 1);
    assert_eq!(ttl_ms(ctx, "macro:half"), -1);
    assert!(half_prime_cache(5).is_err());

    // No arguments, no return value, a random key.
    nothing().unwrap();
    nothing().unwrap();
    let cache = nothing_cache().unwrap();
    assert!(cache.key().starts_with("pottery:"));
    assert_eq!(cache.cache_info().unwrap(), info(1, 1, 1));

    // Async, with single flight.
    ctx.block_on(async {
        let before = runs();
        let (a, b, c) = tokio::join!(shout("hi".into()), shout("hi".into()), shout("hi".into()));
        assert_eq!(
            (a.unwrap(), b.unwrap(), c.unwrap()),
            ("HI".into(), "HI".into(), "HI".into())
        );
        assert_eq!(runs() - before, 1);
        assert_eq!(shout_no_cache("x".into()).await.unwrap(), "X");
        assert_eq!(shout_prime_cache("hi".into()).await.unwrap(), "HI");
        let info = shout_cache().unwrap().cache_info().await.unwrap();
        assert_eq!((info.misses, info.currsize), (1, 1));
    });
}

pub(crate) fn suite() -> support::Suite {
    let everywhere = cases![
        test_cache,
        test_expiration,
        test_no_expiration,
        test_wrapped,
        test_bypass,
        test_cache_clear,
        test_no_cache_kwargs,
        fields_are_deterministic_and_shared,
        errors_are_not_cached,
        redis_errors_are_typed_and_name_the_key,
        wrong_type_key_is_left_as_it_was,
        get_insert_remove_and_expiry,
        refresh_every_spaces_ttl_resets,
        async_api,
        single_flight_computes_once_across_clients,
        without_single_flight_races_compute_more_than_once,
        single_flight_survives_failures,
        single_flight_async_tasks,
        builder_checks_durations,
        single_flight_waits_at_most_the_lease,
    ];
    let single = cases![
        python_reads_our_entries,
        single_flight_across_processes,
        macro_caches_functions,
        frozen_server_keeps_the_deadline,
    ];
    support::Suite::new(
        "cache",
        vec![
            (&[Target::Server, Target::Cluster], everywhere),
            (&[Target::Server], single),
        ],
    )
    .worker(WORKER_ENV, |spec| println!("{}", flight_worker(spec)))
}
