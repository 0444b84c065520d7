//! HyperLogLog, on one server and on a 3-master cluster.
//!
//! The first group ports every case of Python pottery 3.0.1's `tests/test_hyper.py`
//! (named after it; parametrized cases once per parameter); the rest covers
//! accuracy at 100,000 elements, merging across servers and cluster slots, the
//! membership script's clean-up (errors included), errors and the async API.
//! Interop with Python is in `interop_probabilistic.rs`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_precision_loss,
    missing_docs
)]

use crate::support;

use pottery::{Client, Container, future, sync::HyperLogLog};
use redis::cluster_routing::Slot;
use serde::Serialize;
use support::{Ctx, Target};

type Hll = HyperLogLog<String>;

fn hll(ctx: &Ctx, name: &str, elements: &[&str]) -> Hll {
    let h = Hll::new(&ctx.client, &ctx.key(name));
    h.extend(elements.iter().copied()).unwrap();
    h
}

fn uuids(n: usize) -> Vec<String> {
    (0..n).map(|_| uuid::Uuid::new_v4().to_string()).collect()
}

const FBZA: &[&str] = &["foo", "bar", "zap", "a"];

// ---- pottery 3.0.1 tests/test_hyper.py ----

fn test_init_without_iterable(ctx: &Ctx) {
    let h = Hll::temporary(&ctx.client);
    assert_eq!(h.len().unwrap(), 0);
}

fn test_init_with_iterable(ctx: &Ctx) {
    let h = Hll::temporary(&ctx.client);
    h.extend(FBZA.iter().copied()).unwrap();
    assert_eq!(h.len().unwrap(), 4);
}

fn test_add(ctx: &Ctx) {
    let h = Hll::temporary(&ctx.client);
    for (element, len) in [
        ("foo", 1),
        ("bar", 2),
        ("zap", 3),
        ("a", 4),
        ("a", 4),
        ("b", 5),
        ("c", 6),
        ("foo", 6),
    ] {
        h.insert(element).unwrap();
        assert_eq!(h.len().unwrap(), len, "after {element}");
    }
}

fn test_update(ctx: &Ctx) {
    let hll2 = hll(ctx, "hll2", &["a", "b", "c", "foo"]);
    let hll1 = hll(ctx, "hll1-a", FBZA);
    hll1.merge([&hll2]).unwrap();
    assert_eq!(hll1.len().unwrap(), 6);

    let hll1 = hll(ctx, "hll1-b", FBZA);
    hll1.extend(["b", "c", "d", "foo"]).unwrap();
    assert_eq!(hll1.len().unwrap(), 7);

    let hll1 = hll(ctx, "hll1-c", FBZA);
    hll1.merge([&hll2]).unwrap();
    hll1.extend(["b", "c", "d", "baz"]).unwrap();
    assert_eq!(hll1.len().unwrap(), 8);
}

/// pottery raises `RuntimeError` for a HyperLogLog on another Redis; ours reads
/// it and merges it correctly.
fn test_update_different_redis_instances(ctx: &Ctx) {
    let other_server = pottery_testkit::Server::start();
    let other = Client::open(&other_server.url()).unwrap();
    let hll1 = hll(ctx, "hll1", FBZA);
    let hll2 = Hll::new(&other, &ctx.key("hll2"));
    hll2.extend(["a", "b", "c", "foo"]).unwrap();
    hll1.merge([&hll2]).unwrap();
    assert_eq!(hll1.len().unwrap(), 6);
    assert_eq!(hll2.len().unwrap(), 4);
    let both = hll2.union([&hll1]).unwrap();
    assert_eq!(both.len().unwrap(), 6);
}

fn test_union(ctx: &Ctx) {
    let hll1 = hll(ctx, "hll1", FBZA);
    let hll2 = hll(ctx, "hll2", &["a", "b", "c", "foo"]);
    assert_eq!(hll1.union([&hll2]).unwrap().len().unwrap(), 6);
    let u = hll1.union::<pottery::Blocking, _>([]).unwrap();
    u.extend(["b", "c", "d", "foo"]).unwrap();
    assert_eq!(u.len().unwrap(), 7);
    let u = hll1.union([&hll2]).unwrap();
    u.extend(["b", "c", "d", "baz"]).unwrap();
    assert_eq!(u.len().unwrap(), 8);
    assert_eq!(hll1.len().unwrap(), 4, "the union left its operands alone");
}

fn test_contains_metasyntactic_variables(ctx: &Ctx) {
    for variable in ["foo", "bar"] {
        let vars = hll(ctx, variable, FBZA);
        assert!(vars.contains(variable).unwrap(), "{variable}");
    }
}

fn test_doesnt_contain_metasyntactic_variables(ctx: &Ctx) {
    for variable in ["baz", "qux"] {
        let vars = hll(ctx, variable, FBZA);
        assert!(!vars.contains(variable).unwrap(), "{variable}");
    }
}

fn test_contains_many_uuids(ctx: &Ctx) {
    let n = 5000;
    let (known, unknown) = (uuids(n), uuids(n));
    let h = Hll::new(&ctx.client, &ctx.key("uuids"));
    h.extend(&known).unwrap();
    let known_contained = h.contains_many(&known).unwrap();
    assert_eq!(known_contained.iter().filter(|b| **b).count(), n);
    let unknown_contained = h.contains_many(&unknown).unwrap();
    let false_positives = unknown_contained.iter().filter(|b| **b).count();
    assert!(
        false_positives as f64 <= n as f64 * 0.25,
        "{false_positives}"
    );
    assert_eq!(scratch_keys(ctx), 0);
}

/// An element that cannot be encoded, like Python's `BaseException`.
enum Meta {
    Object,
}

impl Serialize for Meta {
    fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom("not JSON-serializable"))
    }
}

fn test_membership_for_non_jsonifyable_element(ctx: &Ctx) {
    let h: HyperLogLog<Meta> = HyperLogLog::new(&ctx.client, &ctx.key("h"));
    assert!(!h.contains(Meta::Object).unwrap());
    assert_eq!(h.contains_many([Meta::Object]).unwrap(), [false]);
    assert_eq!(
        h.insert(Meta::Object).unwrap_err().kind(),
        pottery::ErrorKind::Encode
    );
}

/// `repr` shows the key and len (one round trip); `Debug` the key only.
fn test_repr(ctx: &Ctx) {
    let h = hll(ctx, "hll", FBZA);
    assert_eq!(
        format!("{h:?}"),
        format!("HyperLogLog {{ key: {:?} }}", h.key())
    );
    assert_eq!(
        h.repr().unwrap(),
        format!("<HyperLogLog key={} len=4>", h.key())
    );
}

// ---- beyond pottery ----

/// Scratch keys left anywhere (every master of the cluster).
fn scratch_keys(ctx: &Ctx) -> usize {
    let urls = match ctx.target {
        Target::Server => vec![ctx.url()],
        Target::Cluster => ctx.env.cluster().urls(),
    };
    urls.iter()
        .map(|url| {
            let mut con = redis::Client::open(url.as_str())
                .unwrap()
                .get_connection()
                .unwrap();
            let keys: Vec<String> = redis::cmd("KEYS")
                .arg("*pottery-scratch*")
                .query(&mut con)
                .unwrap();
            keys.len()
        })
        .sum()
}

fn len_within_two_percent_at_100_000(ctx: &Ctx) {
    let h = Hll::new(&ctx.client, &ctx.key("big"));
    let all: Vec<String> = (0..100_000).map(|i| format!("element-{i}")).collect();
    for chunk in all.chunks(25_000) {
        h.extend(chunk).unwrap();
    }
    let len = h.len().unwrap() as f64;
    let error = (len - 100_000.0).abs() / 100_000.0;
    println!(
        "HyperLogLog len at 100,000 distinct: {len} (error {:.3}%)",
        error * 100.0
    );
    assert!(error < 0.02, "len {len}");
    let sample: Vec<&String> = all.iter().step_by(97).collect();
    assert!(
        h.contains_many(sample).unwrap().iter().all(|b| *b),
        "a false negative"
    );
}

/// Membership on a missing key, and on keys that are not HyperLogLogs: the
/// scratch key never stays behind, errors included, and errors name the key.
fn membership_cleans_up_on_every_path(ctx: &Ctx) {
    let missing = Hll::new(&ctx.client, &ctx.key("missing"));
    assert!(!missing.contains("x").unwrap());
    assert_eq!(missing.contains_many(["x", "y"]).unwrap(), [false, false]);
    assert!(!missing.exists().unwrap());

    let (string_key, hash_key) = (ctx.key("plain-string"), ctx.key("a-hash"));
    ctx.client
        .with_connection(|con| {
            redis::cmd("SET")
                .arg(&string_key)
                .arg("not an hll")
                .query::<()>(con)?;
            redis::cmd("HSET")
                .arg(&hash_key)
                .arg("f")
                .arg("v")
                .query::<()>(con)
        })
        .unwrap();
    for (key, actual) in [(&string_key, "string"), (&hash_key, "hash")] {
        let bad = Hll::new(&ctx.client, key);
        for err in [
            bad.contains("x").unwrap_err(),
            bad.contains_many(["x", "y"]).unwrap_err(),
            bad.insert("x").unwrap_err(),
            bad.len().unwrap_err(),
        ] {
            assert_eq!(err.kind(), pottery::ErrorKind::WrongType, "{err:?}");
            assert_eq!(err.key(), Some(key.as_str()));
            assert!(
                err.to_string()
                    .contains(&format!("holds a {actual}, not a HyperLogLog")),
                "{err}"
            );
        }
    }
    let h = hll(ctx, "fine", FBZA);
    assert_eq!(
        h.contains_many(["foo", "nope", "a"]).unwrap(),
        [true, false, true]
    );
    assert_eq!(h.len().unwrap(), 4, "membership changed the HyperLogLog");
    assert_eq!(scratch_keys(ctx), 0);
}

/// Merging from the same slot, another slot (cluster) and another client; a
/// source that is not a HyperLogLog is named, and nothing is merged.
fn merge_paths_and_errors(ctx: &Ctx) {
    let dest = Hll::new(&ctx.client, &ctx.key("{m}dest"));
    let near = hll(ctx, "{m}near", &["a", "b"]);
    let far = hll(ctx, "{other}far", &["c", "d"]);
    if ctx.target == Target::Cluster {
        assert_eq!(Slot::for_key(dest.key()), Slot::for_key(near.key()));
        assert_ne!(Slot::for_key(dest.key()), Slot::for_key(far.key()));
    }
    let another_client = ctx.env.client(ctx.target);
    let elsewhere = Hll::new(&another_client, &ctx.key("elsewhere"));
    elsewhere.extend(["e", "f"]).unwrap();
    let missing = Hll::new(&ctx.client, &ctx.key("missing"));
    dest.merge([&near, &far, &elsewhere, &missing]).unwrap();
    assert_eq!(dest.len().unwrap(), 6);
    assert!(!missing.exists().unwrap());

    let bad_key = ctx.key("{m}bad");
    ctx.client
        .with_connection(|con| redis::cmd("SET").arg(&bad_key).arg("nope").query::<()>(con))
        .unwrap();
    let bad = Hll::new(&ctx.client, &bad_key);
    let far_bad_key = ctx.key("{x}bad");
    ctx.client
        .with_connection(|con| {
            redis::cmd("RPUSH")
                .arg(&far_bad_key)
                .arg("l")
                .query::<()>(con)
        })
        .unwrap();
    let far_bad = Hll::new(&ctx.client, &far_bad_key);
    let before: Vec<u8> = ctx
        .client
        .with_connection(|con| redis::cmd("GET").arg(dest.key()).query(con))
        .unwrap();
    for (source, actual) in [(&bad, "string"), (&far_bad, "list")] {
        let err = dest.merge([&near, source]).unwrap_err();
        assert_eq!(err.kind(), pottery::ErrorKind::WrongType, "{err:?}");
        assert_eq!(err.key(), Some(source.key()), "{err}");
        assert!(
            err.to_string().contains(&format!("holds a {actual}")),
            "{err}"
        );
    }
    let err = bad.merge([&near]).unwrap_err();
    assert_eq!(err.key(), Some(bad.key()), "{err}");
    let after: Vec<u8> = ctx
        .client
        .with_connection(|con| redis::cmd("GET").arg(dest.key()).query(con))
        .unwrap();
    assert_eq!(before, after, "a failed merge wrote");
    assert_eq!(scratch_keys(ctx), 0);

    let named = near
        .union_into(&ctx.key("{m}union"), [&far, &elsewhere])
        .unwrap();
    assert_eq!(
        (named.key(), named.len().unwrap()),
        (ctx.key("{m}union").as_str(), 6)
    );
    let temp = far.union([&near]).unwrap();
    let temp_key = temp.key().to_owned();
    assert!(temp_key.starts_with("pottery:"));
    assert_eq!(temp.len().unwrap(), 4);
    drop(temp);
    assert!(!Hll::new(&ctx.client, &temp_key).exists().unwrap());
}

fn expiry_and_clear(ctx: &Ctx) {
    let h = hll(ctx, "h", FBZA);
    assert!(h.expire(std::time::Duration::from_secs(60)).unwrap());
    assert!(h.ttl().unwrap().is_some());
    assert_eq!(h.redis_type(), "string");
    // Membership does not touch the key: its TTL stays.
    assert!(h.contains("foo").unwrap());
    assert!(h.ttl().unwrap().is_some());
    h.clear().unwrap();
    assert!(h.is_empty().unwrap() && !h.exists().unwrap());
}

fn async_api(ctx: &Ctx) {
    let (client, key, other_key) = (ctx.client.clone(), ctx.key("async"), ctx.key("async-other"));
    ctx.block_on(async move {
        let h: future::HyperLogLog<String> = future::HyperLogLog::new(&client, &key);
        assert!(h.is_empty().await.unwrap());
        assert!(h.insert("foo").await.unwrap());
        assert!(!h.insert("foo").await.unwrap());
        h.extend(["bar", "zap", "a"]).await.unwrap();
        assert_eq!(h.len().await.unwrap(), 4);
        assert!(h.contains("foo").await.unwrap());
        assert_eq!(h.contains_many(["a", "nope"]).await.unwrap(), [true, false]);
        let other: future::HyperLogLog<String> = future::HyperLogLog::new(&client, &other_key);
        other.extend(["b", "c"]).await.unwrap();
        assert_eq!(h.union([&other]).await.unwrap().len().await.unwrap(), 6);
        h.merge([&other]).await.unwrap();
        assert_eq!(h.len().await.unwrap(), 6);
        // A blocking HyperLogLog merges into an async one.
        let blocking = Hll::new(&client, &other_key);
        blocking.insert("d").unwrap();
        h.merge([&blocking]).await.unwrap();
        assert_eq!(h.len().await.unwrap(), 7);
        h.clear().await.unwrap();
        assert_eq!(h.len().await.unwrap(), 0);
    });
}

pub(crate) fn suite() -> support::Suite {
    let cases = cases![
        test_init_without_iterable,
        test_init_with_iterable,
        test_add,
        test_update,
        test_update_different_redis_instances,
        test_union,
        test_contains_metasyntactic_variables,
        test_doesnt_contain_metasyntactic_variables,
        test_contains_many_uuids,
        test_membership_for_non_jsonifyable_element,
        test_repr,
        len_within_two_percent_at_100_000,
        membership_cleans_up_on_every_path,
        merge_paths_and_errors,
        expiry_and_clear,
        async_api,
    ];
    support::Suite::one("hyperloglog", &[Target::Server, Target::Cluster], cases)
}
