//! CachedOrderedDict, on one server and on a 3-master cluster, and against
//! Python's pottery.
//!
//! The first group ports every `TestCachedOrderedDict` case of Python pottery
//! 3.0.1's `tests/test_cache.py` (named after it); the rest covers the TTL
//! refresh of every write, setdefault under contention, errors, round trips,
//! the async API, and interop with Python in both directions.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::type_complexity,
    missing_docs
)]

use crate::support;

use std::collections::HashMap;
use std::time::Duration;

use pottery::sync::{CachedOrderedDict, RedisDict};
use pottery::{Container, future};
use pottery_testkit::python;
use serde_json::{Value, json};
use support::{Ctx, Target};

type Cod = CachedOrderedDict<String, String>;

const KEY_EXPIRATION: &str = "cached-ordereddict-expiration";
const KEY_NO_EXPIRATION: &str = "cached-ordereddict-no-expiration";
const SIX: [&str; 6] = ["hit1", "miss1", "hit2", "miss2", "hit3", "miss3"];

/// pottery's fixture: both keys get three hits, then are hydrated again with
/// the three hits and three misses (the first with the default timeout, the
/// second with none).
struct Setup {
    expiration: Cod,
    no_expiration: Cod,
}

fn setup(ctx: &Ctx) -> Setup {
    for (name, timeout) in [
        (KEY_EXPIRATION, Some(pottery::DEFAULT_CACHE_TIMEOUT)),
        (KEY_NO_EXPIRATION, None),
    ] {
        let mut cache = Cod::builder(&ctx.client)
            .key(&ctx.key(name))
            .timeout(timeout)
            .hydrate(["hit1", "hit2", "hit3"])
            .unwrap();
        cache.insert("hit1", "value1").unwrap();
        cache.insert("hit2", "value2").unwrap();
        cache.insert("hit3", "value3").unwrap();
    }
    Setup {
        expiration: Cod::new(&ctx.client, &ctx.key(KEY_EXPIRATION), SIX).unwrap(),
        no_expiration: Cod::builder(&ctx.client)
            .key(&ctx.key(KEY_NO_EXPIRATION))
            .timeout(None)
            .hydrate(SIX)
            .unwrap(),
    }
}

/// The dict's entries as (key, value) with `None` for pottery's `_SENTINEL`.
fn items(cache: &Cod) -> Vec<(String, Option<String>)> {
    cache.iter().map(|(k, v)| (k.clone(), v.cloned())).collect()
}

/// Expected entries: `"-"` stands for pottery's `_SENTINEL`.
fn expect(pairs: &[(&str, &str)]) -> Vec<(String, Option<String>)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v != "-").then(|| (*v).to_owned())))
        .collect()
}

/// What the hash in Redis holds (pottery's `cache._cache`).
fn stored(ctx: &Ctx, cache: &Cod) -> HashMap<String, String> {
    RedisDict::<String, String>::new(&ctx.client, cache.key())
        .to_hash_map()
        .unwrap()
}

fn map(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn misses(cache: &Cod) -> Vec<&str> {
    cache.misses().map(String::as_str).collect()
}

/// The key's TTL in whole seconds as Redis's `TTL` reports it (-1: none, -2: no key).
fn ttl(ctx: &Ctx, key: &str) -> i64 {
    ctx.client
        .with_connection(|con| redis::cmd("TTL").arg(key).query::<i64>(con))
        .unwrap()
}

fn pttl(ctx: &Ctx, key: &str) -> i64 {
    ctx.client
        .with_connection(|con| redis::cmd("PTTL").arg(key).query::<i64>(con))
        .unwrap()
}

// ---- pottery 3.0.1 tests/test_cache.py, TestCachedOrderedDict ----

fn test_setitem(ctx: &Ctx) {
    let Setup { mut expiration, .. } = setup(ctx);
    let c = &mut expiration;
    let mut want = vec![
        ("hit1", "value1"),
        ("miss1", "-"),
        ("hit2", "value2"),
        ("miss2", "-"),
        ("hit3", "value3"),
        ("miss3", "-"),
    ];
    assert_eq!(items(c), expect(&want));
    let mut cached = vec![("hit1", "value1"), ("hit2", "value2"), ("hit3", "value3")];
    assert_eq!(stored(ctx, c), map(&cached));
    assert_eq!(misses(c), ["miss1", "miss2", "miss3"]);

    assert_eq!(c.insert("hit4", "value4").unwrap(), None);
    want.push(("hit4", "value4"));
    cached.push(("hit4", "value4"));
    assert_eq!(items(c), expect(&want));
    assert_eq!(stored(ctx, c), map(&cached));
    assert_eq!(misses(c), ["miss1", "miss2", "miss3"]);

    assert_eq!(c.insert("miss1", "value1").unwrap(), None);
    want[1] = ("miss1", "value1");
    cached.push(("miss1", "value1"));
    assert_eq!(items(c), expect(&want));
    assert_eq!(stored(ctx, c), map(&cached));
    assert_eq!(misses(c), ["miss2", "miss3"]);
}

fn test_setdefault(ctx: &Ctx) {
    // Parametrized in pottery with 'rajiv' and 'raj'.
    for default in ["rajiv", "raj"] {
        let Setup { mut expiration, .. } = setup(ctx);
        let c = &mut expiration;
        assert_eq!(c.get_or_insert("first", default).unwrap(), default);
        let mut want = vec![
            ("hit1", "value1"),
            ("miss1", "-"),
            ("hit2", "value2"),
            ("miss2", "-"),
            ("hit3", "value3"),
            ("miss3", "-"),
            ("first", default),
        ];
        assert_eq!(items(c), expect(&want));
        let mut cached = vec![
            ("hit1", "value1"),
            ("hit2", "value2"),
            ("hit3", "value3"),
            ("first", default),
        ];
        assert_eq!(stored(ctx, c), map(&cached));
        assert_eq!(misses(c), ["miss1", "miss2", "miss3"]);

        assert_eq!(c.get_or_insert("miss1", "value1").unwrap(), "value1");
        want[1] = ("miss1", "value1");
        cached.push(("miss1", "value1"));
        assert_eq!(items(c), expect(&want));
        assert_eq!(stored(ctx, c), map(&cached));
        assert_eq!(misses(c), ["miss2", "miss3"]);

        // The key stays set: the second default is not stored.
        assert_eq!(c.get_or_insert("first", "other").unwrap(), default);
        assert_eq!(stored(ctx, c), map(&cached));
        ctx.client
            .with_connection(|con| {
                redis::cmd("DEL")
                    .arg(ctx.key(KEY_EXPIRATION))
                    .arg(ctx.key(KEY_NO_EXPIRATION))
                    .query::<i64>(con)
            })
            .unwrap();
    }
}

fn test_update(ctx: &Ctx) {
    let Setup { mut expiration, .. } = setup(ctx);
    let c = &mut expiration;
    c.update(Vec::<(String, String)>::new()).unwrap();
    let mut want = vec![
        ("hit1", "value1"),
        ("miss1", "-"),
        ("hit2", "value2"),
        ("miss2", "-"),
        ("hit3", "value3"),
        ("miss3", "-"),
    ];
    assert_eq!(items(c), expect(&want));
    let mut cached = vec![("hit1", "value1"), ("hit2", "value2"), ("hit3", "value3")];
    assert_eq!(stored(ctx, c), map(&cached));
    assert_eq!(misses(c), ["miss1", "miss2", "miss3"]);

    c.update([
        ("miss1", "value1"),
        ("miss2", "value2"),
        ("hit4", "value4"),
        ("hit5", "value5"),
    ])
    .unwrap();
    want[1] = ("miss1", "value1");
    want[3] = ("miss2", "value2");
    want.extend([("hit4", "value4"), ("hit5", "value5")]);
    cached.extend([
        ("miss1", "value1"),
        ("miss2", "value2"),
        ("hit4", "value4"),
        ("hit5", "value5"),
    ]);
    assert_eq!(items(c), expect(&want));
    assert_eq!(stored(ctx, c), map(&cached));
    assert_eq!(misses(c), ["miss3"]);

    // pottery: update({'miss3': _SENTINEL}) leaves miss3 unknown and unwritten.
    assert!(!c.insert_unknown("miss3").unwrap());
    assert_eq!(items(c), expect(&want));
    assert_eq!(stored(ctx, c), map(&cached));
    assert_eq!(misses(c), ["miss3"]);

    // pottery: update(miss3='value3').
    c.update([("miss3", "value3")]).unwrap();
    want[5] = ("miss3", "value3");
    cached.push(("miss3", "value3"));
    assert_eq!(items(c), expect(&want));
    assert_eq!(stored(ctx, c), map(&cached));
    assert!(misses(c).is_empty());
}

/// pottery mixes `None`, `False`, `True`, `0` and `0.0` as keys. Python's dict
/// equality folds `False`/`0`/`0.0` together; in Redis they are the distinct
/// fields `false`, `0` and `0.0`, and so they are here.
fn test_non_string_keys(ctx: &Ctx) {
    let key = ctx.key(KEY_EXPIRATION);
    setup(ctx);
    let mut c: CachedOrderedDict<Value, Value> =
        CachedOrderedDict::new(&ctx.client, &key, SIX).unwrap();
    let entries = |c: &CachedOrderedDict<Value, Value>| -> Vec<(Value, Option<Value>)> {
        c.iter().map(|(k, v)| (k.clone(), v.cloned())).collect()
    };
    let mut want: Vec<(Value, Option<Value>)> = vec![
        (json!("hit1"), Some(json!("value1"))),
        (json!("miss1"), None),
        (json!("hit2"), Some(json!("value2"))),
        (json!("miss2"), None),
        (json!("hit3"), Some(json!("value3"))),
        (json!("miss3"), None),
    ];
    assert_eq!(entries(&c), want);

    c.insert(Value::Null, Value::Null).unwrap();
    want.push((Value::Null, Some(Value::Null)));
    assert_eq!(entries(&c), want);

    c.insert(false, false).unwrap();
    c.insert(true, true).unwrap();
    want.push((json!(false), Some(json!(false))));
    want.push((json!(true), Some(json!(true))));
    assert_eq!(entries(&c), want);

    c.insert(0, 0).unwrap();
    want.push((json!(0), Some(json!(0))));
    assert_eq!(entries(&c), want);

    c.insert(0.0, 0.0).unwrap();
    want.push((json!(0.0), Some(json!(0.0))));
    assert_eq!(entries(&c), want);

    let raw: HashMap<String, String> = RedisDict::<Value, Value>::new(&ctx.client, &key)
        .to_vec()
        .unwrap()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    for field in ["null", "false", "true", "0", "0.0"] {
        assert_eq!(raw.get(field).map(String::as_str), Some(field), "{raw:?}");
    }
    // A fresh hydration finds every one of them.
    let again: CachedOrderedDict<Value, Value> = CachedOrderedDict::new(
        &ctx.client,
        &key,
        [Value::Null, json!(false), json!(true), json!(0), json!(0.0)],
    )
    .unwrap();
    assert_eq!(again.misses().count(), 0);
    assert_eq!(again.get(json!(0.0)), Some(&json!(0.0)));
    assert_eq!(again.get(json!(0)), Some(&json!(0)));
}

fn test_no_keys(ctx: &Ctx) {
    let cache = Cod::temporary(&ctx.client, Vec::<String>::new()).unwrap();
    assert!(cache.is_empty());
    assert_eq!(cache.iter().count(), 0);
    assert!(misses(&cache).is_empty());
}

fn test_expiration(ctx: &Ctx) {
    let Setup {
        mut expiration,
        mut no_expiration,
    } = setup(ctx);
    std::thread::scope(|s| {
        s.spawn(|| {
            let key = ctx.key(KEY_EXPIRATION);
            assert_eq!(ttl(ctx, &key), 60);
            std::thread::sleep(Duration::from_secs(1));
            assert_eq!(ttl(ctx, &key), 59);
            expiration.insert("hit4", "value4").unwrap();
            assert_eq!(ttl(ctx, &key), 60);
        });
        s.spawn(|| {
            let key = ctx.key(KEY_NO_EXPIRATION);
            assert_eq!(ttl(ctx, &key), -1);
            std::thread::sleep(Duration::from_secs(1));
            assert_eq!(ttl(ctx, &key), -1);
            no_expiration.insert("hit4", "value4").unwrap();
            assert_eq!(ttl(ctx, &key), -1);
        });
    });
}

fn test_set_sentinel(ctx: &Ctx) {
    setup(ctx);
    let mut c = Cod::new(
        &ctx.client,
        &ctx.key(KEY_EXPIRATION),
        ["hit1", "miss1", "hit2", "hit3"],
    )
    .unwrap();
    let mut want = vec![
        ("hit1", "value1"),
        ("miss1", "-"),
        ("hit2", "value2"),
        ("hit3", "value3"),
    ];
    assert_eq!(items(&c), expect(&want));
    assert!(!c.insert_unknown("miss1").unwrap());
    assert_eq!(items(&c), expect(&want));
    assert!(c.insert_unknown("miss2").unwrap());
    want.push(("miss2", "-"));
    assert_eq!(items(&c), expect(&want));
    // Nothing was written for either.
    assert_eq!(
        stored(ctx, &c),
        map(&[("hit1", "value1"), ("hit2", "value2"), ("hit3", "value3")])
    );
}

// ---- beyond pottery's suite ----

/// Every write, and the hydration (as in pottery), resets the TTL; with no
/// timeout an expiry set by someone else is left alone.
fn ttl_refreshed_on_every_write(ctx: &Ctx) {
    let key = ctx.key("ttl");
    let timeout = Duration::from_secs(30);
    let mut c = Cod::builder(&ctx.client)
        .key(&key)
        .timeout(Some(timeout))
        .hydrate(["a"])
        .unwrap();
    assert_eq!(
        ttl(ctx, &key),
        -2,
        "hydrating a missing key creates nothing"
    );
    let lowered = |ctx: &Ctx| {
        ctx.client
            .with_connection(|con| redis::cmd("PEXPIRE").arg(&key).arg(1000).query::<i64>(con))
            .unwrap();
        assert!(pttl(ctx, &key) <= 1000);
    };
    let reset = |ctx: &Ctx| {
        let left = pttl(ctx, &key);
        assert!(left > 29_000 && left <= 30_000, "pttl {left}");
    };
    c.insert("a", "1").unwrap();
    reset(ctx);
    lowered(ctx);
    c.update([("b", "2"), ("c", "3")]).unwrap();
    reset(ctx);
    lowered(ctx);
    c.get_or_insert("a", "ignored").unwrap();
    reset(ctx);
    lowered(ctx);
    let again = Cod::builder(&ctx.client)
        .key(&key)
        .timeout(Some(timeout))
        .hydrate(["a"])
        .unwrap();
    reset(ctx);
    assert_eq!(again.timeout(), Some(timeout));
    assert!(c.ttl().unwrap().is_some());

    // Sub-second timeouts are kept to the millisecond.
    let mut quick = Cod::builder(&ctx.client)
        .key(&ctx.key("quick"))
        .timeout(Some(Duration::from_millis(1500)))
        .hydrate(["a"])
        .unwrap();
    quick.insert("a", "1").unwrap();
    let left = pttl(ctx, quick.key());
    assert!(left > 1000 && left <= 1500, "pttl {left}");

    // No timeout: the writes leave an existing expiry as it is.
    let mut keep = Cod::builder(&ctx.client)
        .key(&key)
        .timeout(None)
        .hydrate(["a"])
        .unwrap();
    lowered(ctx);
    keep.insert("z", "26").unwrap();
    keep.update([("y", "25")]).unwrap();
    keep.get_or_insert("x", "24").unwrap();
    assert!(pttl(ctx, &key) <= 1000);
}

/// Many clients race to set one key with their own default: every one gets
/// the single value that was stored, and keeps it locally.
fn setdefault_returns_the_stored_value_under_contention(ctx: &Ctx) {
    let key = ctx.key("race");
    for round in 0..5 {
        let field = format!("doc{round}");
        let winners: Vec<String> = std::thread::scope(|s| {
            let runs: Vec<_> = (0..8)
                .map(|i| {
                    let (key, field) = (&key, &field);
                    s.spawn(move || {
                        let mut c = Cod::new(&ctx.client, key, [field.as_str()]).unwrap();
                        let got = c
                            .get_or_insert(field.as_str(), format!("from-{i}"))
                            .unwrap();
                        let got = got.clone();
                        assert_eq!(c.get(field.as_str()), Some(&got));
                        assert!(c.misses().next().is_none());
                        got
                    })
                })
                .collect();
            runs.into_iter().map(|r| r.join().unwrap()).collect()
        });
        let stored = RedisDict::<String, String>::new(&ctx.client, &key)
            .get(field.as_str())
            .unwrap()
            .unwrap();
        assert!(stored.starts_with("from-"));
        assert!(
            winners.iter().all(|w| *w == stored),
            "{winners:?} vs {stored}"
        );
    }
    // A value set before a dict was hydrated wins over its default too.
    let mut late = Cod::new(&ctx.client, &key, ["late"]).unwrap();
    assert!(late.is_miss("late"));
    RedisDict::<String, String>::new(&ctx.client, &key)
        .insert("late", "theirs")
        .unwrap();
    assert_eq!(late.get_or_insert("late", "ours").unwrap(), "theirs");
    assert_eq!(late.get("late").map(String::as_str), Some("theirs"));
}

fn wrong_type_names_the_key(ctx: &Ctx) {
    let key = ctx.key("a-string");
    ctx.client
        .with_connection(|con| redis::cmd("SET").arg(&key).arg("x").query::<()>(con))
        .unwrap();
    let err = Cod::new(&ctx.client, &key, ["a"]).unwrap_err();
    assert_eq!(err.kind(), pottery::ErrorKind::WrongType, "{err}");
    assert_eq!(err.key(), Some(key.as_str()));
    assert!(err.to_string().contains(&key), "{err}");

    // Writes too: make the dict while the key is a hash, then change its type.
    let mut c = Cod::new(&ctx.client, &key, Vec::<String>::new()).unwrap();
    for result in [
        c.insert("a", "1").map(drop),
        c.update([("a", "1")]),
        c.get_or_insert("a", "1").map(drop),
    ] {
        let err = result.unwrap_err();
        assert_eq!(err.kind(), pottery::ErrorKind::WrongType, "{err}");
        assert_eq!(err.key(), Some(key.as_str()));
    }
    assert!(c.is_empty(), "a failed write changes nothing locally");
}

fn undecodable_data_names_the_key(ctx: &Ctx) {
    let key = ctx.key("garbage");
    ctx.client
        .with_connection(|con| {
            redis::cmd("HSET")
                .arg(&key)
                .arg("\"a\"")
                .arg("not json")
                .arg("\"n\"")
                .arg("\"text\"")
                .query::<()>(con)
        })
        .unwrap();
    let err = Cod::new(&ctx.client, &key, ["a"]).unwrap_err();
    assert_eq!(err.kind(), pottery::ErrorKind::Decode, "{err}");
    assert_eq!(err.key(), Some(key.as_str()));
    // A value of the wrong shape for V is a decode error as well.
    let err = CachedOrderedDict::<String, i64>::new(&ctx.client, &key, ["n"]).unwrap_err();
    assert_eq!(err.kind(), pottery::ErrorKind::Decode, "{err}");
    // setdefault returns what is stored, so it must decode it.
    let mut c = Cod::new(&ctx.client, &key, ["n"]).unwrap();
    let err = c.get_or_insert("a", "x").unwrap_err();
    assert_eq!(err.kind(), pottery::ErrorKind::Decode, "{err}");
    assert_eq!(err.key(), Some(key.as_str()));
    assert!(!c.contains_key("a"));
}

fn zero_timeout_is_refused(ctx: &Ctx) {
    let err = Cod::builder(&ctx.client)
        .key(&ctx.key("zero"))
        .timeout(Some(Duration::ZERO))
        .hydrate(["a"])
        .unwrap_err();
    assert_eq!(err.kind(), pottery::ErrorKind::Config, "{err}");
}

fn order_duplicates_and_local_methods(ctx: &Ctx) {
    let key = ctx.key("order");
    let mut c = Cod::new(&ctx.client, &key, ["b", "a", "b", "c", "a"]).unwrap();
    assert_eq!(c.keys().collect::<Vec<_>>(), ["b", "a", "c"]);
    assert_eq!(c.len(), 3);
    c.update([("c", "3"), ("d", "4"), ("c", "33")]).unwrap();
    assert_eq!(c.keys().collect::<Vec<_>>(), ["b", "a", "c", "d"]);
    assert_eq!(c.get("c").map(String::as_str), Some("33"));
    assert_eq!(stored(ctx, &c).get("c").map(String::as_str), Some("33"));
    assert_eq!(
        c.values().collect::<Vec<_>>(),
        [None, None, Some(&"33".to_owned()), Some(&"4".to_owned())]
    );
    assert_eq!(c.insert("c", "3").unwrap().as_deref(), Some("33"));
    assert!(c.contains_key("a") && c.is_miss("a") && !c.is_miss("d"));
    assert!(!c.contains_key("z") && !c.is_miss("z"));
    assert_eq!(c.get("a"), None);
    assert_eq!(c.iter().next_back().map(|(k, _)| k.as_str()), Some("d"));
    assert_eq!((&c).into_iter().len(), 4);

    assert_eq!(c.forget("c").as_deref(), Some("3"));
    assert_eq!(c.forget("a"), None);
    assert_eq!(c.forget("a"), None);
    assert_eq!(c.keys().collect::<Vec<_>>(), ["b", "d"]);
    assert!(stored(ctx, &c).contains_key("c"), "forget is local");

    let copy = c.clone();
    let owned: Vec<(String, Option<String>)> = copy.into_iter().collect();
    assert_eq!(owned, expect(&[("b", "-"), ("d", "4")]));
    let debug = format!("{c:?}");
    assert!(
        debug.contains("CachedOrderedDict") && debug.contains(&key),
        "{debug}"
    );

    // Container: the hash in Redis, not the local copy.
    assert!(c.exists().unwrap());
    c.clear().unwrap();
    assert!(!c.exists().unwrap());
    assert_eq!(c.len(), 2);
}

fn temporary_key_is_deleted_on_drop(ctx: &Ctx) {
    let mut c = Cod::temporary(&ctx.client, ["a"]).unwrap();
    assert!(c.key().starts_with("pottery:"));
    c.insert("a", "1").unwrap();
    let key = c.key().to_owned();
    assert_eq!(ttl(ctx, &key), 60);
    let copy = c.clone();
    drop(c);
    assert_eq!(ttl(ctx, &key), 60, "a clone still holds the key");
    drop(copy);
    assert_eq!(ttl(ctx, &key), -2);
}

/// Hydration is one script with one HMGET per 1,000 keys; each write, whatever
/// its size, one script. Counted on a private server's command statistics (so
/// it runs once, whatever the target).
fn one_round_trip_per_operation(_: &Ctx) {
    let server = pottery_testkit::Server::start();
    let client = pottery::Client::open(&server.url()).unwrap();
    let stats = || -> HashMap<String, u64> {
        let info: String = client
            .with_connection(|con| redis::cmd("INFO").arg("commandstats").query(con))
            .unwrap();
        info.lines()
            .filter_map(|line| {
                let (name, rest) = line.strip_prefix("cmdstat_")?.split_once(':')?;
                let calls = rest.strip_prefix("calls=")?.split(',').next()?;
                Some((name.to_owned(), calls.parse().ok()?))
            })
            .collect()
    };
    let reset = || {
        client
            .with_connection(|con| redis::cmd("CONFIG").arg("RESETSTAT").query::<()>(con))
            .unwrap();
    };
    // Load the scripts first, so that the counts hold no NOSCRIPT retries.
    let mut warm = Cod::new(&client, "warm", ["a"]).unwrap();
    warm.insert("a", "1").unwrap();
    warm.get_or_insert("b", "2").unwrap();

    let keys: Vec<String> = (0..2500).map(|i| format!("k{i}")).collect();
    reset();
    let mut c = Cod::new(&client, "big", keys.clone()).unwrap();
    let s = stats();
    assert_eq!(s.get("evalsha"), Some(&1), "{s:?}");
    assert_eq!(s.get("hmget"), Some(&3), "{s:?}");

    reset();
    c.update(keys.iter().map(|k| (k.as_str(), "v"))).unwrap();
    let s = stats();
    assert_eq!(s.get("evalsha"), Some(&1), "{s:?}");
    assert_eq!(s.get("hset"), Some(&5), "{s:?}");
    assert_eq!(s.get("pexpire"), Some(&1), "{s:?}");

    reset();
    c.insert("k1", "w").unwrap();
    c.get_or_insert("new", "x").unwrap();
    let s = stats();
    assert_eq!(s.get("evalsha"), Some(&2), "{s:?}");

    let again = Cod::new(&client, "big", keys).unwrap();
    assert_eq!(again.misses().count(), 0);
    assert_eq!(again.len(), 2500);
}

fn async_api(ctx: &Ctx) {
    let key = ctx.key("async");
    ctx.block_on(async {
        let mut c: future::CachedOrderedDict<String, i64> =
            future::CachedOrderedDict::new(&ctx.client, &key, ["a", "b", "c"])
                .await
                .unwrap();
        assert_eq!(c.misses().count(), 3);
        assert_eq!(c.insert("a", 1).await.unwrap(), None);
        c.update([("b", 2), ("d", 4)]).await.unwrap();
        assert_eq!(*c.get_or_insert("c", 3).await.unwrap(), 3);
        assert_eq!(*c.get_or_insert("a", 9).await.unwrap(), 1);
        assert_eq!(c.keys().collect::<Vec<_>>(), ["a", "b", "c", "d"]);
        assert!(c.ttl().await.unwrap().is_some());

        // Tasks racing on setdefault all see one value.
        let runs = (0..6).map(|i| {
            let client = ctx.client.clone();
            let key = key.clone();
            tokio::spawn(async move {
                let mut d: future::CachedOrderedDict<String, i64> =
                    future::CachedOrderedDict::new(&client, &key, ["e"])
                        .await
                        .unwrap();
                *d.get_or_insert("e", i).await.unwrap()
            })
        });
        let got: Vec<i64> = futures_util::future::join_all(runs)
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert!(got.iter().all(|g| *g == got[0]), "{got:?}");

        let again: future::CachedOrderedDict<String, i64> =
            future::CachedOrderedDict::builder(&ctx.client)
                .key(&key)
                .timeout(None)
                .hydrate(["d", "x", "a", "e"])
                .await
                .unwrap();
        let items: Vec<_> = again.iter().map(|(k, v)| (k.clone(), v.copied())).collect();
        assert_eq!(
            items,
            [
                ("d".to_owned(), Some(4)),
                ("x".to_owned(), None),
                ("a".to_owned(), Some(1)),
                ("e".to_owned(), Some(got[0])),
            ]
        );
    });
}

// ---- interop with Python's pottery ----

/// Python: a CachedOrderedDict over the keys on stdin's first line (JSON list)
/// at the key on the second; prints its items (`MISS` for the sentinel) and
/// misses as JSON, then applies the JSON writes of the third line, if any.
const PY_COD: &str = r#"
import json, os, sys
from redis import Redis
from pottery import CachedOrderedDict
r = Redis.from_url(os.environ['REDIS_URL'])
key, keys, writes = sys.stdin.read().split('\n')[:3]
def tup(k):
    return tuple(tup(x) for x in k) if isinstance(k, list) else k
keys = [tup(k) for k in json.loads(keys)]
c = CachedOrderedDict(redis_client=r, redis_key=key, dict_keys=keys)
items = [[k, 'MISS' if v is CachedOrderedDict._SENTINEL else v] for k, v in c.items()]
print(json.dumps({'items': items, 'misses': sorted(map(json.dumps, c.misses()))}))
for op, k, v in json.loads(writes or '[]'):
    k = tup(k)
    if op == 'set':
        c[k] = v
    elif op == 'update':
        c.update({k: v})
    elif op == 'setdefault':
        print(json.dumps(c.setdefault(k, v)))
"#;

fn py_cod(ctx: &Ctx, key: &str, keys: &Value, writes: &Value) -> Vec<Value> {
    let out = python(PY_COD, &ctx.url(), &format!("{key}\n{keys}\n{writes}"));
    out.lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn python_writes_rust_hydrates(ctx: &Ctx) {
    let key = ctx.key("py-writes");
    let keys = json!(["doc1", 2, [3, "x"], null, "é😀"]);
    let writes = json!([
        ["set", "doc1", {"title": "one", "tags": ["a", "b"], "score": 1.5}],
        ["update", 2, [1, 2, 3]],
        ["set", [3, "x"], "tuple key"],
        ["setdefault", null, false],
    ]);
    let out = py_cod(ctx, &key, &keys, &writes);
    assert_eq!(out[0]["misses"].as_array().unwrap().len(), 5, "{out:?}");
    assert_eq!(
        out[1],
        json!(false),
        "Python's setdefault returned its default"
    );

    let c: CachedOrderedDict<Value, Value> = CachedOrderedDict::new(
        &ctx.client,
        &key,
        [
            json!("doc1"),
            json!("missing"),
            json!(2),
            json!([3, "x"]),
            Value::Null,
            json!("é😀"),
        ],
    )
    .unwrap();
    let items: Vec<(Value, Option<Value>)> =
        c.iter().map(|(k, v)| (k.clone(), v.cloned())).collect();
    assert_eq!(
        items,
        [
            (
                json!("doc1"),
                Some(json!({"score": 1.5, "tags": ["a", "b"], "title": "one"}))
            ),
            (json!("missing"), None),
            (json!(2), Some(json!([1, 2, 3]))),
            (json!([3, "x"]), Some(json!("tuple key"))),
            (Value::Null, Some(json!(false))),
            (json!("é😀"), None),
        ]
    );
    assert_eq!(
        c.misses().cloned().collect::<Vec<_>>(),
        [json!("missing"), json!("é😀")]
    );
    // pottery's EXPIRE after its writes left the default TTL.
    assert!(ttl(ctx, &key) > 55);
}

fn rust_writes_python_hydrates(ctx: &Ctx) {
    let key = ctx.key("rs-writes");
    let mut c: CachedOrderedDict<Value, Value> =
        CachedOrderedDict::new(&ctx.client, &key, [json!("a"), json!(1), json!("b")]).unwrap();
    c.insert("a", json!({"z": 1, "y": [true, null]})).unwrap();
    c.update([(json!(1), json!(2.5)), (json!([1, "t"]), json!("é"))])
        .unwrap();
    c.get_or_insert(json!("c"), json!(10)).unwrap();

    let keys = json!(["b", "a", 1, [1, "t"], "c", "d"]);
    let writes = json!([["setdefault", "c", 99], ["setdefault", "b", "python"]]);
    let out = py_cod(ctx, &key, &keys, &writes);
    assert_eq!(
        out[0],
        json!({
            "items": [
                ["b", "MISS"],
                ["a", {"y": [true, null], "z": 1}],
                [1, 2.5],
                [[1, "t"], "é"],
                ["c", 10],
                ["d", "MISS"],
            ],
            "misses": ["\"b\"", "\"d\""],
        })
    );
    assert_eq!(out[1], json!(10), "Python's setdefault returned our value");
    // And ours returns Python's.
    assert_eq!(
        c.get_or_insert(json!("b"), json!("rust")).unwrap(),
        &json!("python")
    );
}

fn both_sides_store_identical_bytes(ctx: &Ctx) {
    let (py_key, rs_key) = (ctx.key("py-bytes"), ctx.key("rs-bytes"));
    let writes = json!([
        ["set", "k", {"b": [1.0, 1e-05, 1e16], "a": "é"}],
        ["set", 10, null],
    ]);
    py_cod(ctx, &py_key, &json!(["k", 10]), &writes);
    let mut c: CachedOrderedDict<Value, Value> =
        CachedOrderedDict::new(&ctx.client, &rs_key, [json!("k"), json!(10)]).unwrap();
    c.update([
        (json!("k"), json!({"b": [1.0, 1e-05, 1e16], "a": "é"})),
        (json!(10), Value::Null),
    ])
    .unwrap();
    let raw = |key: &str| -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = ctx
            .client
            .with_connection(|con| redis::cmd("HGETALL").arg(key).query(con))
            .unwrap();
        pairs.sort();
        pairs
    };
    assert_eq!(raw(&py_key), raw(&rs_key));
    assert_eq!(raw(&rs_key).len(), 2);
}

pub(crate) fn suite() -> support::Suite {
    let cases = cases![
        test_setitem,
        test_setdefault,
        test_update,
        test_non_string_keys,
        test_no_keys,
        test_expiration,
        test_set_sentinel,
        ttl_refreshed_on_every_write,
        setdefault_returns_the_stored_value_under_contention,
        wrong_type_names_the_key,
        undecodable_data_names_the_key,
        zero_timeout_is_refused,
        order_duplicates_and_local_methods,
        temporary_key_is_deleted_on_drop,
        async_api,
    ];
    // On a private server of its own, whose statistics it reads.
    let once = cases![one_round_trip_per_operation];
    let interop = cases![
        python_writes_rust_hydrates,
        rust_writes_python_hydrates,
        both_sides_store_identical_bytes,
    ];
    support::Suite::new(
        "cached_dict",
        vec![
            (&[Target::Server, Target::Cluster], cases),
            (&[Target::Server], once),
            (&[Target::Server], interop),
        ],
    )
}
