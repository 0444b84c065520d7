//! Errors as callers see them: what kind (authentication, out of memory, wrong
//! type by its code, outcome unknown vs a plain timeout), which key, a message
//! that leaves the cause to `source()`, and quorum errors that count every
//! master. Cases that change a server's configuration start their own.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use crate::support;

use std::error::Error as _;
use std::time::Duration;

use pottery::{Client, ErrorKind, future, sync};
use pottery_testkit::Server;
use support::{Ctx, Target, raw};

/// A port nothing listens on: connecting is refused at once.
fn refused_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("redis://127.0.0.1:{port}/0")
}

fn quick(url: &str, response: Duration) -> Client {
    Client::builder(url)
        .connect_timeout(Duration::from_millis(500))
        .response_timeout(response)
        .build()
        .unwrap()
}

/// Every message of `err`'s chain, outermost first.
fn chain(err: &pottery::Error) -> Vec<String> {
    let mut out = vec![err.to_string()];
    let mut next = err.source();
    while let Some(cause) = next {
        out.push(cause.to_string());
        next = cause.source();
    }
    out
}

/// Asserts that no pottery error of `err`'s chain repeats the message of the
/// error below it (redis-rs's own errors repeat their io cause; not ours to fix).
fn assert_no_repeats(err: &pottery::Error) {
    let mut outer: &(dyn std::error::Error + 'static) = err;
    while let Some(cause) = outer.source() {
        if outer.is::<pottery::Error>() {
            let (o, c) = (outer.to_string(), cause.to_string());
            assert!(!o.contains(&c), "{o:?} repeats its cause {c:?}");
        }
        outer = cause;
    }
}

fn wrong_password_is_an_authentication_error(ctx: &Ctx) {
    let server = Server::start();
    let url = server.url();
    raw(&url, &["CONFIG", "SET", "requirepass", "hunter2"]);
    let port = server.port();
    let key = ctx.key("d");
    for url in [
        format!("redis://:swordfish@127.0.0.1:{port}/0"), // WRONGPASS
        format!("redis://127.0.0.1:{port}/0"),            // NOAUTH
    ] {
        let client = quick(&url, Duration::from_secs(2));
        let err = sync::RedisDict::<String, i64>::new(&client, &key)
            .insert("a", 1)
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Authentication, "{err:?}");
        assert!(!err.is_connection(), "a retry loop must not spin: {err}");
        assert_eq!(err.key(), Some(key.as_str()), "{err}");
        for text in chain(&err).into_iter().chain([format!("{err:?}")]) {
            assert!(!text.contains("swordfish"), "password shown: {text}");
        }
        let err = ctx.block_on(async {
            future::RedisDict::<String, i64>::new(&client, &key)
                .len()
                .await
                .unwrap_err()
        });
        assert_eq!(err.kind(), ErrorKind::Authentication, "{err:?}");
        assert_eq!(err.key(), Some(key.as_str()), "async: {err}");
    }
    let good = quick(
        &format!("redis://:hunter2@127.0.0.1:{port}/0"),
        Duration::from_secs(2),
    );
    assert_eq!(
        sync::RedisDict::<String, i64>::new(&good, &key)
            .len()
            .unwrap(),
        0
    );
}

fn out_of_memory_names_the_key(ctx: &Ctx) {
    let server = Server::start();
    let url = server.url();
    raw(&url, &["CONFIG", "SET", "maxmemory", "1mb"]);
    raw(&url, &["CONFIG", "SET", "maxmemory-policy", "noeviction"]);
    let client = Client::open(&url).unwrap();
    let key = ctx.key("big");
    let dict = sync::RedisDict::<String, String>::new(&client, &key);
    let value = "x".repeat(64 * 1024);
    let err = (0..200)
        .find_map(|i| dict.insert(format!("f{i}"), value.as_str()).err())
        .expect("1 MB of maxmemory never ran out");
    assert_eq!(err.kind(), ErrorKind::OutOfMemory, "{err:?}");
    assert_eq!(err.key(), Some(key.as_str()));
    assert!(!err.is_connection());
    // A script's write (get_or_insert) is refused the same way.
    let err = dict.get_or_insert("new", value.as_str()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutOfMemory, "script: {err:?}");
    assert_eq!(err.key(), Some(key.as_str()));
    let err = ctx.block_on(async {
        future::RedisList::<String>::new(&client, &ctx.key("l"))
            .push(value.as_str())
            .await
            .unwrap_err()
    });
    assert_eq!(err.kind(), ErrorKind::OutOfMemory, "{err:?}");
    assert_eq!(err.key(), Some(ctx.key("l").as_str()));
}

fn wrong_type_is_found_by_its_code(ctx: &Ctx) {
    let key = ctx.key("s");
    ctx.client
        .with_connection(|con| redis::cmd("SET").arg(&key).arg("v").query::<()>(con))
        .unwrap();
    let dict = sync::RedisDict::<String, i64>::new(&ctx.client, &key);
    let expect = "wrong type at key `{k}`: holds a string, not a hash".replace("{k}", &key);
    // A command (HGET), a script (the remove script).
    for err in [dict.get("a").unwrap_err(), dict.remove("a").unwrap_err()] {
        assert_eq!(err.kind(), ErrorKind::WrongType, "{err:?}");
        assert_eq!(err.to_string(), expect);
    }
    // The cache's store: an atomic pipeline (MULTI/EXEC) on one server, a
    // script on a cluster; WRONGTYPE is inside either.
    let cache = sync::RedisCache::new(&ctx.client, &key);
    let err = cache.insert(&("a",), &1).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WrongType, "{err:?}");
    assert_eq!(err.to_string(), expect);
    let err = ctx.block_on(async {
        let cache = future::RedisCache::new(&ctx.client, &key);
        cache.insert(&("a",), &1).await.unwrap_err()
    });
    assert_eq!(err.kind(), ErrorKind::WrongType, "async: {err:?}");
    assert_eq!(err.key(), Some(key.as_str()));
}

fn async_errors_name_the_key(ctx: &Ctx) {
    let client = match ctx.target {
        Target::Server => quick(&refused_url(), Duration::from_secs(1)),
        Target::Cluster => Client::cluster_builder([refused_url()])
            .connect_timeout(Duration::from_millis(500))
            .response_timeout(Duration::from_secs(1))
            .build()
            .unwrap(),
    };
    let key = ctx.key("d");
    let err = ctx.block_on(async {
        future::RedisDict::<String, i64>::new(&client, &key)
            .insert("a", 1)
            .await
            .unwrap_err()
    });
    assert_eq!(err.key(), Some(key.as_str()), "{err}");
    // Refused before anything was sent: a plain connection error, even for a write.
    assert_eq!(err.kind(), ErrorKind::Connection, "{err:?}");
    assert!(err.is_connection() && !err.is_timeout(), "{err:?}");
    let err = sync::RedisDict::<String, i64>::new(&client, &key)
        .insert("a", 1)
        .unwrap_err();
    assert_eq!(err.key(), Some(key.as_str()), "{err}");
    assert_eq!(err.kind(), ErrorKind::Connection, "{err:?}");
}

/// A write whose reply is lost (the server frozen after it was sent) has an
/// unknown outcome, and indeed applies once the server wakes; a read that
/// times out is a plain timeout.
fn lost_write_reply_is_outcome_unknown(ctx: &Ctx) {
    let server = Server::start();
    let client = quick(&server.url(), Duration::from_millis(300));
    let key = ctx.key("d");
    let dict = sync::RedisDict::<String, i64>::new(&client, &key);
    let aio = future::RedisDict::<String, i64>::new(&client, &key);
    dict.insert("warm", 0).unwrap(); // connections open: the next request is sent at once
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(aio.len()).unwrap();
    server.freeze();
    let write = dict.insert("a", 1).unwrap_err();
    let read = dict.get("a").unwrap_err();
    let async_write = runtime.block_on(aio.insert("b", 2)).unwrap_err();
    let async_read = runtime.block_on(aio.len()).unwrap_err();
    server.thaw();
    for (err, what) in [(&write, "blocking"), (&async_write, "async")] {
        assert_eq!(err.kind(), ErrorKind::OutcomeUnknown, "{what}: {err:?}");
        assert!(err.is_timeout() && err.is_connection(), "{what}: {err:?}");
        assert_eq!(err.key(), Some(key.as_str()));
        assert!(
            err.to_string().starts_with("outcome unknown at key"),
            "{err}"
        );
    }
    for (err, what) in [(&read, "blocking"), (&async_read, "async")] {
        assert_eq!(err.kind(), ErrorKind::Connection, "{what}: {err:?}");
        assert!(err.is_timeout(), "{what}: {err:?}");
        assert_eq!(err.key(), Some(key.as_str()));
    }
    // Both writes reached the server: "unknown" was the truth.
    let after = Client::open(&server.url()).unwrap();
    let dict = sync::RedisDict::<String, i64>::new(&after, &key);
    let applied = (0..50).any(|_| {
        std::thread::sleep(Duration::from_millis(20));
        dict.get("a").unwrap() == Some(1) && dict.get("b").unwrap() == Some(2)
    });
    assert!(applied, "{:?}", dict.len());
}

fn display_leaves_the_cause_to_source(ctx: &Ctx) {
    let client = quick(&refused_url(), Duration::from_secs(1));
    let key = ctx.key("d");
    let err = sync::RedisDict::<String, i64>::new(&client, &key)
        .len()
        .unwrap_err();
    let messages = chain(&err);
    assert!(messages.len() >= 2, "no cause: {messages:?}");
    assert!(messages[0].contains(&format!("`{key}`")), "{messages:?}");
    assert_no_repeats(&err);
    // A quorum error: its cause, the first master's error, is one level down.
    let lock = sync::Redlock::builder("printer")
        .master(client)
        .raise_on_redis_errors(true)
        .build()
        .unwrap();
    let err = lock.acquire().unwrap_err();
    let messages = chain(&err);
    assert!(messages.len() >= 3, "{messages:?}");
    assert!(err.source().unwrap().is::<pottery::Error>(), "{messages:?}");
    assert_no_repeats(&err);
}

fn quorum_errors_count_every_master(ctx: &Ctx) {
    let clients: Vec<Client> = (0..3)
        .map(|_| quick(&refused_url(), Duration::from_secs(1)))
        .collect();
    let lock = sync::Redlock::builder(&ctx.key("printer"))
        .masters(clients.iter().cloned())
        .build()
        .unwrap();
    for _ in 0..5 {
        let err = lock.acquire().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::QuorumIsImpossible, "{err:?}");
        assert!(err.to_string().contains("3 of 3 masters"), "{err}");
        assert_eq!(err.key(), Some(lock.key()));
    }
    let aio = future::Redlock::builder(&ctx.key("printer"))
        .masters(clients.iter().cloned())
        .build()
        .unwrap();
    let err = ctx.block_on(aio.acquire()).map(drop).unwrap_err();
    assert!(err.to_string().contains("3 of 3 masters"), "async: {err}");
    let ids = sync::NextId::builder()
        .key(&ctx.key("ids"))
        .masters(clients.iter().cloned())
        .build()
        .unwrap();
    let err = ids.next().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::QuorumIsImpossible, "{err:?}");
    assert!(err.to_string().contains("3 of 3 masters"), "{err}");
}

fn redis_errors_convert(_: &Ctx) {
    let raw = redis::RedisError::from(std::io::Error::from(std::io::ErrorKind::ConnectionReset));
    let err = pottery::Error::from(raw);
    assert_eq!(err.kind(), ErrorKind::Connection);
    assert!(err.is_connection() && !err.is_timeout());
    // The re-export is the crate pottery uses: its types are the same.
    let cmd: pottery::redis::Cmd = redis::cmd("PING");
    drop(cmd);
}

pub(crate) fn suite() -> support::Suite {
    let own_server = cases![
        wrong_password_is_an_authentication_error,
        out_of_memory_names_the_key,
        lost_write_reply_is_outcome_unknown,
        display_leaves_the_cause_to_source,
        quorum_errors_count_every_master,
        redis_errors_convert,
    ];
    let everywhere = cases![wrong_type_is_found_by_its_code, async_errors_name_the_key];
    support::Suite::new(
        "errors",
        vec![
            (&[Target::Server], own_server),
            (&[Target::Server, Target::Cluster], everywhere),
        ],
    )
}
