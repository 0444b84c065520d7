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

/// A number from `INFO section`, `field:N`.
fn info_number(url: &str, section: &str, field: &str) -> u64 {
    let redis::Value::BulkString(info) = raw(url, &["INFO", section]) else {
        panic!("INFO is not a string");
    };
    let info = String::from_utf8(info).unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

fn connections_received(url: &str) -> u64 {
    info_number(url, "stats", "total_connections_received")
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

/// Opens `n` pooled connections at once (each call holds its connection until
/// all have one), then gives them all back to the pool.
fn warm_pool(client: &Client, n: usize) {
    let barrier = std::sync::Barrier::new(n);
    std::thread::scope(|s| {
        for _ in 0..n {
            s.spawn(|| {
                client
                    .with_connection(|con| {
                        barrier.wait();
                        redis::cmd("PING").query::<String>(con)
                    })
                    .unwrap()
            });
        }
    });
}

fn connected_clients(url: &str) -> u64 {
    info_number(url, "clients", "connected_clients")
}

/// After a restart every idle pooled connection is broken. On main each one
/// failed its next call (16 of 40 reads with 16 idle connections); now the
/// first dropped connection takes the idle ones with it, a read is retried
/// once on a new connection, and a write fails at most once, as a lost reply.
fn pooled_connections_after_a_restart_fail_at_most_once(_: &Ctx) {
    let mut server = Server::start();
    let url = server.url();
    let client = Client::open(&url).unwrap();
    let d: RedisDict<String, i64> = RedisDict::new(&client, "d");
    for round in ["reads", "writes"] {
        warm_pool(&client, 16);
        assert_eq!(connected_clients(&url), 17, "16 pooled + INFO's own");
        server.restart();
        let started = Instant::now();
        let results: Vec<_> = (0..40)
            .map(|i| match round {
                "reads" => d.get("x").map(|_| ()),
                _ => d.insert("x", i).map(|_| ()),
            })
            .collect();
        let failed: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
        match round {
            "reads" => assert!(failed.is_empty(), "reads failed: {failed:?}"),
            _ => {
                assert!(failed.len() <= 1, "writes failed: {failed:?}");
                for err in failed {
                    assert!(
                        err.is_connection() || err.kind() == pottery::ErrorKind::OutcomeUnknown,
                        "{err:?}"
                    );
                }
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{round}: {:?}",
            started.elapsed()
        );
    }
    // Nothing stale is left: the pool holds only connections made after the restart.
    assert!(connected_clients(&url) <= 2);
}

/// A read retried after a dropped connection keeps the call's deadline: the
/// server restarts and then hangs (SIGSTOP), so the retry's new connection
/// gets no reply, and the call still ends by its deadline (+10%).
fn a_retried_read_keeps_its_deadline(_: &Ctx) {
    let mut server = Server::start();
    let timeout = Duration::from_millis(400);
    let client = Client::builder(&server.url())
        .response_timeout(timeout)
        .build()
        .unwrap();
    let d: RedisDict<String, i64> = RedisDict::new(&client, "d");
    warm_pool(&client, 4);
    server.restart();
    server.freeze();
    let started = Instant::now();
    let err = d.get("x").unwrap_err();
    let took = started.elapsed();
    server.thaw();
    assert!(err.is_timeout(), "{err:?}");
    assert!(took < timeout * 11 / 10, "{took:?}");
    assert_eq!(d.get("x").unwrap(), None);
}

/// The async side after a restart: its one multiplexed connection is
/// replaced after the first failure, so at most one call fails.
fn async_connection_after_a_restart_fails_at_most_once(_: &Ctx) {
    let mut server = Server::start();
    let client = Client::open(&server.url()).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let d: future::RedisDict<String, i64> = future::RedisDict::new(&client, "d");
    rt.block_on(d.insert("x", 1)).unwrap();
    server.restart();
    let reads: Vec<_> = (0..40).map(|_| rt.block_on(d.get("x"))).collect();
    let failed = reads.iter().filter(|r| r.is_err()).count();
    assert!(failed <= 1, "{reads:?}");
    server.restart();
    let writes: Vec<_> = (0..40).map(|i| rt.block_on(d.insert("x", i))).collect();
    let failed = writes.iter().filter(|r| r.is_err()).count();
    assert!(failed <= 1, "{writes:?}");
}

/// URLs whose secret a scan for `:` and `@` missed: no Debug, Display or
/// error source shows any of it, whether the URL parses or not.
fn no_output_shows_a_password(_: &Ctx) {
    let urls = [
        ("redis://:pa/ss@127.0.0.1:6379/0", "pa/ss"),
        ("redis://:pa/ss@127.0.0.1:6379/0", "ss@"),
        ("redis://app:12/s3cr3t@127.0.0.1:6379/0", "s3cr3t"),
        ("redis://app:s3@cr3t@127.0.0.1:1/0", "s3@cr3t"),
        ("redis://app:s3@cr3t@127.0.0.1:1/0", "cr3t"),
        ("redis://app:s3cr3t@127.0.0.1:1/0", "s3cr3t"),
        ("rediss://app:s3cr3t@127.0.0.1:1/0", "s3cr3t"),
        ("rediss://app:s3?cr3t@127.0.0.1:1/0", "cr3t"),
        ("rediss://app:1#s3cr3t@127.0.0.1:1/0", "s3cr3t"),
        ("unix:///tmp/none.sock?pass=s3cr3t", "s3cr3t"),
        ("unix:///tmp/none.sock?pass=s3&cr3t", "cr3t"),
        ("redis://:s3cr3t@[::1/0", "s3cr3t"),
        ("redis://127.0.0.1:1/0?protocol=s3cr3t", "s3cr3t"),
        ("s3cr3t", "s3cr3t"),
    ];
    let quick = |b: pottery::ClientBuilder| {
        b.connect_timeout(Duration::from_millis(200))
            .response_timeout(Duration::from_millis(300))
    };
    for (url, secret) in urls {
        let mut shown = vec![
            pottery::redact_url(url),
            format!("{:?}", Client::builder(url)),
            format!(
                "{:?}",
                Client::cluster_builder([url, "redis://127.0.0.1:1"])
            ),
        ];
        for built in [
            quick(Client::builder(url)).build(),
            quick(Client::cluster_builder([url])).build(),
        ] {
            match built {
                Ok(client) => {
                    shown.push(format!("{client:?}"));
                    // Nothing listens there: a connection error, whose text must not show it either.
                    let err = RedisDict::<String, i64>::new(&client, "d")
                        .get("x")
                        .unwrap_err();
                    shown.extend(error_texts(&err));
                }
                Err(err) => shown.extend(error_texts(&err)),
            }
        }
        for text in shown {
            assert!(!text.contains(secret), "{url}: {text}");
        }
    }
}

/// Display and Debug of `err` and of every source below it.
fn error_texts(err: &pottery::Error) -> Vec<String> {
    let mut out = vec![err.to_string(), format!("{err:?}")];
    let mut source = std::error::Error::source(err);
    while let Some(e) = source {
        out.push(e.to_string());
        out.push(format!("{e:?}"));
        source = e.source();
    }
    out
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
        pooled_connections_after_a_restart_fail_at_most_once,
        a_retried_read_keeps_its_deadline,
        async_connection_after_a_restart_fails_at_most_once,
        no_output_shows_a_password,
    ];
    support::Suite::one("client", &[Target::Server], cases)
}
