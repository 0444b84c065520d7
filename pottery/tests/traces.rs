//! The `tracing` feature: a debug span per operation with its structure,
//! key, command or script, mode, time and outcome; warn events for failures
//! in the background. Captured by a small recording subscriber, installed as
//! the default of the test's thread (background tasks and threads carry it).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pottery::{Client, future, sync};
use pottery_testkit::Server;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

use crate::support::{self, Ctx, Suite, Target};

pub(crate) fn suite() -> Suite {
    Suite::one(
        "traces",
        &[Target::Server],
        cases![
            test_each_operation_has_a_span_with_its_fields,
            test_failed_temporary_key_deletion_is_a_warning,
            test_failed_async_guard_release_is_a_warning,
            test_failed_watchdog_renewal_is_a_warning,
            test_broken_connection_is_a_warning,
            test_failed_cache_store_is_a_warning,
        ],
    )
}

type Fields = BTreeMap<String, String>;

/// Every span's fields (by id) and every event's (with its level).
#[derive(Clone, Default)]
struct Recorder {
    next: Arc<AtomicU64>,
    spans: Arc<Mutex<BTreeMap<u64, Fields>>>,
    events: Arc<Mutex<Vec<(Level, Fields)>>>,
}

struct Into<'a>(&'a mut Fields);

impl Visit for Into<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let mut fields = Fields::new();
        fields.insert("name".into(), span.metadata().name().into());
        fields.insert("level".into(), span.metadata().level().to_string());
        span.record(&mut Into(&mut fields));
        self.spans.lock().unwrap().insert(id, fields);
        Id::from_u64(id)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        if let Some(fields) = self.spans.lock().unwrap().get_mut(&span.into_u64()) {
            values.record(&mut Into(fields));
        }
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields::new();
        event.record(&mut Into(&mut fields));
        self.events
            .lock()
            .unwrap()
            .push((*event.metadata().level(), fields));
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

impl Recorder {
    /// The spans on `key`.
    fn spans_on(&self, key: &str) -> Vec<Fields> {
        let spans = self.spans.lock().unwrap();
        spans
            .values()
            .filter(|f| f.get("key").map(String::as_str) == Some(key))
            .cloned()
            .collect()
    }

    /// Whether a warn event's message contains `text` (and its fields `with`).
    fn warned(&self, text: &str, with: &str) -> bool {
        let events = self.events.lock().unwrap();
        events.iter().any(|(level, f)| {
            *level == Level::WARN
                && f.get("message").is_some_and(|m| m.contains(text))
                && f.values().any(|v| v.contains(with))
        })
    }
}

/// Runs `f` with a fresh recorder as this thread's subscriber.
fn recorded(f: impl FnOnce()) -> Recorder {
    let recorder = Recorder::default();
    tracing::subscriber::with_default(recorder.clone(), f);
    recorder
}

fn quick(server: &Server) -> Client {
    Client::builder(&server.url())
        .response_timeout(Duration::from_millis(200))
        .connect_timeout(Duration::from_millis(200))
        .build()
        .unwrap()
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn test_each_operation_has_a_span_with_its_fields(ctx: &Ctx) {
    let key = ctx.key("dict");
    let hll_key = ctx.key("hll");
    let string = ctx.key("string");
    support::raw(&ctx.url(), &["SET", &string, "x"]);
    let recorder = recorded(|| {
        let dict: sync::RedisDict<String, i64> = sync::RedisDict::new(&ctx.client, &key);
        dict.insert("a", 1).unwrap();
        let wrong: sync::RedisDict<String, i64> = sync::RedisDict::new(&ctx.client, &string);
        wrong.get("a").unwrap_err();
        current_thread().block_on(async {
            let hll: future::HyperLogLog<i64> = future::HyperLogLog::new(&ctx.client, &hll_key);
            hll.insert(1).await.unwrap();
            assert!(hll.contains(1).await.unwrap());
        });
    });
    let spans = recorder.spans_on(&key);
    let insert = spans
        .iter()
        .find(|f| f["command"] == "HSET")
        .expect("an HSET span");
    assert_eq!(insert["name"], "pottery.op");
    assert_eq!(insert["level"], "DEBUG");
    assert_eq!(insert["structure"], "RedisDict");
    assert_eq!(insert["mode"], "blocking");
    assert_eq!(insert["outcome"], "ok");
    assert!(insert["elapsed_us"].parse::<u64>().is_ok(), "{insert:?}");
    let wrong = recorder.spans_on(&string);
    assert!(
        wrong
            .iter()
            .any(|f| f["command"] == "HGET" && f["outcome"] == "WrongType"),
        "{wrong:?}"
    );
    let hll = recorder.spans_on(&hll_key);
    let contains = hll
        .iter()
        .find(|f| f["command"] == "hyperloglog/contains.lua")
        .expect("a script span");
    assert_eq!(contains["structure"], "HyperLogLog");
    assert_eq!(contains["mode"], "async");
    assert_eq!(contains["outcome"], "ok");
}

fn test_failed_temporary_key_deletion_is_a_warning(_: &Ctx) {
    let mut server = Server::start();
    let client = quick(&server);
    let mut key = String::new();
    let recorder = recorded(|| {
        let set: sync::RedisSet<i64> = sync::RedisSet::temporary(&client);
        set.insert(1).unwrap();
        key = set.key().to_owned();
        server.stop();
        drop(set);
    });
    assert!(
        recorder.warned("temporary key was not deleted", &key),
        "{:?}",
        recorder.events
    );
}

fn test_failed_async_guard_release_is_a_warning(_: &Ctx) {
    let server = Server::start();
    let client = quick(&server);
    let recorder = recorded(|| {
        current_thread().block_on(async {
            let lock = future::Redlock::builder("printer")
                .master(client.clone())
                .request_timeout(Duration::from_millis(100))
                .build()
                .unwrap();
            let guard = lock.acquire().await.unwrap();
            server.freeze();
            drop(guard);
            tokio::time::sleep(Duration::from_millis(400)).await;
        });
    });
    server.thaw();
    assert!(
        recorder.warned("Redlock guard was not released", "redlock:printer"),
        "{:?}",
        recorder.events
    );
}

fn test_failed_watchdog_renewal_is_a_warning(_: &Ctx) {
    let server = Server::start();
    let client = quick(&server);
    let recorder = recorded(|| {
        let lock = sync::Redlock::builder("printer")
            .master(client.clone())
            .auto_release_time(Duration::from_millis(900))
            .watchdog_interval(Duration::from_millis(150))
            .request_timeout(Duration::from_millis(50))
            .build()
            .unwrap();
        let guard = lock.acquire().unwrap();
        server.freeze();
        std::thread::sleep(Duration::from_millis(500));
        server.thaw();
        drop(guard);
    });
    assert!(
        recorder.warned("watchdog renewal failed", "redlock:printer"),
        "{:?}",
        recorder.events
    );
}

fn test_broken_connection_is_a_warning(_: &Ctx) {
    let mut server = Server::start();
    let client = quick(&server);
    let recorder = recorded(|| {
        let dict: sync::RedisDict<String, i64> = sync::RedisDict::new(&client, "d");
        dict.insert("a", 1).unwrap();
        let runtime = current_thread();
        let adict: future::RedisDict<String, i64> = future::RedisDict::new(&client, "d");
        runtime.block_on(adict.insert("a", 1)).unwrap();
        server.restart();
        // Each may fail once on its broken connection, then reconnects.
        for _ in 0..2 {
            let _ = dict.len();
            let _ = runtime.block_on(adict.len());
        }
        assert_eq!(dict.len().unwrap(), 0);
    });
    assert!(
        recorder.warned("connection failed and is dropped", ""),
        "{:?}",
        recorder.events
    );
    assert!(
        recorder.warned("async connection broke", ""),
        "{:?}",
        recorder.events
    );
}

/// A computed value the cache could not store (the server is out of memory)
/// is still returned, and the failed store is a warning naming the cache.
fn test_failed_cache_store_is_a_warning(_: &Ctx) {
    let server = Server::start();
    let client = quick(&server);
    let url = server.url();
    let cache = sync::RedisCache::new(&client, "traces:cache");
    let recorder = recorded(|| {
        let got = cache.get_or_compute(&(1,), || {
            support::raw(&url, &["CONFIG", "SET", "maxmemory-policy", "noeviction"]);
            support::raw(&url, &["CONFIG", "SET", "maxmemory", "1"]);
            7
        });
        assert_eq!(got.unwrap(), 7);
    });
    support::raw(&url, &["CONFIG", "SET", "maxmemory", "0"]);
    assert!(
        recorder.warned("was not stored in the cache", "traces:cache"),
        "{:?}",
        recorder.events
    );
}
