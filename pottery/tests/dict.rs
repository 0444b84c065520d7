//! RedisDict, on one server and on a 3-master cluster.
//!
//! The first group ports every case of Python pottery 3.0.1's `tests/test_dict.py`
//! (named after it); the rest covers what our RedisDict adds, the async API, and
//! errors.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::type_complexity,
    missing_docs
)]

use crate::support;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use futures_util::StreamExt;
use pottery::{Container, ErrorKind, future, sync::RedisDict};
use support::{Ctx, Target};

type Tel = RedisDict<String, i64>;

fn s(text: &str) -> String {
    text.to_owned()
}

fn items(pairs: &[(&str, i64)]) -> Vec<(String, i64)> {
    pairs.iter().map(|&(k, v)| (s(k), v)).collect()
}

fn map(pairs: &[(&str, i64)]) -> HashMap<String, i64> {
    items(pairs).into_iter().collect()
}

fn sorted_keys(d: &Tel) -> Vec<String> {
    let mut keys: Vec<String> = d.keys().collect::<pottery::Result<_>>().unwrap();
    keys.sort();
    keys
}

fn three(ctx: &Ctx, name: &str) -> Tel {
    Tel::create(
        &ctx.client,
        &ctx.key(name),
        items(&[("one", 1), ("two", 2), ("three", 3)]),
    )
    .unwrap()
}

// ---- pottery 3.0.1 tests/test_dict.py ----

fn test_keyexistserror_raised(ctx: &Ctx) {
    let key = ctx.key("pottery:tel");
    let tel = items(&[("sape", 4139), ("guido", 4127), ("jack", 4098)]);
    Tel::create(&ctx.client, &key, tel.clone()).unwrap();
    let err = Tel::create(&ctx.client, &key, tel).unwrap_err();
    assert_eq!(err.kind(), pottery::ErrorKind::KeyExists, "{err:?}");
}

fn test_keyexistserror_repr(ctx: &Ctx) {
    let key = ctx.key("pottery:tel");
    let tel = items(&[("sape", 4139), ("guido", 4127), ("jack", 4098)]);
    Tel::create(&ctx.client, &key, tel.clone()).unwrap();
    let err = Tel::create(&ctx.client, &key, tel).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::KeyExists);
    assert_eq!(err.key(), Some(key.as_str()));
    assert_eq!(
        err.to_string(),
        format!(
            "key exists at key `{key}`: cannot create a structure with initial items over an existing key"
        )
    );
}

fn test_basic_usage(ctx: &Ctx) {
    let tel = Tel::create(
        &ctx.client,
        &ctx.key("tel"),
        items(&[("jack", 4098), ("sape", 4139)]),
    )
    .unwrap();
    tel.insert("guido", 4127).unwrap();
    assert_eq!(
        tel.to_hash_map().unwrap(),
        map(&[("sape", 4139), ("guido", 4127), ("jack", 4098)])
    );
    assert_eq!(tel.get("jack").unwrap(), Some(4098));
    assert_eq!(tel.remove("sape").unwrap(), Some(4139));
    tel.insert("irv", 4127).unwrap();
    assert_eq!(
        tel.to_hash_map().unwrap(),
        map(&[("guido", 4127), ("irv", 4127), ("jack", 4098)])
    );
    assert_eq!(sorted_keys(&tel), ["guido", "irv", "jack"]);
    assert!(tel.contains_key("guido").unwrap());
    assert!(tel.contains_key("jack").unwrap());
}

fn test_init_with_key_value_pairs(ctx: &Ctx) {
    let pairs = items(&[("sape", 4139), ("guido", 4127), ("jack", 4098)]);
    let d = Tel::create(&ctx.client, &ctx.key("d"), pairs).unwrap();
    assert_eq!(
        d.to_hash_map().unwrap(),
        map(&[("sape", 4139), ("jack", 4098), ("guido", 4127)])
    );
}

fn test_init_with_kwargs(ctx: &Ctx) {
    // Rust has no keyword arguments; the counterpart is creating from a map.
    let d = Tel::create(
        &ctx.client,
        &ctx.key("d"),
        &map(&[("sape", 4139), ("guido", 4127), ("jack", 4098)]),
    )
    .unwrap();
    assert_eq!(
        d.to_hash_map().unwrap(),
        map(&[("sape", 4139), ("jack", 4098), ("guido", 4127)])
    );
}

fn test_more_construction_options(ctx: &Ctx) {
    let a = three(ctx, "a");
    let b = map(&[("one", 1), ("two", 2), ("three", 3)]);
    let names = [s("one"), s("two"), s("three")];
    let c = Tel::create(&ctx.client, &ctx.key("c"), names.into_iter().zip([1, 2, 3])).unwrap();
    let d = Tel::create(
        &ctx.client,
        &ctx.key("d"),
        items(&[("two", 2), ("one", 1), ("three", 3)]),
    )
    .unwrap();
    let e_map: BTreeMap<String, i64> = b.clone().into_iter().collect();
    let e = Tel::create(&ctx.client, &ctx.key("e"), &e_map).unwrap();
    assert_eq!(a.to_hash_map().unwrap(), b);
    for other in [&c, &d, &e] {
        assert!(a.contents_eq(other).unwrap());
    }
}

fn test_len(ctx: &Ctx) {
    let a = Tel::new(&ctx.client, &ctx.key("empty"));
    assert_eq!(a.len().unwrap(), 0);
    let a = three(ctx, "a");
    assert_eq!(a.len().unwrap(), 3);
    a.insert("four", 4).unwrap();
    assert_eq!(a.len().unwrap(), 4);
    a.remove("four").unwrap();
    assert_eq!(a.len().unwrap(), 3);
}

fn test_repr(ctx: &Ctx) {
    let a = Tel::create(&ctx.client, &ctx.key("a"), items(&[("one", 1), ("two", 2)])).unwrap();
    let repr = a.repr().unwrap();
    assert!(
        repr == r#"RedisDict{"one": 1, "two": 2}"# || repr == r#"RedisDict{"two": 2, "one": 1}"#,
        "{repr}"
    );
    // Debug is the type and key only.
    assert_eq!(
        format!("{a:?}"),
        format!("RedisDict {{ key: {:?} }}", a.key())
    );
    let empty = Tel::new(&ctx.client, &ctx.key("empty"));
    assert_eq!(empty.repr().unwrap(), "RedisDict{}");
}

fn test_update(ctx: &Ctx) {
    let a = three(ctx, "a");
    a.extend(Vec::<(String, i64)>::new()).unwrap();
    assert_eq!(
        a.to_hash_map().unwrap(),
        map(&[("one", 1), ("two", 2), ("three", 3)])
    );

    a.extend(&map(&[("four", 4), ("five", 5)])).unwrap();
    assert_eq!(
        a.to_hash_map().unwrap(),
        map(&[
            ("one", 1),
            ("two", 2),
            ("three", 3),
            ("four", 4),
            ("five", 5)
        ])
    );

    a.extend(items(&[("six", 6), ("seven", 7)])).unwrap();
    assert_eq!(a.len().unwrap(), 7);
    assert_eq!(a.get("seven").unwrap(), Some(7));

    a.extend([(s("eight"), 8), (s("nine"), 9)]).unwrap();
    assert_eq!(
        a.to_hash_map().unwrap(),
        map(&[
            ("one", 1),
            ("two", 2),
            ("three", 3),
            ("four", 4),
            ("five", 5),
            ("six", 6),
            ("seven", 7),
            ("eight", 8),
            ("nine", 9),
        ])
    );
}

fn test_keyerror(ctx: &Ctx) {
    let a = three(ctx, "a");
    assert_eq!(a.get("one").unwrap(), Some(1));
    assert_eq!(a.get("two").unwrap(), Some(2));
    assert_eq!(a.get("three").unwrap(), Some(3));
    assert_eq!(a.get("four").unwrap(), None);
}

fn test_key_assignment(ctx: &Ctx) {
    let a = Tel::create(
        &ctx.client,
        &ctx.key("a"),
        items(&[("one", 1), ("two", 2), ("three", 2)]),
    )
    .unwrap();
    assert_eq!(a.get("three").unwrap(), Some(2));
    assert!(!a.insert("three", 3).unwrap());
    assert_eq!(a.get("three").unwrap(), Some(3));
    assert!(a.insert("four", 4).unwrap());
    assert_eq!(a.get("four").unwrap(), Some(4));
}

fn test_key_deletion(ctx: &Ctx) {
    let a = three(ctx, "a");
    assert_eq!(sorted_keys(&a), ["one", "three", "two"]);
    a.insert("four", 4).unwrap();
    assert_eq!(sorted_keys(&a), ["four", "one", "three", "two"]);
    assert_eq!(a.remove("five").unwrap(), None);
    assert_eq!(a.remove("four").unwrap(), Some(4));
    assert_eq!(sorted_keys(&a), ["one", "three", "two"]);
    a.remove("three").unwrap();
    assert_eq!(sorted_keys(&a), ["one", "two"]);
    a.remove("two").unwrap();
    assert_eq!(sorted_keys(&a), ["one"]);
    a.remove("one").unwrap();
    assert!(sorted_keys(&a).is_empty());
    assert_eq!(a.remove("one").unwrap(), None);
}

fn test_key_membership(ctx: &Ctx) {
    let a = three(ctx, "a");
    assert!(a.contains_key("one").unwrap());
    assert!(!a.contains_key("four").unwrap());
    a.insert("four", 4).unwrap();
    assert!(a.contains_key("four").unwrap());
    a.remove("four").unwrap();
    assert!(!a.contains_key("four").unwrap());
}

fn test_clear(ctx: &Ctx) {
    let a = three(ctx, "a");
    assert_eq!(sorted_keys(&a), ["one", "three", "two"]);
    a.clear().unwrap();
    assert!(sorted_keys(&a).is_empty());
    a.clear().unwrap();
    assert!(sorted_keys(&a).is_empty());
}

fn test_get(ctx: &Ctx) {
    let a = three(ctx, "a");
    assert_eq!(a.get("one").unwrap(), Some(1));
    assert_eq!(a.get("one").unwrap().unwrap_or(42), 1);
    assert_eq!(a.get("two").unwrap(), Some(2));
    assert_eq!(a.get("three").unwrap().unwrap_or(42), 3);
    assert_eq!(a.get("four").unwrap(), None);
    assert_eq!(a.get("four").unwrap().unwrap_or(42), 42);
    a.insert("four", 4).unwrap();
    assert_eq!(a.get("four").unwrap(), Some(4));
    a.remove("four").unwrap();
    assert_eq!(a.get("four").unwrap(), None);
    assert_eq!(a.get("four").unwrap().unwrap_or(42), 42);
}

fn test_items(ctx: &Ctx) {
    let a = three(ctx, "a");
    assert_eq!(a.len().unwrap(), 3);
    let all: HashSet<(String, i64)> = a.iter().collect::<pottery::Result<_>>().unwrap();
    assert_eq!(
        all,
        items(&[("one", 1), ("two", 2), ("three", 3)])
            .into_iter()
            .collect()
    );
    assert!(all.contains(&(s("one"), 1)));
    assert!(!all.contains(&(s("four"), 4)));
}

fn test_keys(ctx: &Ctx) {
    let a = three(ctx, "a");
    let keys: HashSet<String> = a.keys().collect::<pottery::Result<_>>().unwrap();
    assert_eq!(keys, [s("one"), s("two"), s("three")].into());
    assert!(keys.contains("one"));
    assert!(!keys.contains("four"));
}

fn test_values(ctx: &Ctx) {
    let a = three(ctx, "a");
    let values: HashSet<i64> = a.values().collect::<pottery::Result<_>>().unwrap();
    assert_eq!(values, [1, 2, 3].into());
    assert!(!values.contains(&4));
}

/// A key type that cannot be encoded, like Python's `BaseException`.
#[derive(Debug, serde::Deserialize)]
struct Unencodable;

impl serde::Serialize for Unencodable {
    fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom("not JSON-serializable"))
    }
}

fn test_membership_for_non_jsonifyable_element(ctx: &Ctx) {
    let d: RedisDict<Unencodable, i64> = RedisDict::new(&ctx.client, &ctx.key("d"));
    assert!(!d.contains_key(&Unencodable).unwrap());
    assert_eq!(
        d.insert(&Unencodable, 1).unwrap_err().kind(),
        pottery::ErrorKind::Encode
    );
}

fn test_json_dumps(ctx: &Ctx) {
    let a = three(ctx, "a");
    assert_eq!(
        pottery::json::to_vec(&a).unwrap(),
        br#"{"one": 1, "three": 3, "two": 2}"#
    );
}

fn test_eq_same_redis_database_and_key(ctx: &Ctx) {
    let a = three(ctx, "a");
    let b = Tel::new(&ctx.client, a.key());
    assert!(a.contents_eq(&b).unwrap());
}

// ---- beyond pottery ----

fn contents_eq_compares_contents(ctx: &Ctx) {
    let a = three(ctx, "a");
    let b = three(ctx, "b");
    assert!(a.contents_eq(&b).unwrap());
    b.insert("three", 4).unwrap();
    assert!(!a.contents_eq(&b).unwrap());
    let empty = Tel::new(&ctx.client, &ctx.key("empty"));
    assert!(!a.contents_eq(&empty).unwrap());
}

fn get_many_is_in_order(ctx: &Ctx) {
    let a = three(ctx, "a");
    assert_eq!(
        a.get_many(["three", "nope", "one"]).unwrap(),
        vec![Some(3), None, Some(1)]
    );
    assert_eq!(
        a.get_many(Vec::<&str>::new()).unwrap(),
        Vec::<Option<i64>>::new()
    );
}

fn entry_style_writes(ctx: &Ctx) {
    let a = three(ctx, "a");
    assert!(!a.insert_if_absent("one", 100).unwrap());
    assert!(a.insert_if_absent("four", 4).unwrap());
    assert_eq!(a.get("one").unwrap(), Some(1));
    assert_eq!(a.get_or_insert("one", 100).unwrap(), 1);
    assert_eq!(a.get_or_insert("five", 5).unwrap(), 5);
    assert_eq!(a.replace("five", 55).unwrap(), Some(5));
    assert_eq!(a.replace("six", 6).unwrap(), None);
    assert_eq!(a.get("five").unwrap(), Some(55));
}

fn pop_item_drains(ctx: &Ctx) {
    let a = three(ctx, "a");
    let mut seen = Vec::new();
    while let Some((k, v)) = a.pop_item().unwrap() {
        seen.push((k, v));
    }
    seen.sort();
    assert_eq!(seen, items(&[("one", 1), ("three", 3), ("two", 2)]));
    assert!(a.is_empty().unwrap());
}

fn expiry(ctx: &Ctx) {
    let a = three(ctx, "a");
    assert_eq!(a.ttl().unwrap(), None);
    assert!(a.expire(Duration::from_secs(100)).unwrap());
    let ttl = a.ttl().unwrap().unwrap();
    assert!(
        ttl > Duration::from_secs(90) && ttl <= Duration::from_secs(100),
        "{ttl:?}"
    );
    assert!(a.persist().unwrap());
    assert_eq!(a.ttl().unwrap(), None);
    assert!(a.expire(Duration::from_millis(30)).unwrap());
    std::thread::sleep(Duration::from_millis(80));
    assert!(!a.exists().unwrap());
    let missing = Tel::new(&ctx.client, &ctx.key("missing"));
    assert!(!missing.expire(Duration::from_secs(1)).unwrap());
}

fn wrong_type_names_key_and_types(ctx: &Ctx) {
    let key = ctx.key("a-string");
    ctx.client
        .with_connection(|con| redis::cmd("SET").arg(&key).arg("x").query::<()>(con))
        .unwrap();
    let d = Tel::new(&ctx.client, &key);
    for err in [
        d.get("x").unwrap_err(),
        d.len().unwrap_err(),
        d.remove("x").unwrap_err(),
    ] {
        assert_eq!(err.kind(), pottery::ErrorKind::WrongType, "{err:?}");
        assert_eq!(err.key(), Some(key.as_str()));
        assert!(
            err.to_string().contains("holds a string, not a hash"),
            "{err}"
        );
    }
}

fn undecodable_value_is_a_decode_error(ctx: &Ctx) {
    let key = ctx.key("d");
    ctx.client
        .with_connection(|con| {
            redis::cmd("HSET")
                .arg(&key)
                .arg("\"good\"")
                .arg("1")
                .arg("\"bad\"")
                .arg("{nope")
                .query::<()>(con)
        })
        .unwrap();
    let d = Tel::new(&ctx.client, &key);
    assert_eq!(d.get("good").unwrap(), Some(1));
    let err = d.get("bad").unwrap_err();
    assert_eq!(err.kind(), pottery::ErrorKind::Decode, "{err:?}");
    assert!(err.to_string().contains("{nope"), "{err}");
    // Iteration reports the bad entry and goes on.
    let results: Vec<_> = d.iter().collect();
    assert_eq!(results.len(), 2);
    assert_eq!(results.iter().filter(|r| r.is_err()).count(), 1);
}

fn temporary_key_is_deleted_with_last_clone(ctx: &Ctx) {
    let d: Tel = RedisDict::temporary(&ctx.client);
    let key = d.key().to_owned();
    assert!(key.starts_with("pottery:"));
    d.insert("a", 1).unwrap();
    let clone = d.clone();
    drop(d);
    assert_eq!(clone.get("a").unwrap(), Some(1));
    drop(clone);
    let other = Tel::new(&ctx.client, &key);
    assert!(!other.exists().unwrap());
}

fn iteration_pages_through_large_dicts(ctx: &Ctx) {
    let d = Tel::new(&ctx.client, &ctx.key("big"));
    d.extend((0..5_000).map(|i| (format!("k{i}"), i))).unwrap();
    assert_eq!(d.len().unwrap(), 5_000);
    let mut seen: Vec<i64> = d.values().collect::<pottery::Result<_>>().unwrap();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen, (0..5_000).collect::<Vec<_>>());
}

fn unicode_and_structured_keys(ctx: &Ctx) {
    let d: RedisDict<(String, i64), Vec<Option<f64>>> = RedisDict::new(&ctx.client, &ctx.key("d"));
    d.insert(&(s("😀 é"), 1), vec![Some(1e16), None, Some(-0.0)])
        .unwrap();
    assert_eq!(
        d.get(&(s("😀 é"), 1)).unwrap(),
        Some(vec![Some(1e16), None, Some(-0.0)])
    );
    // The stored field is what Python writes.
    let raw: Vec<String> = ctx
        .client
        .with_connection(|con| redis::cmd("HKEYS").arg(d.key()).query(con))
        .unwrap();
    assert_eq!(raw, [r#"["\ud83d\ude00 \u00e9", 1]"#]);
}

fn async_api(ctx: &Ctx) {
    let key = ctx.key("async");
    let client = ctx.client.clone();
    ctx.block_on(async move {
        let items = items(&[("one", 1), ("two", 2), ("three", 3)]);
        let a = future::RedisDict::<String, i64>::create(&client, &key, items.clone())
            .await
            .unwrap();
        let again = future::RedisDict::<String, i64>::create(&client, &key, items).await;
        assert_eq!(again.unwrap_err().kind(), pottery::ErrorKind::KeyExists);
        assert!(a.insert("four", 4).await.unwrap());
        assert_eq!(a.get("four").await.unwrap(), Some(4));
        assert_eq!(a.get_many(["one", "x"]).await.unwrap(), vec![Some(1), None]);
        assert!(a.contains_key("one").await.unwrap());
        assert_eq!(a.len().await.unwrap(), 4);
        assert_eq!(a.remove("four").await.unwrap(), Some(4));
        assert_eq!(a.get_or_insert("five", 5).await.unwrap(), 5);
        assert!(!a.insert_if_absent("five", 6).await.unwrap());
        a.extend([(s("six"), 6)]).await.unwrap();
        let mut keys: Vec<String> = a.keys().map(Result::unwrap).collect().await;
        keys.sort();
        assert_eq!(keys, ["five", "one", "six", "three", "two"]);
        let all: HashMap<String, i64> = a.iter().map(Result::unwrap).collect().await;
        assert_eq!(all, a.to_hash_map().await.unwrap());
        let b = future::RedisDict::<String, i64>::new(&client, &format!("{key}:b"));
        b.extend(&all).await.unwrap();
        assert!(a.contents_eq(&b).await.unwrap());
        assert!(a.expire(Duration::from_secs(10)).await.unwrap());
        assert!(a.ttl().await.unwrap().is_some());
        a.clear().await.unwrap();
        assert!(a.is_empty().await.unwrap());
        assert_eq!(format!("{a:?}"), format!("RedisDict {{ key: {key:?} }}"));
        let temp = future::RedisDict::<String, i64>::temporary(&client);
        temp.insert("x", 1).await.unwrap();
        let temp_key = temp.key().to_owned();
        drop(temp);
        // Dropped inside a runtime: deleted in the background, soon.
        let check = future::RedisDict::<String, i64>::new(&client, &temp_key);
        let mut gone = false;
        for _ in 0..100 {
            if !check.exists().await.unwrap() {
                gone = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(gone, "temporary key {temp_key} was not deleted");
    });
}

/// `Debug` of every collection prints its type and key and does no I/O: on a
/// client whose server does not exist, it prints at once (a read would show an
/// error, or wait for the connection).
fn debug_does_no_io(_: &Ctx) {
    use pottery::sync;
    let client = pottery::Client::open("redis://127.0.0.1:1").unwrap();
    let start = std::time::Instant::now();
    let shown = [
        format!("{:?}", sync::RedisDict::<String, i64>::new(&client, "k")),
        format!("{:?}", future::RedisDict::<String, i64>::new(&client, "k")),
        format!("{:?}", sync::RedisSet::<i64>::new(&client, "k")),
        format!("{:?}", sync::RedisList::<i64>::new(&client, "k")),
        format!("{:?}", sync::RedisCounter::<String>::new(&client, "k")),
        format!("{:?}", sync::HyperLogLog::<String>::new(&client, "k")),
        format!(
            "{:?}",
            sync::RedisDeque::<i64>::with_maxlen(&client, "k", 3)
        ),
    ];
    assert!(
        start.elapsed() < Duration::from_millis(100),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(
        shown,
        [
            r#"RedisDict { key: "k" }"#,
            r#"RedisDict { key: "k" }"#,
            r#"RedisSet { key: "k" }"#,
            r#"RedisList { key: "k" }"#,
            r#"RedisCounter { key: "k" }"#,
            r#"HyperLogLog { key: "k" }"#,
            r#"RedisDeque { key: "k", maxlen: Some(3) }"#,
        ]
    );
    // The explicit read fails, as it must without a server.
    assert!(
        sync::RedisDict::<String, i64>::new(&client, "k")
            .repr()
            .is_err()
    );
}

pub(crate) fn suite() -> support::Suite {
    let cases = cases![
        test_keyexistserror_raised,
        test_keyexistserror_repr,
        test_basic_usage,
        test_init_with_key_value_pairs,
        test_init_with_kwargs,
        test_more_construction_options,
        test_len,
        test_repr,
        test_update,
        test_keyerror,
        test_key_assignment,
        test_key_deletion,
        test_key_membership,
        test_clear,
        test_get,
        test_items,
        test_keys,
        test_values,
        test_membership_for_non_jsonifyable_element,
        test_json_dumps,
        test_eq_same_redis_database_and_key,
        contents_eq_compares_contents,
        get_many_is_in_order,
        entry_style_writes,
        pop_item_drains,
        expiry,
        wrong_type_names_key_and_types,
        undecodable_value_is_a_decode_error,
        temporary_key_is_deleted_with_last_clone,
        iteration_pages_through_large_dicts,
        unicode_and_structured_keys,
        async_api,
        debug_does_no_io,
    ];
    support::Suite::new(
        "dict",
        vec![
            (&[Target::Server, Target::Cluster], cases),
            (&[Target::Server, Target::Cluster], methods()),
        ],
    )
}

// ---- ours: entry, retain, drain (issue 11) ----

/// The cases of the methods Python's pottery lacks, on both targets.
fn methods() -> Vec<support::Case> {
    cases![
        entry_or_insert_and_and_modify,
        entry_or_insert_with_makes_the_default_only_when_absent,
        entry_and_modify_loses_no_update_under_contention,
        entry_reports_a_conflict_and_writes_nothing,
        retain_over_pages_spares_entries_changed_meanwhile,
        drain_yields_every_entry_once_and_empties_the_dict,
        async_entry_retain_and_drain,
    ]
}

fn entry_or_insert_and_and_modify(ctx: &Ctx) {
    let d = Tel::new(&ctx.client, &ctx.key("d"));
    assert_eq!(d.entry("a").or_insert(1).unwrap(), 1);
    assert_eq!(d.entry("a").or_insert(2).unwrap(), 1);
    let bump = |n: &mut i64| *n += 10;
    assert_eq!(d.entry("a").and_modify(bump).or_insert(0).unwrap(), 11);
    assert_eq!(d.entry("b").and_modify(bump).or_insert(5).unwrap(), 5);
    assert_eq!(d.entry("c").and_modify(bump).or_default().unwrap(), 0);
    assert_eq!(
        d.to_hash_map().unwrap(),
        map(&[("a", 11), ("b", 5), ("c", 0)])
    );
    // Python's layout: the same fields and values as `insert`.
    let raw: HashMap<String, String> = ctx
        .client
        .with_connection(|con| redis::cmd("HGETALL").arg(d.key()).query(con))
        .unwrap();
    assert_eq!(raw.get("\"a\"").map(String::as_str), Some("11"));
}

fn entry_or_insert_with_makes_the_default_only_when_absent(ctx: &Ctx) {
    let d = Tel::new(&ctx.client, &ctx.key("d"));
    let made = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let make = |made: &std::sync::Arc<std::sync::atomic::AtomicUsize>| {
        let made = made.clone();
        move || {
            made.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            42
        }
    };
    assert_eq!(d.entry("x").or_insert_with(make(&made)).unwrap(), 42);
    d.insert("x", 7).unwrap();
    assert_eq!(d.entry("x").or_insert_with(make(&made)).unwrap(), 7);
    assert_eq!(made.load(std::sync::atomic::Ordering::SeqCst), 1);
}

/// 4 threads each add 1 fifty times through `and_modify`: a compare-and-set,
/// so no increment is lost (a call that reports a conflict wrote nothing and is
/// made again).
fn entry_and_modify_loses_no_update_under_contention(ctx: &Ctx) {
    let d = Tel::new(&ctx.client, &ctx.key("d"));
    let conflicts = std::thread::scope(|s| {
        let workers: Vec<_> = (0..4)
            .map(|_| {
                let d = d.clone();
                s.spawn(move || {
                    let mut conflicts = 0;
                    for _ in 0..50 {
                        loop {
                            match d.entry("n").and_modify(|n| *n += 1).or_insert(1) {
                                Ok(_) => break,
                                Err(e) if e.kind() == ErrorKind::Conflict => conflicts += 1,
                                Err(e) => panic!("{e}"),
                            }
                        }
                    }
                    conflicts
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap())
            .sum::<usize>()
    });
    assert_eq!(d.get("n").unwrap(), Some(200), "{conflicts} conflicts");
}

fn entry_reports_a_conflict_and_writes_nothing(ctx: &Ctx) {
    let d = Tel::new(&ctx.client, &ctx.key("d"));
    d.insert("n", 0).unwrap();
    let other = d.clone();
    let mut writes = 0;
    let err = d
        .entry("n")
        .and_modify(move |n| {
            // Another writer changes the field under every attempt.
            writes += 1;
            other.insert("n", 100 + writes).unwrap();
            *n = -1;
        })
        .or_insert(0)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict, "{err}");
    assert_eq!(err.key(), Some(d.key()));
    assert_eq!(d.get("n").unwrap(), Some(104), "our -1 was never written");
}

fn retain_over_pages_spares_entries_changed_meanwhile(ctx: &Ctx) {
    let d = Tel::new(&ctx.client, &ctx.key("d"));
    assert_eq!(d.retain(|_, _| false).unwrap(), 0);
    d.extend((0..2000).map(|i| (format!("k{i}"), i))).unwrap();
    let other = d.clone();
    let changed = std::sync::Arc::new(std::sync::Mutex::new(None::<String>));
    let seen = changed.clone();
    let removed = d
        .retain(move |k, v| {
            let reject = v % 2 == 1 && *v < 10_000;
            let mut changed = seen.lock().unwrap();
            if reject && changed.is_none() {
                // Judged with its old value; rewritten before the delete runs.
                other.insert(k, 10_001).unwrap();
                *changed = Some(k.clone());
            }
            !reject
        })
        .unwrap();
    let changed = changed.lock().unwrap().clone().unwrap();
    assert_eq!(removed, 999);
    assert_eq!(d.len().unwrap(), 1001);
    assert_eq!(d.get(&changed).unwrap(), Some(10_001));
    assert!(d.values().all(|v| {
        let v = v.unwrap();
        v % 2 == 0 || v == 10_001
    }));
}

fn drain_yields_every_entry_once_and_empties_the_dict(ctx: &Ctx) {
    let d = Tel::new(&ctx.client, &ctx.key("d"));
    assert_eq!(d.drain().count(), 0);
    d.extend((0..2000).map(|i| (format!("k{i}"), i))).unwrap();
    ctx.client
        .with_connection(|con| {
            redis::cmd("HSET")
                .arg(d.key())
                .arg("\"bad\"")
                .arg("not json")
                .query::<()>(con)
        })
        .unwrap();
    let (mut good, mut bad) = (Vec::new(), 0);
    for entry in d.drain() {
        match entry {
            Ok((_, v)) => good.push(v),
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
                // It was removed: the error hands back field and value, whole.
                let taken = e.removed_raw().expect("a drained entry is handed back");
                assert_eq!(taken, [b"\"bad\"".to_vec(), b"not json".to_vec()]);
                bad += 1;
            }
        }
    }
    good.sort_unstable();
    assert_eq!(good, (0..2000).collect::<Vec<_>>());
    assert_eq!(bad, 1);
    assert!(!d.exists().unwrap());
}

fn async_entry_retain_and_drain(ctx: &Ctx) {
    let key = ctx.key("d");
    let client = ctx.client.clone();
    ctx.block_on(async move {
        let d = future::RedisDict::<String, i64>::new(&client, &key);
        assert_eq!(d.entry("a").or_insert(1).await.unwrap(), 1);
        let e = d.entry("a").and_modify(|n| *n += 1).or_insert(0);
        assert_eq!(e.await.unwrap(), 2);
        assert_eq!(d.entry("b").or_insert_with(|| 3).await.unwrap(), 3);
        assert_eq!(d.entry("c").or_default().await.unwrap(), 0);
        d.extend((0..600).map(|i| (format!("k{i}"), i)))
            .await
            .unwrap();
        assert_eq!(d.retain(|k, _| !k.starts_with('k')).await.unwrap(), 600);
        let mut gone: Vec<(String, i64)> = d.drain().map(Result::unwrap).collect().await;
        gone.sort();
        assert_eq!(gone, items(&[("a", 2), ("b", 3), ("c", 0)]));
        assert!(d.is_empty().await.unwrap());
    });
}
