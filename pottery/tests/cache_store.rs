//! What a cached call stores: never an `Err`, also when the function's return
//! type spells `Result` through an alias; and a computed value reaches the
//! caller even when Redis cannot store it (out of memory).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use crate::support;

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use pottery::{CachedFn, Client, future, sync};
use support::{Ctx, Target};

static CLIENT: OnceLock<Client> = OnceLock::new();
static RUNS: AtomicU64 = AtomicU64::new(0);

type Fallible<T> = Result<T, String>;

#[pottery::redis_cache(client = CLIENT.get().expect("set by the case"), key = "store:alias")]
fn parse_alias(text: String) -> Fallible<u32> {
    RUNS.fetch_add(1, Ordering::SeqCst);
    text.parse().map_err(|_| format!("not a number: {text}"))
}

#[pottery::redis_cache(client = CLIENT.get().expect("set by the case"), key = "store:alias_async")]
async fn parse_alias_async(text: String) -> Fallible<u32> {
    RUNS.fetch_add(1, Ordering::SeqCst);
    text.parse().map_err(|_| format!("not a number: {text}"))
}

fn fields(client: &Client, key: &str) -> i64 {
    client
        .with_connection(|con| redis::cmd("HLEN").arg(key).query(con))
        .unwrap()
}

/// `type Fallible<T> = Result<T, String>`: the macro cannot see the `Result`
/// in the spelling, yet an `Err` is returned every time and never stored; an
/// `Ok` is stored.
fn redis_cache_alias_of_result_never_caches_err(ctx: &Ctx) {
    CLIENT.get_or_init(|| ctx.client.clone());
    parse_alias_cache().unwrap().cache_clear().unwrap();
    let runs = || RUNS.load(Ordering::SeqCst);
    let before = runs();
    for _ in 0..2 {
        assert_eq!(
            parse_alias("x".into()).unwrap(),
            Err("not a number: x".into())
        );
    }
    assert_eq!(runs() - before, 2, "the Err was served from the cache");
    assert_eq!(fields(&ctx.client, "store:alias"), 0);
    assert_eq!(parse_alias("7".into()).unwrap(), Ok(7));
    assert_eq!(parse_alias("7".into()).unwrap(), Ok(7));
    assert_eq!(runs() - before, 3);
    assert_eq!(fields(&ctx.client, "store:alias"), 1);
    // Priming with an Err stores nothing either.
    assert!(parse_alias_prime_cache("y".into()).unwrap().is_err());
    assert_eq!(fields(&ctx.client, "store:alias"), 1);

    ctx.block_on(async {
        parse_alias_async_cache()
            .unwrap()
            .cache_clear()
            .await
            .unwrap();
        let before = runs();
        for _ in 0..2 {
            assert!(parse_alias_async("x".into()).await.unwrap().is_err());
        }
        assert_eq!(runs() - before, 2);
        assert_eq!(parse_alias_async("8".into()).await.unwrap(), Ok(8));
        assert_eq!(parse_alias_async("8".into()).await.unwrap(), Ok(8));
        assert_eq!(runs() - before, 3);
    });
    assert_eq!(fields(&ctx.client, "store:alias_async"), 1);
}

static OOM_URL: OnceLock<String> = OnceLock::new();

/// From now on the private server refuses writes: out of memory.
fn run_out_of_memory() {
    let url = OOM_URL.get().expect("set by the case");
    support::raw(url, &["CONFIG", "SET", "maxmemory-policy", "noeviction"]);
    support::raw(url, &["CONFIG", "SET", "maxmemory", "1"]);
}

fn recover_memory() {
    support::raw(
        OOM_URL.get().expect("set by the case"),
        &["CONFIG", "SET", "maxmemory", "0"],
    );
}

#[pottery::redis_cache(client = Client::open(OOM_URL.get().expect("set by the case")), key = "oom:macro")]
fn oom_macro(n: u32) -> u32 {
    run_out_of_memory();
    n + 1
}

#[pottery::redis_cache(client = Client::open(OOM_URL.get().expect("set by the case")), key = "oom:macro_result")]
fn oom_macro_result(n: u32) -> pottery::Result<u32> {
    run_out_of_memory();
    Ok(n + 2)
}

/// The server runs out of memory while the value is computed (after the lookup,
/// which a claim of single flight needs to write): the store fails, and every
/// form of cached call still returns the value it computed.
fn computed_value_survives_a_failed_store(_: &Ctx) {
    let server = pottery_testkit::Server::start();
    OOM_URL.get_or_init(|| server.url());
    let client = Client::open(&server.url()).unwrap();
    let lease = Duration::from_secs(5);
    let plain = sync::RedisCache::new(&client, "oom:plain");
    let flight = sync::RedisCache::builder(&client, "oom:flight")
        .single_flight(lease)
        .build()
        .unwrap();
    for (name, cache) in [("plain", &plain), ("single flight", &flight)] {
        let got = cache.get_or_compute(&(1,), || {
            run_out_of_memory();
            41
        });
        recover_memory();
        assert_eq!(got.unwrap(), 41, "{name}");
        let tried = cache.try_get_or_compute(&(2,), || {
            run_out_of_memory();
            Ok::<_, pottery::Error>(42)
        });
        recover_memory();
        assert_eq!(tried.unwrap(), 42, "{name}");
        let primed = cache.bypass(&(3,), || {
            run_out_of_memory();
            43
        });
        recover_memory();
        assert_eq!(primed.unwrap(), 43, "{name}");
        assert_eq!(
            fields(&client, cache.key()),
            0,
            "{name}: the store did not fail"
        );
    }
    let f = CachedFn::new(sync::RedisCache::new(&client, "oom:fn"), |n: u32| {
        run_out_of_memory();
        n * 2
    });
    let doubled = f.call((5,));
    recover_memory();
    assert_eq!(doubled.unwrap(), 10);
    let macro_value = oom_macro(1);
    recover_memory();
    assert_eq!(macro_value.unwrap(), 2);
    let macro_result = oom_macro_result(1);
    recover_memory();
    assert_eq!(macro_result.unwrap(), 3);

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let plain = future::RedisCache::new(&client, "oom:aplain");
        let flight = future::RedisCache::builder(&client, "oom:aflight")
            .single_flight(lease)
            .build()
            .unwrap();
        for cache in [&plain, &flight] {
            let got = cache
                .get_or_compute(&(1,), || async {
                    run_out_of_memory();
                    51
                })
                .await;
            recover_memory();
            assert_eq!(got.unwrap(), 51);
            assert_eq!(fields(&client, cache.key()), 0);
        }
    });
    // With memory back, the next call computes and stores.
    assert_eq!(plain.get_or_compute(&(1,), || 61).unwrap(), 61);
    assert_eq!(plain.get_or_compute(&(1,), || 0).unwrap(), 61);
}

pub(crate) fn suite() -> support::Suite {
    let shared = cases![redis_cache_alias_of_result_never_caches_err];
    let own = cases![computed_value_survives_a_failed_store];
    support::Suite::new(
        "cache_store",
        vec![(&[Target::Server], shared), (&[Target::Server], own)],
    )
}
