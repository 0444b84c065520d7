//! RedisCounter, on one server and on a 3-master cluster.
//!
//! The first group ports every case of Python pottery 3.0.1's
//! `tests/test_counter.py` (named after it); the rest covers atomicity under
//! concurrency (threads and other processes), Python's `collections.Counter`
//! semantics checked against `python3`, the pottery defects we fix, the async API,
//! errors, and interop with Python pottery (single server only).

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

use futures_util::StreamExt;
use pottery::{Container, RedisDict, future, sync::RedisCounter};
use pottery_testkit::python;
use support::{Ctx, Target};

type Counter = RedisCounter<String>;

fn map(pairs: &[(&str, i64)]) -> HashMap<String, i64> {
    pairs.iter().map(|&(k, v)| (k.to_owned(), v)).collect()
}

fn counter(ctx: &Ctx, name: &str, pairs: &[(&str, i64)]) -> Counter {
    let c = Counter::new(&ctx.client, &ctx.key(name));
    c.update(pairs.iter().copied()).unwrap();
    c
}

fn chars(text: &str) -> Vec<String> {
    text.chars().map(String::from).collect()
}

fn key_set(c: &Counter) -> HashSet<String> {
    c.iter().map(|e| e.unwrap().0).collect()
}

// ---- pottery 3.0.1 tests/test_counter.py ----

fn test_basic_usage(ctx: &Ctx) {
    let c = Counter::new(&ctx.client, &ctx.key("c"));
    for word in ["red", "blue", "red", "green", "blue", "blue"] {
        c.increment(word, 1).unwrap();
    }
    assert_eq!(
        c.to_hash_map().unwrap(),
        map(&[("blue", 3), ("red", 2), ("green", 1)])
    );
}

fn test_init(ctx: &Ctx) {
    let c = Counter::new(&ctx.client, &ctx.key("c"));
    assert_eq!(c.to_hash_map().unwrap(), HashMap::new());
    assert!(c.is_empty().unwrap());
}

fn test_init_with_iterable(ctx: &Ctx) {
    let c = Counter::new(&ctx.client, &ctx.key("c"));
    c.update_elements(chars("gallahad")).unwrap();
    assert_eq!(
        c.to_hash_map().unwrap(),
        map(&[("a", 3), ("l", 2), ("g", 1), ("h", 1), ("d", 1)])
    );
}

fn test_init_with_mapping(ctx: &Ctx) {
    let c = Counter::new(&ctx.client, &ctx.key("c"));
    c.update(&map(&[("red", 4), ("blue", 2)])).unwrap();
    assert_eq!(c.to_hash_map().unwrap(), map(&[("red", 4), ("blue", 2)]));
}

fn test_init_with_kwargs(ctx: &Ctx) {
    // No keyword arguments in Rust: pairs.
    let c = counter(ctx, "c", &[("cats", 4), ("dogs", 8)]);
    assert_eq!(c.to_hash_map().unwrap(), map(&[("dogs", 8), ("cats", 4)]));
}

fn test_missing_element_doesnt_raise_keyerror(ctx: &Ctx) {
    let c = Counter::new(&ctx.client, &ctx.key("c"));
    c.update_elements(["eggs", "ham"]).unwrap();
    assert_eq!(c.get("bacon").unwrap(), 0);
}

fn test_setting_0_adds_item(ctx: &Ctx) {
    let c = Counter::new(&ctx.client, &ctx.key("c"));
    c.update_elements(["eggs", "ham"]).unwrap();
    assert_eq!(key_set(&c), HashSet::from(["eggs".into(), "ham".into()]));
    c.set("sausage", 0).unwrap();
    assert_eq!(
        key_set(&c),
        HashSet::from(["eggs".into(), "ham".into(), "sausage".into()])
    );
}

fn test_setting_0_count_doesnt_remove_item(ctx: &Ctx) {
    let c = Counter::new(&ctx.client, &ctx.key("c"));
    c.update_elements(["eggs", "ham"]).unwrap();
    c.set("ham", 0).unwrap();
    assert_eq!(key_set(&c), HashSet::from(["eggs".into(), "ham".into()]));
}

fn test_del_removes_item(ctx: &Ctx) {
    let c = Counter::new(&ctx.client, &ctx.key("c"));
    c.update_elements(["eggs", "ham"]).unwrap();
    c.set("sausage", 0).unwrap();
    assert_eq!(c.len().unwrap(), 3);
    assert!(c.remove("sausage").unwrap());
    assert_eq!(key_set(&c), HashSet::from(["eggs".into(), "ham".into()]));
    assert!(c.remove("ham").unwrap());
    assert_eq!(key_set(&c), HashSet::from(["eggs".into()]));
    // Python's `del` of a missing element does not raise; ours reports `false`.
    assert!(!c.remove("ham").unwrap());
}

fn test_elements(ctx: &Ctx) {
    let c = counter(ctx, "c", &[("a", 4), ("b", 2), ("c", 0), ("d", -2)]);
    let mut elements = c.elements().unwrap();
    elements.sort();
    assert_eq!(elements, ["a", "a", "a", "a", "b", "b"]);
}

fn test_most_common(ctx: &Ctx) {
    let c = Counter::new(&ctx.client, &ctx.key("c"));
    c.update_elements(chars("abracadabra")).unwrap();
    let mut top = c.most_common(Some(3)).unwrap();
    top.sort();
    assert_eq!(
        top,
        [
            ("a".to_owned(), 5),
            ("b".to_owned(), 2),
            ("r".to_owned(), 2)
        ]
    );
}

fn test_update_with_empty_dict(ctx: &Ctx) {
    let c = counter(ctx, "c", &[("foo", 1)]);
    c.update(HashMap::<String, i64>::new()).unwrap();
    assert_eq!(c.to_hash_map().unwrap(), map(&[("foo", 1)]));
}

fn test_update_with_overlapping_dict(ctx: &Ctx) {
    let c = counter(ctx, "c", &[("foo", 1), ("bar", 1)]);
    c.update(&map(&[("bar", 1), ("baz", 3), ("qux", 4)]))
        .unwrap();
    assert_eq!(
        c.to_hash_map().unwrap(),
        map(&[("foo", 1), ("bar", 2), ("baz", 3), ("qux", 4)])
    );
}

fn test_subtract(ctx: &Ctx) {
    let c = counter(ctx, "c", &[("a", 4), ("b", 2), ("c", 0), ("d", -2)]);
    let d = counter(ctx, "d", &[("a", 1), ("b", 2), ("c", 3), ("d", 4)]);
    c.subtract(&d.to_hash_map().unwrap()).unwrap();
    assert_eq!(
        c.to_hash_map().unwrap(),
        map(&[("a", 3), ("b", 0), ("c", -3), ("d", -6)])
    );
}

fn test_repr(ctx: &Ctx) {
    let c = Counter::new(&ctx.client, &ctx.key("c"));
    c.update_elements(["eggs", "ham"]).unwrap();
    let repr = c.repr().unwrap();
    assert!(
        repr == r#"RedisCounter{"eggs": 1, "ham": 1}"#
            || repr == r#"RedisCounter{"ham": 1, "eggs": 1}"#,
        "{repr}"
    );
    // Most common first, as pottery's repr.
    c.increment("ham", 1).unwrap();
    assert_eq!(c.repr().unwrap(), r#"RedisCounter{"ham": 2, "eggs": 1}"#);
    assert_eq!(
        format!("{c:?}"),
        format!("RedisCounter {{ key: {:?} }}", c.key())
    );
}

fn test_make_counter(ctx: &Ctx) {
    let items: HashMap<String, i64> = (0..1000).map(|i| (i.to_string(), i)).collect();
    let c = Counter::new(&ctx.client, &ctx.key("c"));
    c.update(&items).unwrap();
    assert_eq!(c.to_hash_map().unwrap(), items);
}

fn test_add(ctx: &Ctx) {
    let c = counter(ctx, "c", &[("a", 3), ("b", 1)]);
    let d = counter(ctx, "d", &[("a", 1), ("b", 2)]);
    let e = c.add(&d, None).unwrap();
    assert_eq!(e.to_hash_map().unwrap(), map(&[("a", 4), ("b", 3)]));
}

fn test_sub(ctx: &Ctx) {
    let c = counter(ctx, "c", &[("a", 3), ("b", 1)]);
    let d = counter(ctx, "d", &[("a", 1), ("b", 2)]);
    let e = c.sub(&d, None).unwrap();
    assert_eq!(e.to_hash_map().unwrap(), map(&[("a", 2)]));
}

fn test_or(ctx: &Ctx) {
    let c = counter(ctx, "c", &[("a", 3), ("b", 1)]);
    let d = counter(ctx, "d", &[("a", 1), ("b", 2)]);
    let e = c.union(&d, None).unwrap();
    assert_eq!(e.to_hash_map().unwrap(), map(&[("a", 3), ("b", 2)]));
}

fn test_and(ctx: &Ctx) {
    let c = counter(ctx, "c", &[("a", 3), ("b", 1)]);
    let d = counter(ctx, "d", &[("a", 1), ("b", 2)]);
    let e = c.intersection(&d, None).unwrap();
    assert_eq!(e.to_hash_map().unwrap(), map(&[("a", 1), ("b", 1)]));
}

fn test_pos(ctx: &Ctx) {
    let c = counter(
        ctx,
        "c",
        &[("foo", -2), ("bar", -1), ("baz", 0), ("qux", 1)],
    );
    assert_eq!(
        c.pos(None).unwrap().to_hash_map().unwrap(),
        map(&[("qux", 1)])
    );
}

fn test_neg(ctx: &Ctx) {
    let c = counter(
        ctx,
        "c",
        &[("foo", -2), ("bar", -1), ("baz", 0), ("qux", 1)],
    );
    assert_eq!(
        c.neg(None).unwrap().to_hash_map().unwrap(),
        map(&[("foo", 2), ("bar", 1)])
    );
}

fn test_in_place_add_with_empty_counter(ctx: &Ctx) {
    let c = counter(ctx, "c", &[("a", 1), ("b", 2)]);
    let d = Counter::new(&ctx.client, &ctx.key("d"));
    c.add_assign(&d).unwrap();
    assert_eq!(c.to_hash_map().unwrap(), map(&[("a", 1), ("b", 2)]));
}

fn test_in_place_add_with_overlapping_counter(ctx: &Ctx) {
    let c = counter(ctx, "c", &[("a", 4), ("b", 2), ("c", 0), ("d", -2)]);
    let d = counter(ctx, "d", &[("a", 1), ("b", 2), ("c", 3), ("d", 4)]);
    c.add_assign(&d).unwrap();
    assert_eq!(
        c.to_hash_map().unwrap(),
        map(&[("a", 5), ("b", 4), ("c", 3), ("d", 2)])
    );
}

fn test_in_place_add_removes_zeroes(ctx: &Ctx) {
    let c = counter(ctx, "c", &[("a", 4), ("b", 2), ("c", 0), ("d", -2)]);
    c.add_assign(map(&[("a", -4), ("b", -2), ("c", 0), ("d", 2)]))
        .unwrap();
    assert_eq!(c.to_hash_map().unwrap(), HashMap::new());
    assert!(!c.exists().unwrap());
}

fn test_in_place_subtract(ctx: &Ctx) {
    let c = counter(ctx, "c", &[("a", 4), ("b", 2), ("c", 0), ("d", -2)]);
    let d = counter(ctx, "d", &[("a", 1), ("b", 2), ("c", 3), ("d", 4)]);
    c.sub_assign(&d).unwrap();
    assert_eq!(c.to_hash_map().unwrap(), map(&[("a", 3)]));
}

fn test_in_place_or_with_two_empty_counters(ctx: &Ctx) {
    let c = Counter::new(&ctx.client, &ctx.key("c"));
    let d = Counter::new(&ctx.client, &ctx.key("d"));
    c.union_assign(&d).unwrap();
    assert_eq!(c.to_hash_map().unwrap(), HashMap::new());
}

fn test_in_place_or_with_two_overlapping_counters(ctx: &Ctx) {
    let c = counter(ctx, "c", &[("a", 4), ("b", 2), ("c", 0), ("d", -2)]);
    // A borrowed local map works as well as an owned one.
    let local = map(&[("a", 1), ("b", 2), ("c", 3), ("d", 4)]);
    c.union_assign(&local).unwrap();
    assert_eq!(
        c.to_hash_map().unwrap(),
        map(&[("a", 4), ("b", 2), ("c", 3), ("d", 4)])
    );
}

fn test_in_place_and(ctx: &Ctx) {
    let c = counter(ctx, "c", &[("a", 4), ("b", 2), ("c", 0), ("d", -2)]);
    let d = counter(ctx, "d", &[("a", 1), ("b", 2), ("c", 3), ("d", 4)]);
    c.intersection_assign(&d).unwrap();
    assert_eq!(c.to_hash_map().unwrap(), map(&[("a", 1), ("b", 2)]));
}

fn test_in_place_and_results_in_empty_counter(ctx: &Ctx) {
    let c = counter(ctx, "c", &[("a", 4), ("b", 2)]);
    let d = counter(ctx, "d", &[("c", 3), ("d", 4)]);
    c.intersection_assign(&d).unwrap();
    assert_eq!(c.to_hash_map().unwrap(), HashMap::new());
}

/// Python checks its class hierarchy; our counterpart of "a RedisCounter is a
/// RedisDict with counts" is that both read the same hash.
fn test_method_resolution_order(ctx: &Ctx) {
    let c = counter(ctx, "c", &[("a", 4), ("b", -2)]);
    let d: RedisDict<String, i64> = RedisDict::new(&ctx.client, c.key());
    assert_eq!(d.to_hash_map().unwrap(), c.to_hash_map().unwrap());
    assert_eq!(c.redis_type(), "hash");
}

// ---- beyond pottery ----

fn test_increments_from_threads_are_atomic(ctx: &Ctx) {
    let c = Counter::new(&ctx.client, &ctx.key("c"));
    std::thread::scope(|s| {
        for _ in 0..8 {
            let c = c.clone();
            s.spawn(move || {
                for _ in 0..500 {
                    c.increment("hits", 1).unwrap();
                }
            });
        }
    });
    assert_eq!(c.get("hits").unwrap(), 4000);
}

fn test_bulk_updates_from_threads_are_atomic(ctx: &Ctx) {
    let c = Counter::new(&ctx.client, &ctx.key("c"));
    std::thread::scope(|s| {
        for _ in 0..4 {
            let c = c.clone();
            s.spawn(move || {
                for _ in 0..100 {
                    c.update_elements(["a", "b", "a"]).unwrap();
                    c.subtract([("b", 1)]).unwrap();
                }
            });
        }
    });
    assert_eq!(c.to_hash_map().unwrap(), map(&[("a", 800), ("b", 0)]));
}

/// 4 Rust threads and 2 Python processes (raw `HINCRBY`) bump the same count.
fn test_increments_with_other_processes(ctx: &Ctx) {
    let c = Counter::new(&ctx.client, &ctx.key("c"));
    let field = pottery::json::to_string("hits").unwrap();
    let script = r#"
import os, sys
from redis import Redis
r = Redis.from_url(os.environ['REDIS_URL'])
key, field = sys.stdin.read().split('\n')[:2]
for _ in range(500):
    r.hincrby(key, field, 1)
print('done')
"#;
    let url = ctx.url();
    let stdin = format!("{}\n{field}\n", c.key());
    std::thread::scope(|s| {
        for _ in 0..2 {
            let (url, stdin) = (url.clone(), stdin.clone());
            s.spawn(move || assert_eq!(python(script, &url, &stdin).trim(), "done"));
        }
        for _ in 0..4 {
            let c = c.clone();
            s.spawn(move || {
                for _ in 0..500 {
                    c.increment("hits", 1).unwrap();
                }
            });
        }
    });
    assert_eq!(c.get("hits").unwrap(), 3000);
}

/// The environment variable that turns this test binary into an increment worker.
const WORKER_ENV: &str = "POTTERY_COUNTER_WORKER";

/// 2 OS processes running this crate (this test binary, re-run as workers) and
/// 4 threads here each increment the same count 500 times: nothing is lost.
fn test_increments_from_two_rust_processes(ctx: &Ctx) {
    let c = Counter::new(&ctx.client, &ctx.key("c"));
    let exe = std::env::current_exe().unwrap();
    let spec = format!("{}\n{}", ctx.url(), c.key());
    let workers: Vec<_> = (0..2)
        .map(|_| {
            std::process::Command::new(&exe)
                .env(WORKER_ENV, &spec)
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    std::thread::scope(|s| {
        for _ in 0..4 {
            let c = c.clone();
            s.spawn(move || {
                for _ in 0..500 {
                    c.increment("hits", 1).unwrap();
                }
            });
        }
    });
    for worker in workers {
        let out = worker.wait_with_output().unwrap();
        assert!(out.status.success(), "worker failed: {out:?}");
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "500");
    }
    assert_eq!(c.get("hits").unwrap(), 3000);
}

/// A worker process: 500 increments of `hits` at the key named in `WORKER_ENV`.
fn increment_worker(spec: &str) {
    let (url, key) = spec.split_once('\n').unwrap();
    let c = Counter::new(&pottery::Client::open(url).unwrap(), key);
    let mut done = 0;
    for _ in 0..500 {
        c.increment("hits", 1).unwrap();
        done += 1;
    }
    println!("{done}");
}

/// pottery's update with an iterable counts the existing value twice.
fn test_update_with_iterable_counts_once(ctx: &Ctx) {
    let c = counter(ctx, "c", &[("a", 2)]);
    c.update_elements(["a"]).unwrap();
    assert_eq!(c.get("a").unwrap(), 3);
    c.subtract_elements(["a", "b"]).unwrap();
    assert_eq!(c.to_hash_map().unwrap(), map(&[("a", 2), ("b", -1)]));
    c.update([("a", 1), ("a", 2)]).unwrap();
    assert_eq!(c.get("a").unwrap(), 5);
}

fn test_increment_decrement_set_total(ctx: &Ctx) {
    let c = Counter::new(&ctx.client, &ctx.key("c"));
    assert_eq!(c.increment("x", 5).unwrap(), 5);
    assert_eq!(c.decrement("x", 7).unwrap(), -2);
    assert_eq!(c.get("x").unwrap(), -2);
    c.set("y", 10).unwrap();
    assert_eq!(c.total().unwrap(), 8);
    assert_eq!(c.len().unwrap(), 2);
    assert!(c.contains_key("y").unwrap());
    assert_eq!(
        c.decrement("x", i64::MIN).unwrap_err().kind(),
        pottery::ErrorKind::Encode
    );
    let mut all = c.most_common(None).unwrap();
    assert_eq!(all.remove(0), ("y".to_owned(), 10));
    let big = 1i64 << 62;
    c.set("big", big).unwrap();
    assert_eq!(c.increment("big", big - 1).unwrap(), i64::MAX);
    assert!(c.increment("big", 1).is_err());
    assert_eq!(c.get("big").unwrap(), i64::MAX);
}

fn test_iteration_pages(ctx: &Ctx) {
    let c = Counter::new(&ctx.client, &ctx.key("c"));
    let items: HashMap<String, i64> = (0..2500).map(|i| (format!("k{i}"), i - 1000)).collect();
    c.update(&items).unwrap();
    let seen: HashMap<String, i64> = c.iter().map(|e| e.unwrap()).collect();
    assert_eq!(seen, items);
    assert_eq!(c.total().unwrap(), items.values().sum::<i64>());
    let top = c.most_common(Some(2)).unwrap();
    assert_eq!(
        top,
        [("k2499".to_owned(), 1499), ("k2498".to_owned(), 1498)]
    );
    assert_eq!(c.elements().unwrap().len(), (1..1500).sum::<i64>() as usize);
}

/// Every operation against Python's `collections.Counter`, on operands with
/// positive, zero and negative counts and disjoint elements.
fn test_arithmetic_matches_python(ctx: &Ctx) {
    let cases: [(&[(&str, i64)], &[(&str, i64)]); 4] = [
        (
            &[("a", 4), ("b", 2), ("c", 0), ("d", -2), ("e", 7)],
            &[("a", 1), ("b", 2), ("c", 3), ("d", 4), ("f", -5), ("g", 6)],
        ),
        (&[], &[("x", -1), ("y", 1), ("z", 0)]),
        (&[("x", -1), ("y", 1), ("z", 0)], &[]),
        (
            &[("big", 4_000_000_000_000_000_000), ("neg", -3)],
            &[("big", 5_000_000_000_000_000_000), ("neg", -4)],
        ),
    ];
    let script = r#"
import json, sys
from collections import Counter
for line in sys.stdin:
    a, b = (Counter(x) for x in json.loads(line))
    out = {}
    out['add'], out['sub'], out['or'], out['and'] = a + b, a - b, a | b, a & b
    out['pos'], out['neg'] = +a, -a
    for name, op in [('iadd', '__iadd__'), ('isub', '__isub__'), ('ior', '__ior__'), ('iand', '__iand__')]:
        c = Counter(a)
        out[name] = getattr(c, op)(b)
    print(json.dumps({k: dict(v) for k, v in out.items()}, sort_keys=True))
"#;
    let input: String = cases
        .iter()
        .map(|(a, b)| {
            let a: BTreeMap<_, _> = a.iter().copied().collect();
            let b: BTreeMap<_, _> = b.iter().copied().collect();
            format!("{}\n", serde_json::to_string(&(a, b)).unwrap())
        })
        .collect();
    let want = python(script, "redis://unused", &input);
    for (i, ((a, b), line)) in cases.iter().zip(want.lines()).enumerate() {
        let want: BTreeMap<String, HashMap<String, i64>> = serde_json::from_str(line).unwrap();
        let c = counter(ctx, &format!("c{i}"), a);
        let d = counter(ctx, &format!("d{i}"), b);
        let local: HashMap<String, i64> = map(b);
        let check = |name: &str, got: &Counter| {
            assert_eq!(got.to_hash_map().unwrap(), want[name], "case {i} {name}");
        };
        check("add", &c.add(&d, None).unwrap());
        check("sub", &c.sub(&local, None).unwrap());
        check(
            "or",
            &c.union(&d, Some(&ctx.key(&format!("or{i}")))).unwrap(),
        );
        check("and", &c.intersection(&local, None).unwrap());
        check("pos", &c.pos(None).unwrap());
        check("neg", &c.neg(None).unwrap());
        type InPlace = fn(&Counter, &Counter) -> pottery::Result<()>;
        let in_place: [(&str, InPlace); 4] = [
            ("iadd", |c, d| c.add_assign(d)),
            ("isub", |c, d| c.sub_assign(d)),
            ("ior", |c, d| c.union_assign(d)),
            ("iand", |c, d| c.intersection_assign(d)),
        ];
        for (name, f) in in_place {
            let target = counter(ctx, &format!("{name}{i}"), a);
            f(&target, &d).unwrap();
            check(name, &target);
        }
        // The source counters are untouched.
        assert_eq!(c.to_hash_map().unwrap(), map(a));
        assert_eq!(d.to_hash_map().unwrap(), map(b));
    }
}

/// Results at a named key replace what was there; a counter can be its own destination.
fn test_arithmetic_destinations(ctx: &Ctx) {
    let c = counter(ctx, "c", &[("a", 3), ("b", -1)]);
    let dest = counter(ctx, "dest", &[("old", 9)]);
    let e = c.add([("a", 1)], Some(dest.key())).unwrap();
    assert_eq!(e.key(), dest.key());
    assert_eq!(dest.to_hash_map().unwrap(), map(&[("a", 4)]));
    let same = c.pos(Some(c.key())).unwrap();
    assert_eq!(same.to_hash_map().unwrap(), map(&[("a", 3)]));
    // A temporary result is deleted with its last handle.
    let tmp = c.add(&c, None).unwrap();
    let tmp_key = tmp.key().to_owned();
    assert!(tmp_key.starts_with("pottery:"));
    assert_eq!(tmp.get("a").unwrap(), 6);
    drop(tmp);
    assert!(!Counter::new(&ctx.client, &tmp_key).exists().unwrap());
}

/// Operands in one hash slot (hash tags) run as one script on the cluster too;
/// an operand on another client is read first.
fn test_arithmetic_same_slot_and_other_client(ctx: &Ctx) {
    let c = counter(ctx, "{tag}c", &[("a", 3), ("b", 1)]);
    let d = counter(ctx, "{tag}d", &[("a", 1), ("b", 2)]);
    c.add_assign(&d).unwrap();
    assert_eq!(c.to_hash_map().unwrap(), map(&[("a", 4), ("b", 3)]));
    let e = c.sub(&d, Some(&ctx.key("{tag}e"))).unwrap();
    assert_eq!(e.to_hash_map().unwrap(), map(&[("a", 3), ("b", 1)]));
    let other_client = match ctx.target {
        Target::Server => pottery::Client::open(&ctx.url()).unwrap(),
        Target::Cluster => pottery::Client::cluster(ctx.env.cluster().urls()).unwrap(),
    };
    let far: RedisCounter<String> = RedisCounter::new(&other_client, &ctx.key("far"));
    far.update([("a", 10)]).unwrap();
    c.union_assign(&far).unwrap();
    assert_eq!(c.to_hash_map().unwrap(), map(&[("a", 10), ("b", 3)]));
}

fn test_async_api(ctx: &Ctx) {
    ctx.block_on(async {
        let c: future::RedisCounter<String> = future::RedisCounter::new(&ctx.client, &ctx.key("c"));
        let mut handles = Vec::new();
        for _ in 0..4 {
            let c = c.clone();
            handles.push(tokio::spawn(async move {
                for _ in 0..100 {
                    c.increment("n", 1).await.unwrap();
                }
            }));
        }
        for h in handles {
            h.await.unwrap();
        }
        assert_eq!(c.get("n").await.unwrap(), 400);
        c.update_elements(["x", "x"]).await.unwrap();
        assert_eq!(c.total().await.unwrap(), 402);
        let seen: HashMap<String, i64> = c.iter().map(|e| e.unwrap()).collect().await;
        assert_eq!(seen, map(&[("n", 400), ("x", 2)]));
        let d: future::RedisCounter<String> = future::RedisCounter::new(&ctx.client, &ctx.key("d"));
        d.update([("x", 5)]).await.unwrap();
        let e = c.sub(&d, None).await.unwrap();
        assert_eq!(e.to_hash_map().await.unwrap(), map(&[("n", 400)]));
        c.intersection_assign(&d).await.unwrap();
        assert_eq!(c.most_common(None).await.unwrap(), [("x".to_owned(), 2)]);
        assert!(format!("{c:?}").contains(c.key()));
    });
}

fn test_wrong_type_and_bad_counts(ctx: &Ctx) {
    let key = ctx.key("s");
    ctx.client
        .with_connection(|con| redis::cmd("SET").arg(&key).arg("x").query::<()>(con))
        .unwrap();
    let c = Counter::new(&ctx.client, &key);
    let err = c.get("a").unwrap_err();
    assert_eq!(err.kind(), pottery::ErrorKind::WrongType, "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains(&key) && text.contains("hash") && text.contains("string"),
        "{text}"
    );
    assert_eq!(
        c.increment("a", 1).unwrap_err().kind(),
        pottery::ErrorKind::WrongType
    );
    assert!(c.update([("a", 1)]).is_err());
    let good = counter(ctx, "good", &[("a", 1)]);
    assert!(good.add_assign(&c).is_err());
    assert_eq!(good.get("a").unwrap(), 1);

    // A count that is not an integer: reads fail with a decode error naming the
    // key; atomic writes fail without changing anything.
    let bad = counter(ctx, "bad", &[("a", 1)]);
    let field = pottery::json::to_string("f").unwrap();
    ctx.client
        .with_connection(|con| {
            redis::cmd("HSET")
                .arg(bad.key())
                .arg(&field)
                .arg("1.5")
                .query::<()>(con)
        })
        .unwrap();
    let err = bad.get("f").unwrap_err();
    assert_eq!(err.kind(), pottery::ErrorKind::Decode, "{err:?}");
    assert_eq!(
        bad.to_hash_map().unwrap_err().kind(),
        pottery::ErrorKind::Decode
    );
    assert!(bad.update([("a", 1), ("f", 1)]).is_err());
    assert!(bad.add_assign([("a", 1)]).is_err());
    assert_eq!(bad.get("a").unwrap(), 1);
}

// ---- interop with Python pottery (single server) ----

const PY_WRITE: &str = r#"
import os, sys
from redis import Redis
from pottery import RedisCounter
r = Redis.from_url(os.environ['REDIS_URL'])
key = sys.stdin.read().strip()
c = RedisCounter(redis=r, key=key)
for word in ['héllo 😀', 'b', 'héllo 😀', 'zero']:
    c[word] += 1
c['zero'] = 0
c['neg'] = -5
c['big'] = 2**62
print(len(c))
"#;

const PY_READ: &str = r#"
import json, os, sys
from redis import Redis
from pottery import RedisCounter
r = Redis.from_url(os.environ['REDIS_URL'])
key = sys.stdin.read().strip()
c = RedisCounter(redis=r, key=key)
print(json.dumps(sorted(c.to_counter().items())))
print(json.dumps(sorted(c.elements())))
print(json.dumps(c.most_common(1)))
"#;

fn test_python_writes_rust_reads(ctx: &Ctx) {
    let key = ctx.key("py");
    assert_eq!(python(PY_WRITE, &ctx.url(), &key).trim(), "5");
    let c = Counter::new(&ctx.client, &key);
    assert_eq!(
        c.to_hash_map().unwrap(),
        map(&[
            ("héllo 😀", 2),
            ("b", 1),
            ("zero", 0),
            ("neg", -5),
            ("big", 1 << 62)
        ])
    );
    // HINCRBY on Python's counts keeps them byte-compatible.
    assert_eq!(c.increment("héllo 😀", 1).unwrap(), 3);
    assert_eq!(c.increment("big", 1).unwrap(), (1 << 62) + 1);
}

fn test_rust_writes_python_reads(ctx: &Ctx) {
    let key = ctx.key("rs");
    let c = Counter::new(&ctx.client, &key);
    c.update_elements(["é", "é", "x"]).unwrap();
    c.increment("big", 1000).unwrap();
    c.set("neg", -3).unwrap();
    let out = python(PY_READ, &ctx.url(), &key);
    let lines: Vec<&str> = out.lines().collect();
    let items: Vec<(String, i64)> = serde_json::from_str(lines[0]).unwrap();
    let mut want = vec![
        ("big".to_owned(), 1000),
        ("neg".to_owned(), -3),
        ("x".to_owned(), 1),
        ("é".to_owned(), 2),
    ];
    want.sort();
    assert_eq!(items, want);
    let elements: Vec<String> = serde_json::from_str(lines[1]).unwrap();
    assert_eq!(elements.len(), 1003);
    assert_eq!(&elements[1000..], ["x", "é", "é"]);
    assert_eq!(lines[2], r#"[["big", 1000]]"#);
}

/// Both sides write the same counts; the hashes are byte-identical.
fn test_same_bytes_as_python(ctx: &Ctx) {
    let py_key = ctx.key("py");
    python(PY_WRITE, &ctx.url(), &py_key);
    let rs_key = ctx.key("rs");
    let c = Counter::new(&ctx.client, &rs_key);
    for word in ["héllo 😀", "b", "héllo 😀", "zero"] {
        c.increment(word, 1).unwrap();
    }
    c.set("zero", 0).unwrap();
    c.set("neg", -5).unwrap();
    c.set("big", 1 << 62).unwrap();
    let raw = |key: &str| {
        ctx.client
            .with_connection(|con| {
                redis::cmd("HGETALL")
                    .arg(key)
                    .query::<BTreeMap<Vec<u8>, Vec<u8>>>(con)
            })
            .unwrap()
    };
    assert_eq!(raw(&py_key), raw(&rs_key));
}

pub(crate) fn suite() -> support::Suite {
    let everywhere = cases![
        test_basic_usage,
        test_init,
        test_init_with_iterable,
        test_init_with_mapping,
        test_init_with_kwargs,
        test_missing_element_doesnt_raise_keyerror,
        test_setting_0_adds_item,
        test_setting_0_count_doesnt_remove_item,
        test_del_removes_item,
        test_elements,
        test_most_common,
        test_update_with_empty_dict,
        test_update_with_overlapping_dict,
        test_subtract,
        test_repr,
        test_make_counter,
        test_add,
        test_sub,
        test_or,
        test_and,
        test_pos,
        test_neg,
        test_in_place_add_with_empty_counter,
        test_in_place_add_with_overlapping_counter,
        test_in_place_add_removes_zeroes,
        test_in_place_subtract,
        test_in_place_or_with_two_empty_counters,
        test_in_place_or_with_two_overlapping_counters,
        test_in_place_and,
        test_in_place_and_results_in_empty_counter,
        test_method_resolution_order,
        test_increments_from_threads_are_atomic,
        test_bulk_updates_from_threads_are_atomic,
        test_update_with_iterable_counts_once,
        test_increment_decrement_set_total,
        test_iteration_pages,
        test_arithmetic_matches_python,
        test_arithmetic_destinations,
        test_arithmetic_same_slot_and_other_client,
        test_async_api,
        test_wrong_type_and_bad_counts,
    ];
    let interop = cases![
        test_increments_from_two_rust_processes,
        test_increments_with_other_processes,
        test_python_writes_rust_reads,
        test_rust_writes_python_reads,
        test_same_bytes_as_python,
    ];
    support::Suite::new(
        "counter",
        vec![
            (&[Target::Server, Target::Cluster], everywhere),
            (&[Target::Server], interop),
        ],
    )
    .worker(WORKER_ENV, increment_worker)
}
