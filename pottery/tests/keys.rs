//! Keys the crate touches besides the structure's own, under a Redis ACL
//! (`~app:*`): companion keys start with the structure's key, temporary and
//! Redlock keys take a prefix, and a refusal names the key; and `close()`
//! deletes a temporary key for sure, even at the end of `main`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use pottery::{Client, Container, ErrorKind, sync};
use pottery_testkit::Server;

use crate::support::{self, Ctx, Suite, Target};

const SERVER: &[Target] = &[Target::Server];
const BOTH: &[Target] = &[Target::Server, Target::Cluster];

/// The environment variable that turns this test binary into a process that
/// makes temporary structures and exits at the end of its `main`.
const WORKER_ENV: &str = "POTTERY_TEMPORARY_WORKER";

pub(crate) fn suite() -> Suite {
    Suite::new(
        "keys",
        vec![
            (
                SERVER,
                cases![
                    test_acl_user_can_use_every_companion_key_once_configured,
                    test_acl_refusal_names_the_key,
                    test_temporary_keys_closed_at_end_of_main_are_gone,
                ],
            ),
            (BOTH, cases![test_companion_keys_start_with_the_key]),
        ],
    )
    .worker(WORKER_ENV, temporary_worker)
}

/// A server with user `app` (password `pw`) limited to `~app:*`, and user
/// `exact` limited to the keys `app:hll` and `app:cache` themselves.
fn acl_server() -> (Server, Client, Client) {
    let server = Server::start();
    let url = server.url();
    support::raw(
        &url,
        &["ACL", "SETUSER", "app", "on", ">pw", "~app:*", "+@all"],
    );
    let exact = [
        "ACL",
        "SETUSER",
        "exact",
        "on",
        ">pw",
        "~app:hll",
        "~app:cache",
    ];
    support::raw(&url, &[&exact[..], &["+@all"]].concat());
    let port = server.port();
    let app = Client::open(&format!("redis://app:pw@127.0.0.1:{port}")).unwrap();
    let exact = Client::open(&format!("redis://exact:pw@127.0.0.1:{port}")).unwrap();
    (server, app, exact)
}

/// `contains`, single flight, `temporary()` and Redlock all work for a user
/// limited to `~app:*` once the temporary and Redlock prefixes are set (the
/// companion keys need nothing: they start with the structure's key).
fn test_acl_user_can_use_every_companion_key_once_configured(_: &Ctx) {
    let (_server, app, _) = acl_server();
    let app = app.with_temporary_prefix("app:tmp:");

    let hll: sync::HyperLogLog<String> = sync::HyperLogLog::new(&app, "app:hll");
    hll.insert("a").unwrap();
    assert!(hll.contains("a").unwrap());
    assert!(!hll.contains("b").unwrap());

    let cache = sync::RedisCache::builder(&app, "app:cache")
        .single_flight(Duration::from_secs(1))
        .build()
        .unwrap();
    assert_eq!(cache.get_or_compute(&(1,), || 7).unwrap(), 7);
    assert_eq!(cache.get_or_compute(&(1,), || 8).unwrap(), 7);

    let scratch: sync::RedisSet<i64> = sync::RedisSet::temporary(&app);
    assert!(scratch.key().starts_with("app:tmp:"));
    scratch.insert(1).unwrap();
    scratch.close().unwrap();
    assert!(!scratch.exists().unwrap());

    let lock: sync::Redlock = pottery::Redlock::builder("printer")
        .master(app.clone())
        .key_prefix("app:redlock:")
        .build()
        .unwrap();
    lock.acquire().unwrap().release().unwrap();

    work_queue_companions(&app, "app:wq");

    // Async, the same keys.
    let ahll: pottery::future::HyperLogLog<String> =
        pottery::future::HyperLogLog::new(&app, "app:hll");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    assert!(runtime.block_on(ahll.contains("a")).unwrap());
}

/// Without the prefixes, or with an ACL that lists only the structure's key,
/// the refusal is a permission error naming the key Redis refused.
fn test_acl_refusal_names_the_key(_: &Ctx) {
    let (_server, app, exact) = acl_server();
    let check = |err: &pottery::Error, key: &str| {
        assert_eq!(err.kind(), ErrorKind::Authentication, "{err:?}");
        assert!(err.to_string().contains(key), "{key} not in {err}");
    };

    let scratch: sync::RedisSet<i64> = sync::RedisSet::temporary(&app);
    check(&scratch.insert(1).unwrap_err(), scratch.key());

    // A Redlock reports the quorum it missed; the cause is the refusal.
    let lock = sync::Redlock::new(&app, "printer");
    let err = lock.acquire().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::QuorumIsImpossible, "{err:?}");
    let cause = std::error::Error::source(&err).and_then(|e| e.downcast_ref::<pottery::Error>());
    check(cause.expect("the refusal as the cause"), "redlock:printer");

    let hll: sync::HyperLogLog<String> = sync::HyperLogLog::new(&exact, "app:hll");
    hll.insert("a").unwrap();
    check(
        &hll.contains("a").unwrap_err(),
        "app:hll{app:hll}:pottery-scratch:",
    );

    let cache = sync::RedisCache::builder(&exact, "app:cache")
        .single_flight(Duration::from_secs(1))
        .build()
        .unwrap();
    check(
        &cache.get_or_compute(&(1,), || 7).unwrap_err(),
        "app:cache{app:cache}:flight:",
    );
}

/// Companion keys begin with the structure's key, so a pattern covering the
/// key covers them, and they work on a cluster (same slot): a key with a tag,
/// without one, and with a `}` but no tag.
fn test_companion_keys_start_with_the_key(ctx: &Ctx) {
    for name in ["plain", "{tagged}:x", "odd}key"] {
        let key = ctx.key(name);
        let hll: sync::HyperLogLog<i64> = sync::HyperLogLog::new(&ctx.client, &key);
        hll.insert(1).unwrap();
        assert!(hll.contains(1).unwrap(), "{key}");
        assert_eq!(
            hll.contains_many([1, 2]).unwrap(),
            vec![true, false],
            "{key}"
        );
        work_queue_companions(&ctx.client, &format!("{key}-wq"));
    }
}

/// A work queue at `key` uses each of its companion keys (delayed, dedup,
/// dead, counts): they are in `key`'s slot and start with it.
fn work_queue_companions(client: &Client, key: &str) {
    let q: sync::RedisWorkQueue<i64> = pottery::RedisWorkQueue::builder(client, key)
        .max_deliveries(1)
        .build()
        .unwrap();
    q.put_delayed(1, Duration::from_millis(1)).unwrap();
    assert!(q.put_unique(2, "two").unwrap().is_added());
    std::thread::sleep(Duration::from_millis(5));
    let got = q.receive_many(2).unwrap();
    assert_eq!(got.len(), 2, "{key}");
    for d in got {
        d.nack(Duration::ZERO).unwrap(); // its one delivery: dead
    }
    let stats = q.stats().unwrap();
    assert_eq!(
        (stats.dead, stats.ready, stats.in_flight),
        (2, 0, 0),
        "{key}"
    );
    let ids: Vec<_> = q
        .dead_letters(2)
        .unwrap()
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(q.drop_dead(&ids).unwrap(), 2, "{key}");
}

/// A worker: `mode url prefix`; makes a temporary structure of several
/// kinds (mode `blocking` or `async`, the latter at the end of a
/// `#[tokio::main]`-like `block_on`), writes to each, closes each, exits.
fn temporary_worker(spec: &str) {
    let mut parts = spec.split(' ');
    let (mode, url, prefix) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let client = Client::open(url).unwrap().with_temporary_prefix(prefix);
    if mode == "blocking" {
        let set: sync::RedisSet<i64> = sync::RedisSet::temporary(&client);
        let list: sync::RedisList<i64> = sync::RedisList::temporary(&client);
        let dict: sync::RedisDict<String, i64> = sync::RedisDict::temporary(&client);
        set.insert(1).unwrap();
        list.push(1).unwrap();
        dict.insert("a", 1).unwrap();
        set.close().unwrap();
        list.close().unwrap();
        dict.close().unwrap();
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        use pottery::future;
        let set: future::RedisSet<i64> = future::RedisSet::temporary(&client);
        let list: future::RedisList<i64> = future::RedisList::temporary(&client);
        let dict: future::RedisDict<String, i64> = future::RedisDict::temporary(&client);
        set.insert(1).await.unwrap();
        list.push(1).await.unwrap();
        dict.insert("a", 1).await.unwrap();
        set.close().await.unwrap();
        list.close().await.unwrap();
        dict.close().await.unwrap();
        // The structures drop here, at the end of `main`'s future.
    });
}

/// Temporary structures closed at the end of `main` leave no key, blocking
/// or async (dropped alone, 3 of 3 async runs left theirs behind).
fn test_temporary_keys_closed_at_end_of_main_are_gone(ctx: &Ctx) {
    let url = ctx.url();
    let exe = std::env::current_exe().unwrap();
    for mode in ["blocking", "async", "async", "async"] {
        let prefix = ctx.key(&format!("tmp-{mode}-{}:", uuid::Uuid::new_v4()));
        let out = std::process::Command::new(&exe)
            .env(WORKER_ENV, format!("{mode} {url} {prefix}"))
            .output()
            .unwrap();
        assert!(out.status.success(), "worker failed: {out:?}");
        let left = support::raw(&url, &["KEYS", &format!("{prefix}*")]);
        assert_eq!(
            left,
            redis::Value::Array(vec![]),
            "{mode}: keys left behind"
        );
    }
}
