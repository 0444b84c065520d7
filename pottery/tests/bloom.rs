//! BloomFilter, on one server and on a 3-master cluster.
//!
//! The first group ports every case of Python pottery 3.0.1's `tests/test_bloom.py`
//! (named after it; `TestRecentlyConsumed`'s two cases included); the rest covers
//! the bit layout (BITFIELD vs SETBIT), round trips, accuracy at capacity, the
//! derived figures, errors and the async API. Interop with Python is in
//! `interop_probabilistic.rs`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_precision_loss,
    missing_docs
)]

use crate::support;

use std::collections::HashSet;

use pottery::{Client, Container, future, sync::BloomFilter};
use serde::Serialize;
use support::{Ctx, Target};

type Bf = BloomFilter<String>;

fn bf(ctx: &Ctx, name: &str, n: u64, p: f64) -> Bf {
    Bf::new(&ctx.client, &ctx.key(name), n, p).unwrap()
}

fn uuids(n: usize) -> Vec<String> {
    (0..n).map(|_| uuid::Uuid::new_v4().to_string()).collect()
}

/// Asserts which of `names` the filter reports present.
fn present(filter: &Bf, yes: &[&str], no: &[&str]) {
    for name in yes {
        assert!(filter.contains(*name).unwrap(), "{name} should be in");
    }
    for name in no {
        assert!(!filter.contains(*name).unwrap(), "{name} should not be in");
    }
}

// ---- pottery 3.0.1 tests/test_bloom.py ----

/// `_store_on_self` caches size and num_hashes; ours computes them once, at
/// construction, without Redis (this client points nowhere).
fn test_store_on_self(_ctx: &Ctx) {
    let nowhere = Client::open("redis://127.0.0.1:1").unwrap();
    let filter = Bf::new(&nowhere, "dilberts", 100, 0.01).unwrap();
    assert_eq!((filter.size(), filter.num_hashes()), (959, 7));
    assert_eq!((filter.size(), filter.num_hashes()), (959, 7));
    let copy = filter.clone();
    assert_eq!((copy.size(), copy.num_hashes()), (959, 7));
}

/// The ABC cannot be instantiated; ours has no ABC, and no filter can exist
/// without a valid (n, p).
fn test_abc_cant_be_instantiated(ctx: &Ctx) {
    for (n, p) in [(0, 0.01), (100, 0.0), (100, 1.0), (100, f64::NAN)] {
        let err = Bf::new(&ctx.client, &ctx.key("bad"), n, p).unwrap_err();
        assert_eq!(
            err.kind(),
            pottery::ErrorKind::Config,
            "({n}, {p}): {err:?}"
        );
        assert_eq!(
            Bf::temporary(&ctx.client, n, p).unwrap_err().kind(),
            pottery::ErrorKind::Config
        );
    }
}

fn test_init_without_iterable(ctx: &Ctx) {
    let dilberts = Bf::temporary(&ctx.client, 100, 0.01).unwrap();
    assert_eq!(dilberts.num_elements(), 100);
    assert_eq!(dilberts.false_positives(), 0.01);
    present(&dilberts, &[], &["rajiv", "raj", "dan", "eric"]);
    assert_eq!(dilberts.bits_set().unwrap(), 0);
    assert_eq!(dilberts.len().unwrap(), 0);
}

fn test_init_with_iterable(ctx: &Ctx) {
    let dilberts = Bf::temporary(&ctx.client, 100, 0.01).unwrap();
    dilberts.extend(["rajiv", "raj"]).unwrap();
    assert_eq!(dilberts.num_elements(), 100);
    assert_eq!(dilberts.false_positives(), 0.01);
    present(&dilberts, &["rajiv", "raj"], &["dan", "eric"]);
    assert!(dilberts.bits_set().unwrap() > u64::from(dilberts.num_hashes()) + 1);
    assert_eq!(dilberts.len().unwrap(), 2);
}

fn test_size_and_num_hashes(ctx: &Ctx) {
    for ((n, p), (size, hashes)) in [
        ((100, 0.1), (480, 4)),
        ((1000, 0.1), (4793, 4)),
        ((100, 0.01), (959, 7)),
        ((1000, 0.01), (9586, 7)),
    ] {
        let dilberts = Bf::temporary(&ctx.client, n, p).unwrap();
        assert_eq!((dilberts.size(), dilberts.num_hashes()), (size, hashes));
    }
}

fn test_add(ctx: &Ctx) {
    let dilberts = bf(ctx, "dilberts", 100, 0.01);
    present(&dilberts, &[], &["rajiv", "raj", "dan", "eric"]);
    assert_eq!(dilberts.len().unwrap(), 0);
    let steps: [(&str, &[&str], &[&str], u64); 6] = [
        ("rajiv", &["rajiv"], &["raj", "dan", "eric"], 1),
        ("raj", &["rajiv", "raj"], &["dan", "eric"], 2),
        ("rajiv", &["rajiv", "raj"], &["dan", "eric"], 2),
        ("raj", &["rajiv", "raj"], &["dan", "eric"], 2),
        ("dan", &["rajiv", "raj", "dan"], &["eric"], 3),
        ("eric", &["rajiv", "raj", "dan", "eric"], &[], 4),
    ];
    for (added, yes, no, len) in steps {
        dilberts.insert(added).unwrap();
        present(&dilberts, yes, no);
        assert_eq!(dilberts.len().unwrap(), len, "after {added}");
    }
}

fn test_update(ctx: &Ctx) {
    let dilberts = bf(ctx, "dilberts", 100, 0.01);
    let all = ["rajiv", "raj", "dan", "eric", "jenny", "will", "rhodes"];
    present(&dilberts, &[], &all);
    assert_eq!(dilberts.len().unwrap(), 0);
    dilberts
        .extend(["rajiv", "raj"].into_iter().chain(["dan", "eric"]))
        .unwrap();
    present(&dilberts, &all[..4], &all[4..]);
    assert_eq!(dilberts.len().unwrap(), 4);
    dilberts.extend(["jenny", "will"]).unwrap();
    present(&dilberts, &all[..6], &all[6..]);
    assert_eq!(dilberts.len().unwrap(), 6);
    dilberts.extend(Vec::<String>::new()).unwrap();
    present(&dilberts, &all[..6], &all[6..]);
    assert_eq!(dilberts.len().unwrap(), 6);
}

fn test_contains_many_metasyntactic_variables(ctx: &Ctx) {
    let vars = bf(ctx, "vars", 4, 0.01);
    vars.extend(["foo", "bar", "zap", "a"]).unwrap();
    let found = vars.contains_many(["foo", "bar", "baz", "quz"]).unwrap();
    assert_eq!(found, [true, true, false, false]);
}

fn test_contains_many_uuids(ctx: &Ctx) {
    let (n, p) = (5000, 0.01);
    let (known, unknown) = (uuids(n), uuids(n));
    let uuid_bf = bf(ctx, "uuids", n as u64, p);
    uuid_bf.extend(&known).unwrap();
    let known_contained = uuid_bf.contains_many(&known).unwrap();
    let unknown_contained = uuid_bf.contains_many(&unknown).unwrap();
    assert_eq!(known_contained.iter().filter(|b| **b).count(), n);
    let false_positives = unknown_contained.iter().filter(|b| **b).count();
    assert!(
        false_positives as f64 <= n as f64 * p * 2.0,
        "{false_positives}"
    );
}

/// Members that may fail to encode, like Python's `BaseException`.
enum Meta {
    Object,
}

impl Serialize for Meta {
    fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom("not JSON-serializable"))
    }
}

fn test_membership_for_non_jsonifyable_element(ctx: &Ctx) {
    let dilberts: BloomFilter<Meta> =
        BloomFilter::new(&ctx.client, &ctx.key("d"), 100, 0.01).unwrap();
    assert!(!dilberts.contains(Meta::Object).unwrap());
    assert_eq!(dilberts.contains_many([Meta::Object]).unwrap(), [false]);
    assert_eq!(
        dilberts.insert(Meta::Object).unwrap_err().kind(),
        pottery::ErrorKind::Encode
    );
    assert_eq!(
        dilberts.extend([Meta::Object]).unwrap_err().kind(),
        pottery::ErrorKind::Encode
    );
    assert!(!dilberts.exists().unwrap());
}

/// `repr` shows the key; ours is `Debug`, with the shape.
fn test_repr(ctx: &Ctx) {
    let dilberts = Bf::new(&ctx.client, "dilberts", 100, 0.01).unwrap();
    let shown = format!("{dilberts:?}");
    assert!(
        shown.starts_with("BloomFilter { key: \"dilberts\""),
        "{shown}"
    );
    assert!(
        shown.contains("size: 959") && shown.contains("num_hashes: 7"),
        "{shown}"
    );
    assert_eq!(dilberts.repr().unwrap(), "<BloomFilter key=dilberts>");
}

/// `TestRecentlyConsumed`'s fixture: 100 seen and 100 unseen Reddit fullnames in
/// a filter for (1000, 0.001).
fn recently_consumed(ctx: &Ctx) -> (Bf, Vec<String>, Vec<String>) {
    let fullname = || {
        let id36: String = uuid::Uuid::new_v4().simple().to_string()[..6].to_owned();
        format!("t3_{id36}")
    };
    let mut seen = HashSet::new();
    while seen.len() < 100 {
        seen.insert(fullname());
    }
    let mut unseen = HashSet::new();
    while unseen.len() < 100 {
        let name = fullname();
        if !seen.contains(&name) {
            unseen.insert(name);
        }
    }
    let filter = bf(ctx, "recently-consumed", 1000, 0.001);
    filter.extend(&seen).unwrap();
    (
        filter,
        seen.into_iter().collect(),
        unseen.into_iter().collect(),
    )
}

fn test_zero_false_negatives(ctx: &Ctx) {
    let (filter, seen, _) = recently_consumed(ctx);
    for link in &seen {
        assert!(filter.contains(link).unwrap(), "{link}");
    }
}

fn test_acceptable_false_positives(ctx: &Ctx) {
    let (filter, _, unseen) = recently_consumed(ctx);
    let actual = unseen
        .iter()
        .filter(|l| filter.contains(*l).unwrap())
        .count();
    // pottery rounds actual/100 to one significant digit and wants <= 0.001:
    // that is, no false positive among the 100 (0.01 would round to 0.01).
    assert_eq!(
        actual,
        0,
        "acceptable: 0.001; actual: {}",
        actual as f64 / 100.0
    );
}

// ---- beyond pottery ----

/// A raw command's reply through the case's client.
fn raw<T: redis::FromRedisValue>(ctx: &Ctx, cmd: &redis::Cmd) -> T {
    ctx.client.with_connection(|con| cmd.query(con)).unwrap()
}

/// `BITFIELD ... SET u1 N 1` sets exactly the bit `SETBIT N 1` sets (bit 0 is
/// the top bit of byte 0): the bitmap is byte-identical to pottery's.
fn bitfield_sets_setbits_bits(ctx: &Ctx) {
    let ours = bf(ctx, "{layout}ours", 100, 0.01);
    assert!(ours.insert("rajiv").unwrap());
    let offsets = ours.bit_offsets("rajiv").unwrap();
    assert_eq!(offsets, [183, 319, 787, 585, 8, 471, 711]);
    let by_setbit = ctx.key("{layout}setbit");
    for offset in &offsets {
        let _: i64 = raw(
            ctx,
            redis::cmd("SETBIT").arg(&by_setbit).arg(*offset).arg(1),
        );
    }
    let get = |key: &str| -> Vec<u8> { raw(ctx, redis::cmd("GET").arg(key)) };
    assert_eq!(get(ours.key()), get(&by_setbit));
    assert_eq!(
        get(ours.key())[1],
        0b1000_0000,
        "bit 8 is the top bit of byte 1"
    );
    let bit: i64 = raw(ctx, redis::cmd("GETBIT").arg(ours.key()).arg(183));
    assert_eq!(bit, 1);
    assert!(!ours.insert("rajiv").unwrap(), "no bit was unset");
}

/// Every operation is one command, whatever k or the number of elements.
fn one_round_trip_each(_ctx: &Ctx) {
    let server = pottery_testkit::Server::start();
    let client = Client::open(&server.url()).unwrap();
    let mut watcher = redis::Client::open(server.url())
        .unwrap()
        .get_connection()
        .unwrap();
    // Commands run so far; the INFO reading it counts in the next reading.
    let mut calls = || -> u64 {
        let info: String = redis::cmd("INFO")
            .arg("commandstats")
            .query(&mut watcher)
            .unwrap();
        info.lines()
            .filter_map(|l| {
                l.split("calls=")
                    .nth(1)?
                    .split(',')
                    .next()?
                    .parse::<u64>()
                    .ok()
            })
            .sum()
    };
    let filter = Bf::new(&client, "f", 1000, 0.001).unwrap(); // k = 10
    filter.insert("warm-up").unwrap();
    let many: Vec<String> = (0..1000).map(|i| format!("e{i}")).collect();
    let ops: [(&str, &dyn Fn()); 6] = [
        ("insert", &|| {
            let _ = filter.insert("x").unwrap();
        }),
        ("contains", &|| {
            let _ = filter.contains("x").unwrap();
        }),
        ("extend(1000)", &|| filter.extend(&many).unwrap()),
        ("contains_many(1000)", &|| {
            drop(filter.contains_many(&many).unwrap())
        }),
        ("len", &|| {
            let _ = filter.len().unwrap();
        }),
        ("bits_set", &|| {
            let _ = filter.bits_set().unwrap();
        }),
    ];
    for (name, op) in ops {
        let before = calls();
        op();
        assert_eq!(calls() - before - 1, 1, "{name} sent more than one command");
    }
}

/// At capacity, the false-positive rate measured over 100,000 absent elements
/// stays within p plus a 5-sigma margin, and no inserted element is missed.
///
/// Margin: with n = 10,000 and p = 0.01, m = 95,851 and k = 7, so the expected
/// rate is (1 - (1 - 1/m)^(kn))^k = 0.010039 (the ceilings make k one above the
/// real optimum 6.64, which costs a hair: not below p, 0.4% above it). Each
/// absent element is a Bernoulli trial with that rate: sd sqrt(p(1-p)/N) =
/// 0.000315 over N = 100,000. The filter itself varies between runs (its fill
/// X/m has sd ~0.0009, so (X/m)^k has sd ~0.000124). Together sd ~0.000338; 5 sd
/// is 0.0017, so the bound is 0.0117: a correct filter exceeds it about once in
/// 3.5 million runs, while a filter off by 17% (say one hash too few, 0.0116 ...
/// or a wrong m) is caught. The rate is also held to the figure the filter
/// itself predicts from its fill, (X/m)^k, within 5 binomial sd.
fn false_positive_rate_at_capacity(ctx: &Ctx) {
    let (n, p, trials) = (10_000u64, 0.01, 100_000usize);
    let filter = bf(ctx, "capacity", n, p);
    assert_eq!((filter.size(), filter.num_hashes()), (95_851, 7));
    let inserted = uuids(n as usize);
    filter.extend(&inserted).unwrap();
    assert!(
        filter.contains_many(&inserted).unwrap().iter().all(|b| *b),
        "a false negative"
    );
    let absent = uuids(trials);
    let hits = filter
        .contains_many(&absent)
        .unwrap()
        .iter()
        .filter(|b| **b)
        .count();
    let rate = hits as f64 / trials as f64;
    let sd = (p * (1.0 - p) / trials as f64 + 0.000_124f64.powi(2)).sqrt();
    let bound = p + 5.0 * sd;
    println!("false-positive rate at capacity: {rate} (p = {p}, bound {bound:.5})");
    assert!(rate <= bound, "rate {rate} above {bound}");
    let predicted = filter.stats().unwrap().false_positive_rate();
    let binomial = (predicted * (1.0 - predicted) / trials as f64).sqrt();
    assert!(
        (rate - predicted).abs() <= 5.0 * binomial,
        "rate {rate}, predicted {predicted}"
    );
    let estimate = filter.len().unwrap() as f64;
    assert!(
        (estimate - n as f64).abs() / (n as f64) < 0.02,
        "len {estimate}"
    );
}

fn stats_and_figures(ctx: &Ctx) {
    let filter = bf(ctx, "stats", 100, 0.01);
    let empty = filter.stats().unwrap();
    assert_eq!(
        (
            empty.size,
            empty.num_hashes,
            empty.bits_set,
            empty.stored_bytes
        ),
        (959, 7, 0, 0)
    );
    assert_eq!(
        (
            empty.fill_ratio(),
            empty.false_positive_rate(),
            empty.estimated_len()
        ),
        (0.0, 0.0, 0)
    );
    assert!(empty.fits());
    filter.extend((0..100).map(|i| format!("e{i}"))).unwrap();
    let full = filter.stats().unwrap();
    assert_eq!(full.bits_set, filter.bits_set().unwrap());
    assert!(full.stored_bytes <= 120 && full.fits());
    assert!(
        (0.4..0.6).contains(&full.fill_ratio()),
        "{}",
        full.fill_ratio()
    );
    assert!(
        (0.003..0.03).contains(&full.false_positive_rate()),
        "{}",
        full.false_positive_rate()
    );
    assert_eq!(full.estimated_len(), filter.len().unwrap());
    // A filter opened with a smaller (n, p) than the one that wrote the key.
    let small = Bf::new(&ctx.client, filter.key(), 10, 0.1).unwrap();
    assert!(!small.stats().unwrap().fits());
}

fn full_filter_len_saturates(ctx: &Ctx) {
    let tiny = bf(ctx, "tiny", 1, 0.5);
    assert_eq!((tiny.size(), tiny.num_hashes()), (2, 2));
    tiny.extend((0..50).map(|i| i.to_string())).unwrap();
    assert_eq!(tiny.bits_set().unwrap(), 2);
    assert_eq!(tiny.len().unwrap(), u64::MAX);
    assert_eq!(tiny.stats().unwrap().false_positive_rate(), 1.0);
    assert!(tiny.contains("never inserted").unwrap());
}

fn wrong_type_names_key(ctx: &Ctx) {
    let key = ctx.key("a-hash");
    let _: i64 = raw(ctx, redis::cmd("HSET").arg(&key).arg("f").arg("v"));
    let bad = Bf::new(&ctx.client, &key, 100, 0.01).unwrap();
    let check = |err: pottery::Error| {
        assert_eq!(err.kind(), pottery::ErrorKind::WrongType, "{err:?}");
        assert_eq!(err.key(), Some(key.as_str()));
        assert!(
            err.to_string().contains("holds a hash, not a string"),
            "{err}"
        );
    };
    check(bad.insert("x").unwrap_err());
    check(bad.extend(["x", "y"]).unwrap_err());
    check(bad.contains("x").unwrap_err());
    check(bad.contains_many(["x", "y"]).unwrap_err());
    check(bad.len().unwrap_err());
    check(bad.bits_set().unwrap_err());
    check(bad.stats().unwrap_err());
}

fn expiry_clear_and_temporary(ctx: &Ctx) {
    let filter = bf(ctx, "expiring", 100, 0.01);
    assert!(!filter.expire(std::time::Duration::from_secs(60)).unwrap());
    filter.insert("a").unwrap();
    assert!(filter.expire(std::time::Duration::from_secs(60)).unwrap());
    assert!(filter.ttl().unwrap().is_some());
    assert_eq!(filter.redis_type(), "string");
    filter.clear().unwrap();
    assert!(!filter.exists().unwrap() && filter.is_empty().unwrap());
    assert!(!filter.contains("a").unwrap());

    let temp = Bf::temporary(&ctx.client, 100, 0.01).unwrap();
    let key = temp.key().to_owned();
    temp.insert("a").unwrap();
    let seen = Bf::new(&ctx.client, &key, 100, 0.01).unwrap();
    assert!(seen.contains("a").unwrap());
    drop(temp);
    assert!(
        !seen.exists().unwrap(),
        "a temporary filter's key outlived it"
    );
}

fn async_api(ctx: &Ctx) {
    let (client, key) = (ctx.client.clone(), ctx.key("async"));
    ctx.block_on(async move {
        let filter: future::BloomFilter<String> =
            future::BloomFilter::new(&client, &key, 100, 0.01).unwrap();
        assert!(filter.is_empty().await.unwrap());
        assert!(filter.insert("rajiv").await.unwrap());
        assert!(filter.contains("rajiv").await.unwrap());
        assert!(!filter.contains("dan").await.unwrap());
        filter.extend(["raj", "dan"]).await.unwrap();
        assert_eq!(
            filter.contains_many(["raj", "dan", "eric"]).await.unwrap(),
            [true, true, false]
        );
        assert_eq!(filter.len().await.unwrap(), 3);
        assert_eq!(
            filter.bits_set().await.unwrap(),
            filter.stats().await.unwrap().bits_set
        );
        filter.clear().await.unwrap();
        assert_eq!(filter.len().await.unwrap(), 0);
        // Blocking and async filters on one key agree.
        let blocking = Bf::new(&client, &key, 100, 0.01).unwrap();
        blocking.insert("eric").unwrap();
        assert!(filter.contains("eric").await.unwrap());
    });
}

pub(crate) fn suite() -> support::Suite {
    let cases = cases![
        test_store_on_self,
        test_abc_cant_be_instantiated,
        test_init_without_iterable,
        test_init_with_iterable,
        test_size_and_num_hashes,
        test_add,
        test_update,
        test_contains_many_metasyntactic_variables,
        test_contains_many_uuids,
        test_membership_for_non_jsonifyable_element,
        test_repr,
        test_zero_false_negatives,
        test_acceptable_false_positives,
        bitfield_sets_setbits_bits,
        stats_and_figures,
        full_filter_len_saturates,
        wrong_type_names_key,
        expiry_clear_and_temporary,
        async_api,
    ];
    // The accuracy case is CPU-bound (110,000 elements hashed); the cluster would
    // only repeat it with the same bits, so it runs on the single server.
    let server_only = cases![one_round_trip_each, false_positive_rate_at_capacity];
    support::Suite::new(
        "bloom",
        vec![
            (&[Target::Server, Target::Cluster], cases),
            (&[Target::Server], server_only),
        ],
    )
}
