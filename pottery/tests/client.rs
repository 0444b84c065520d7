//! The connection handle: URLs, databases, passwords, Unix sockets, connection
//! reuse, timeouts and unreachable servers. Each case starts the servers it needs.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::type_complexity,
    missing_docs
)]

use crate::support;

use std::time::{Duration, Instant};

use pottery::{Client, future, sync::RedisDict};
use pottery_testkit::Server;
use support::{Ctx, Target, raw};

fn connections_received(url: &str) -> u64 {
    let redis::Value::BulkString(info) = raw(url, &["INFO", "stats"]) else {
        panic!("INFO is not a string");
    };
    let info = String::from_utf8(info).unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix("total_connections_received:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

fn blocking_path_reuses_connections(_: &Ctx) {
    let server = Server::start(); // its own: other cases would add connections
    let url = server.url();
    let client = Client::open(&url).unwrap();
    let before = connections_received(&url);
    let d: RedisDict<String, i64> = RedisDict::new(&client, "d");
    for i in 0..200 {
        d.insert("k", i).unwrap();
        assert_eq!(d.get("k").unwrap(), Some(i));
    }
    let opened = connections_received(&url) - before - 1; // minus our INFO connection
    assert!(
        opened <= 1,
        "400 blocking operations opened {opened} connections"
    );
}

fn async_path_shares_one_connection(ctx: &Ctx) {
    let server = Server::start();
    let url = server.url();
    let before = connections_received(&url);
    let client = Client::open(&url).unwrap();
    let key = ctx.key("d");
    ctx.block_on(async move {
        let d: future::RedisDict<String, i64> = future::RedisDict::new(&client, &key);
        let tasks: Vec<_> = (0..16)
            .map(|i| {
                let d = d.clone();
                tokio::spawn(async move {
                    for j in 0..20 {
                        d.insert(format!("k{i}"), j).await.unwrap();
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(d.len().await.unwrap(), 16);
    });
    let opened = connections_received(&url) - before - 1;
    assert!(
        opened <= 1,
        "320 concurrent async operations opened {opened} connections"
    );
}

fn database_number_in_url(ctx: &Ctx) {
    let url = ctx.url().replace("/0", "/3");
    let client = Client::open(&url).unwrap();
    let d: RedisDict<String, i64> = RedisDict::new(&client, &ctx.key("d"));
    d.insert("x", 1).unwrap();
    let in_db0 = raw(&ctx.url(), &["EXISTS", &ctx.key("d")]);
    let in_db3 = raw(&url, &["EXISTS", &ctx.key("d")]);
    assert_eq!(
        (in_db0, in_db3),
        (redis::Value::Int(0), redis::Value::Int(1))
    );
}

fn passwords_and_users(_: &Ctx) {
    let server = Server::start();
    let port = server.port();
    raw(
        &server.url(),
        &["ACL", "SETUSER", "app", "on", ">s3cr3t-pw", "~*", "+@all"],
    );
    raw(
        &server.url(),
        &["CONFIG", "SET", "requirepass", "d3fault-pw"],
    );

    let good = Client::open(&format!("redis://app:s3cr3t-pw@127.0.0.1:{port}/0")).unwrap();
    assert!(!format!("{good:?}").contains("s3cr3t"));
    let d: RedisDict<String, i64> = RedisDict::new(&good, "d");
    d.insert("x", 1).unwrap();
    let default_user = Client::open(&format!("redis://:d3fault-pw@127.0.0.1:{port}")).unwrap();
    assert_eq!(
        RedisDict::<String, i64>::new(&default_user, "d")
            .get("x")
            .unwrap(),
        Some(1)
    );

    let bad = Client::open(&format!("redis://app:wr0ng-pw@127.0.0.1:{port}/0")).unwrap();
    let err = RedisDict::<String, i64>::new(&bad, "d")
        .get("x")
        .unwrap_err();
    for text in [err.to_string(), format!("{err:?}"), format!("{bad:?}")] {
        assert!(!text.contains("wr0ng-pw"), "password leaked: {text}");
    }
}

fn unix_socket_url(_: &Ctx) {
    let server = Server::start_unix();
    assert!(server.url().starts_with("unix://"));
    let client = Client::open(&server.url()).unwrap();
    let d: RedisDict<String, i64> = RedisDict::new(&client, "d");
    d.insert("x", 1).unwrap();
    assert_eq!(d.get("x").unwrap(), Some(1));
}

fn tls_url(_: &Ctx) {
    let server = Server::start_tls();
    assert!(server.url().starts_with("rediss://"));
    let client = Client::open(&server.url()).unwrap();
    let d: RedisDict<String, i64> = RedisDict::new(&client, "d");
    d.insert("x", 1).unwrap();
    assert_eq!(d.get("x").unwrap(), Some(1));
    let got = support_block_on(async {
        future::RedisDict::<String, i64>::new(&client, "d")
            .get("x")
            .await
            .unwrap()
    });
    assert_eq!(got, Some(1));
}

fn unreachable_server_is_a_connection_error(_: &Ctx) {
    let mut server = Server::start();
    let url = server.url();
    server.stop();
    let client = Client::builder(&url)
        .connect_timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let d: RedisDict<String, i64> = RedisDict::new(&client, "d");
    let err = d.get("x").unwrap_err();
    assert!(err.is_connection(), "{err:?}");
    let err = support_block_on(async {
        let d: future::RedisDict<String, i64> = future::RedisDict::new(&client, "d");
        d.get("x").await.unwrap_err()
    });
    assert!(err.is_connection(), "{err:?}");
}

fn frozen_server_times_out(_: &Ctx) {
    let server = Server::start();
    let client = Client::builder(&server.url())
        .connect_timeout(Duration::from_millis(500))
        .response_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let d: RedisDict<String, i64> = RedisDict::new(&client, "d");
    d.insert("x", 1).unwrap();
    // One async client connected before the freeze, one that connects during it.
    let connected = client.clone();
    support_block_on(async {
        future::RedisDict::<String, i64>::new(&connected, "d")
            .len()
            .await
            .unwrap()
    });
    let fresh = Client::builder(&server.url())
        .connect_timeout(Duration::from_millis(500))
        .response_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    server.freeze();
    let started = Instant::now();
    let err = d.get("x").unwrap_err();
    assert!(err.is_timeout() && err.is_connection(), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    for async_client in [&connected, &fresh] {
        let started = Instant::now();
        let err = support_block_on(async {
            let d: future::RedisDict<String, i64> = future::RedisDict::new(async_client, "d");
            d.get("x").await.unwrap_err()
        });
        assert!(err.is_timeout() && err.is_connection(), "{err:?}");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
    }
    server.thaw();
    // The blocking path drops the broken connection and recovers.
    assert_eq!(d.get("x").unwrap(), Some(1));
}

fn independent_masters(_: &Ctx) {
    let masters = pottery_testkit::Masters::start(3);
    let urls = masters.urls();
    assert_eq!(urls.len(), 3);
    let dicts: Vec<RedisDict<String, i64>> = urls
        .iter()
        .map(|url| RedisDict::new(&Client::open(url).unwrap(), "d"))
        .collect();
    dicts[0].insert("only-on-first", 1).unwrap();
    assert!(dicts[0].contains_key("only-on-first").unwrap());
    assert!(!dicts[1].contains_key("only-on-first").unwrap());
    assert!(!dicts[2].contains_key("only-on-first").unwrap());
}

fn reconnects_after_a_server_restart(_: &Ctx) {
    let mut server = Server::start();
    let client = Client::open(&server.url()).unwrap();
    let d: RedisDict<String, i64> = RedisDict::new(&client, "d");
    d.insert("x", 1).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let ad: future::RedisDict<String, i64> = future::RedisDict::new(&client, "d");
    assert_eq!(rt.block_on(ad.get("x")).unwrap(), Some(1));
    server.restart(); // same port, empty
    // The first use of each broken connection may fail; after that both recover.
    let blocking: Vec<_> = (0..3).map(|_| d.get("x")).collect();
    let asynchronous: Vec<_> = (0..3).map(|_| rt.block_on(ad.get("x"))).collect();
    for (name, results) in [("blocking", blocking), ("async", asynchronous)] {
        let failed = results.iter().filter(|r| r.is_err()).count();
        assert!(failed <= 1, "{name}: {results:?}");
        assert!(
            matches!(results.last(), Some(Ok(None))),
            "{name}: {results:?}"
        );
    }
}

fn bad_urls_are_config_errors(_: &Ctx) {
    for url in ["nope://host", "redis://:pw@host:notaport", ""] {
        let err = Client::open(url).unwrap_err();
        assert_eq!(err.kind(), pottery::ErrorKind::Config, "{url}: {err:?}");
        assert!(!err.to_string().contains(":pw@"), "{err}");
    }
}

fn from_env_reads_redis_url(ctx: &Ctx) {
    // REDIS_URL is set by main before any thread starts.
    let client = Client::from_env().unwrap();
    let d: RedisDict<String, i64> = RedisDict::new(&client, &ctx.key("env"));
    d.insert("x", 7).unwrap();
    let url = std::env::var("REDIS_URL").unwrap();
    assert_eq!(
        raw(&url, &["HGET", &ctx.key("env"), "\"x\""]),
        redis::Value::BulkString(b"7".to_vec())
    );
}

fn support_block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

pub(crate) fn suite() -> support::Suite {
    // REDIS_URL (for `from_env_reads_redis_url`) names the run's single server:
    // `support::run_suites` sets it before any thread exists.
    let cases = cases![
        blocking_path_reuses_connections,
        async_path_shares_one_connection,
        database_number_in_url,
        passwords_and_users,
        unix_socket_url,
        tls_url,
        unreachable_server_is_a_connection_error,
        frozen_server_times_out,
        bad_urls_are_config_errors,
        independent_masters,
        reconnects_after_a_server_restart,
        from_env_reads_redis_url,
    ];
    support::Suite::one("client", &[Target::Server], cases)
}
