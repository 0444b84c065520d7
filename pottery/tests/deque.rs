//! RedisDeque, on one server and on a 3-master cluster.
//!
//! The first group ports every case of Python pottery 3.0.1's `tests/test_deque.py`
//! (named after it); the rest covers rotation for any `n` (pottery's is wrong
//! when |n| > len), maxlen under concurrent writers, the async API, errors, and
//! (single server only) interop with Python's pottery.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::type_complexity,
    missing_docs
)]

use crate::support;

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::StreamExt;
use pottery::json::Value;
use pottery::{Container, future, sync::RedisDeque, sync::RedisList};
use pottery_testkit::python;
use support::{Ctx, Target};

type Letters = RedisDeque<String>;
type Ints = RedisDeque<i64>;

fn chars(s: &str) -> Vec<String> {
    s.chars().map(String::from).collect()
}

fn ghi(ctx: &Ctx, name: &str, items: &str, maxlen: Option<usize>) -> Letters {
    Letters::create(&ctx.client, &ctx.key(name), chars(items), maxlen).unwrap()
}

// ---- pottery 3.0.1 tests/test_deque.py ----

fn test_basic_usage(ctx: &Ctx) {
    let d = ghi(ctx, "d", "ghi", None);
    assert_eq!(d.to_vec().unwrap(), chars("ghi"));
    d.push_back("j").unwrap();
    d.push_front("f").unwrap();
    assert_eq!(d.to_vec().unwrap(), chars("fghij"));
    assert_eq!(d.pop_back().unwrap().as_deref(), Some("j"));
    assert_eq!(d.pop_front().unwrap().as_deref(), Some("f"));
    assert_eq!(d.to_vec().unwrap(), chars("ghi"));
    assert_eq!(d.get(0).unwrap().as_deref(), Some("g"));
    assert_eq!(d.get(-1).unwrap().as_deref(), Some("i"));
    assert_eq!(
        d.iter_rev().collect::<pottery::Result<Vec<_>>>().unwrap(),
        chars("ihg")
    );
    assert!(d.contains("h").unwrap());
    d.extend(chars("jkl")).unwrap();
    assert_eq!(d.to_vec().unwrap(), chars("ghijkl"));
    d.rotate(1).unwrap();
    assert_eq!(d.to_vec().unwrap(), chars("lghijk"));
    d.rotate(-1).unwrap();
    assert_eq!(d.to_vec().unwrap(), chars("ghijkl"));
    let reversed: Vec<String> = d.iter_rev().collect::<pottery::Result<_>>().unwrap();
    let r = Letters::create(&ctx.client, &ctx.key("r"), &reversed, None).unwrap();
    assert_eq!(r.to_vec().unwrap(), chars("lkjihg"));
    d.clear().unwrap();
    assert_eq!(d.pop_back().unwrap(), None);
    d.extend_front(chars("abc")).unwrap();
    assert_eq!(d.to_vec().unwrap(), chars("cba"));
}

fn test_init_with_wrong_type_maxlen(ctx: &Ctx) {
    // Python: maxlen='2' raises TypeError; in Rust maxlen is a usize, so only a
    // number compiles.
    let d = Ints::with_maxlen(&ctx.client, &ctx.key("d"), 2);
    assert_eq!(d.maxlen(), Some(2));
}

fn test_init_with_maxlen(ctx: &Ctx) {
    let d = Ints::create(&ctx.client, &ctx.key("d"), [1, 2, 3, 4, 5, 6], Some(3)).unwrap();
    assert_eq!(d.to_vec().unwrap(), [4, 5, 6]);
    let d = Ints::create(&ctx.client, &ctx.key("e"), [1, 2, 3, 4, 5, 6], Some(0)).unwrap();
    assert_eq!(d.to_vec().unwrap(), Vec::<i64>::new());
    assert!(!d.exists().unwrap());
}

fn test_persistent_deque_bigger_than_maxlen(ctx: &Ctx) {
    let d1 = ghi(ctx, "d1", "ghi", None);
    let err = Letters::open(&ctx.client, d1.key(), 0).unwrap_err();
    assert_eq!(err.kind(), pottery::ErrorKind::Config, "{err:?}");
    assert!(err.to_string().contains(d1.key()), "{err}");
    assert_eq!(
        Letters::open(&ctx.client, d1.key(), 3).unwrap().maxlen(),
        Some(3)
    );
}

fn test_maxlen_not_writable(ctx: &Ctx) {
    // Python: assigning d.maxlen raises AttributeError; Rust has no setter.
    let d = Ints::new(&ctx.client, &ctx.key("d"));
    assert_eq!(d.maxlen(), None);
    let bounded = Ints::with_maxlen(&ctx.client, d.key(), 2);
    assert_eq!((d.maxlen(), bounded.maxlen()), (None, Some(2)));
}

fn test_insert_into_full(ctx: &Ctx) {
    let d = ghi(ctx, "d", "gh", Some(3));
    let len = d.len().unwrap() as isize;
    d.insert(len, "i").unwrap();
    assert_eq!(d.to_vec().unwrap(), chars("ghi"));
    let len = d.len().unwrap() as isize;
    let err = d.insert(len, "j").unwrap_err();
    assert_eq!(err.kind(), pottery::ErrorKind::Config, "{err:?}");
    assert!(err.to_string().contains("maximum size"), "{err}");
    assert_eq!(d.to_vec().unwrap(), chars("ghi"));
}

fn test_append_trims_when_full(ctx: &Ctx) {
    let d = ghi(ctx, "d", "gh", Some(3));
    d.push_back("i").unwrap();
    assert_eq!(d.to_vec().unwrap(), chars("ghi"));
    d.push_back("j").unwrap();
    assert_eq!(d.to_vec().unwrap(), chars("hij"));
    d.push_front("g").unwrap();
    assert_eq!(d.to_vec().unwrap(), chars("ghi"));
}

fn test_extend(ctx: &Ctx) {
    let d = ghi(ctx, "d", "ghi", Some(4));
    d.extend(chars("jkl")).unwrap();
    assert_eq!(d.to_vec().unwrap(), chars("ijkl"));
    d.extend_front(chars("hg")).unwrap();
    assert_eq!(d.to_vec().unwrap(), chars("ghij"));
}

fn test_popleft_from_empty(ctx: &Ctx) {
    let d = Ints::new(&ctx.client, &ctx.key("d"));
    assert_eq!(d.pop_front().unwrap(), None);
}

fn test_invalid_rotating(ctx: &Ctx) {
    // Python: rotate(None / 'a' / 0.5) raises TypeError; Rust takes an isize.
    // Every isize is valid, the extremes included.
    let d = ghi(ctx, "d", "ghijkl", None);
    let mut model: VecDeque<String> = chars("ghijkl").into();
    for n in [isize::MAX, isize::MIN, isize::MIN + 1] {
        d.rotate(n).unwrap();
        rotate_model(&mut model, n);
        assert_eq!(d.to_vec().unwrap(), Vec::from(model.clone()), "rotate({n})");
    }
}

fn test_rotate_zero_steps(ctx: &Ctx) {
    let d = ghi(ctx, "d", "ghijkl", None);
    d.rotate(0).unwrap();
    assert_eq!(d.to_vec().unwrap(), chars("ghijkl"));
}

fn test_rotate_empty_deque(ctx: &Ctx) {
    let d = Ints::new(&ctx.client, &ctx.key("d"));
    d.rotate(2).unwrap();
    assert_eq!(d.to_vec().unwrap(), Vec::<i64>::new());
    assert!(!d.exists().unwrap());
}

fn test_rotate_right(ctx: &Ctx) {
    let d = Ints::create(&ctx.client, &ctx.key("d"), 0..10, None).unwrap();
    d.rotate(2).unwrap();
    assert_eq!(d.to_vec().unwrap(), [8, 9, 0, 1, 2, 3, 4, 5, 6, 7]);
}

fn test_rotate_left(ctx: &Ctx) {
    let d = Ints::create(&ctx.client, &ctx.key("d"), 0..10, None).unwrap();
    d.rotate(-2).unwrap();
    assert_eq!(d.to_vec().unwrap(), [2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
}

fn test_moving_average(ctx: &Ctx) {
    let moving_average = |items: &[i64], n: usize| -> Vec<f64> {
        let mut it = items.iter().copied();
        let first: Vec<i64> = it.by_ref().take(n - 1).collect();
        let d = Ints::create(&ctx.client, &ctx.key("window"), first, None).unwrap();
        d.push_front(0).unwrap();
        let mut s: i64 = d.iter().map(Result::unwrap).sum();
        let mut out = Vec::new();
        for elem in it {
            s += elem - d.pop_front().unwrap().unwrap();
            d.push_back(elem).unwrap();
            out.push(s as f64 / n as f64);
        }
        out
    };
    assert_eq!(
        moving_average(&[40, 30, 50, 46, 39, 44], 3),
        [40.0, 42.0, 45.0, 43.0]
    );
}

fn test_delete_nth(ctx: &Ctx) {
    let d = ghi(ctx, "d", "ghijkl", None);
    d.rotate(-3).unwrap();
    let e = d.pop_front().unwrap();
    d.rotate(3).unwrap();
    assert_eq!(e.as_deref(), Some("j"));
    assert_eq!(d.to_vec().unwrap(), chars("ghikl"));
}

fn test_truthiness(ctx: &Ctx) {
    let d = ghi(ctx, "d", "ghi", None);
    assert!(!d.is_empty().unwrap());
    d.clear().unwrap();
    assert!(d.is_empty().unwrap());
}

fn test_repr(ctx: &Ctx) {
    let d = Letters::new(&ctx.client, &ctx.key("a"));
    assert_eq!(d.repr().unwrap(), "RedisDeque([])");
    let d = ghi(ctx, "b", "ghi", None);
    assert_eq!(d.repr().unwrap(), r#"RedisDeque(["g", "h", "i"])"#);
    let d = Letters::with_maxlen(&ctx.client, &ctx.key("c"), 2);
    assert_eq!(d.repr().unwrap(), "RedisDeque([], maxlen=2)");
    let d = ghi(ctx, "d", "ghi", Some(2));
    assert_eq!(d.repr().unwrap(), r#"RedisDeque(["h", "i"], maxlen=2)"#);
    assert_eq!(
        format!("{d:?}"),
        format!("RedisDeque {{ key: {:?}, maxlen: Some(2) }}", d.key())
    );
}

fn test_eq_redislist_same_redis_key(ctx: &Ctx) {
    let deque = ghi(ctx, "d", "ghi", None);
    let list: RedisList<String> = RedisList::new(&ctx.client, deque.key());
    // Python: a RedisDeque never equals a RedisList. In Rust they are different
    // types, and `contents_eq` compares only deques with deques.
    assert_ne!(
        std::any::TypeId::of::<Letters>(),
        std::any::TypeId::of::<RedisList<String>>()
    );
    assert_eq!(deque.to_vec().unwrap(), list.to_vec().unwrap());
}

// ---- beyond pottery ----

/// Python's `deque.rotate(n)` on a model.
fn rotate_model<T>(model: &mut VecDeque<T>, n: isize) {
    if !model.is_empty() {
        let k = n.rem_euclid(model.len() as isize) as usize;
        model.rotate_right(k);
    }
}

fn rotate_matches_vecdeque_for_any_n(ctx: &Ctx) {
    for len in [1_isize, 2, 5, 6] {
        let items: Vec<i64> = (0..len as i64).collect();
        let d = Ints::create(&ctx.client, &ctx.key(&format!("d{len}")), &items, None).unwrap();
        let mut model: VecDeque<i64> = items.into();
        let ns = [
            0,
            1,
            -1,
            len,
            -len,
            3 * len + 1,
            -(3 * len + 1),
            len - 1,
            -(len - 1),
            len + 1,
            7 * len - 2,
        ];
        for n in ns {
            d.rotate(n).unwrap();
            rotate_model(&mut model, n);
            assert_eq!(
                d.to_vec().unwrap(),
                Vec::from(model.clone()),
                "len {len}, rotate({n})"
            );
        }
    }
    // |n| > len, where pottery 3.0.1 goes wrong: 3 * 6 + 1 = 19 steps right.
    let d = Ints::create(&ctx.client, &ctx.key("six"), 0..6, None).unwrap();
    d.rotate(19).unwrap();
    let mut want: VecDeque<i64> = (0..6).collect();
    want.rotate_right(1);
    assert_eq!(d.to_vec().unwrap(), Vec::from(want));
}

fn maxlen_holds_under_concurrent_writers(ctx: &Ctx) {
    let key = ctx.key("d");
    let d = Ints::with_maxlen(&ctx.client, &key, 10);
    let running = Arc::new(AtomicBool::new(true));
    let observer = {
        let (client, key, running) = (ctx.client.clone(), key.clone(), Arc::clone(&running));
        std::thread::spawn(move || {
            let watch = Ints::new(&client, &key);
            let (mut max, mut reads) = (0, 0);
            while running.load(Ordering::Relaxed) {
                max = max.max(watch.len().unwrap());
                reads += 1;
            }
            (max, reads)
        })
    };
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let d = d.clone();
            std::thread::spawn(move || {
                for i in 0..150 {
                    match i % 3 {
                        0 => d.push_back(w * 1000 + i).unwrap(),
                        1 => d.push_front(w * 1000 + i).unwrap(),
                        _ => d.extend([w * 1000 + i, -1, -2]).unwrap(),
                    }
                }
            })
        })
        .collect();
    for writer in writers {
        writer.join().unwrap();
    }
    running.store(false, Ordering::Relaxed);
    let (max, reads) = observer.join().unwrap();
    assert!(reads > 0);
    assert!(max <= 10, "the deque held {max} elements");
    assert_eq!(d.len().unwrap(), 10);
}

fn maxlen_edge_cases(ctx: &Ctx) {
    let d = Ints::with_maxlen(&ctx.client, &ctx.key("zero"), 0);
    d.push_back(1).unwrap();
    d.push_front(1).unwrap();
    d.extend([1, 2, 3]).unwrap();
    assert!(!d.exists().unwrap());
    assert_eq!(
        d.insert(0, 1).unwrap_err().kind(),
        pottery::ErrorKind::Config
    );
    let d = Ints::with_maxlen(&ctx.client, &ctx.key("three"), 3);
    d.extend(0..100).unwrap();
    assert_eq!(d.to_vec().unwrap(), [97, 98, 99]);
    d.extend_front(0..100).unwrap();
    assert_eq!(d.to_vec().unwrap(), [99, 98, 97]);
    d.extend(Vec::<i64>::new()).unwrap();
    assert_eq!(d.len().unwrap(), 3);
    // A deque that already holds more than maxlen is trimmed by the next push.
    let big = Ints::create(&ctx.client, &ctx.key("big"), 0..10, None).unwrap();
    let small = Ints::with_maxlen(&ctx.client, big.key(), 4);
    small.push_back(10).unwrap();
    assert_eq!(small.to_vec().unwrap(), [7, 8, 9, 10]);
    assert!(
        Ints::create(&ctx.client, big.key(), [1], Some(2))
            .unwrap_err()
            .kind()
            == pottery::ErrorKind::KeyExists
    );
}

fn shared_list_operations(ctx: &Ctx) {
    let d = ghi(ctx, "d", "ghih", Some(10));
    assert_eq!(d.front().unwrap().as_deref(), Some("g"));
    assert_eq!(d.back().unwrap().as_deref(), Some("h"));
    assert_eq!(d.count("h").unwrap(), 2);
    assert_eq!(d.index_of("i").unwrap(), Some(2));
    d.set(-1, "j").unwrap();
    assert_eq!(
        d.set(4, "x").unwrap_err().kind(),
        pottery::ErrorKind::NotFound
    );
    d.remove("g").unwrap();
    assert_eq!(
        d.remove("g").unwrap_err().kind(),
        pottery::ErrorKind::NotFound
    );
    assert_eq!(d.remove_at(1).unwrap().as_deref(), Some("i"));
    assert_eq!(d.remove_at(9).unwrap(), None);
    d.insert(-1, "x").unwrap();
    d.reverse().unwrap();
    assert_eq!(d.to_vec().unwrap(), chars("jxh"));
    let other = ghi(ctx, "other", "jxh", None);
    assert!(d.contents_eq(&other).unwrap());
    assert_eq!(pottery::json::to_string(&d).unwrap(), r#"["j", "x", "h"]"#);
    let empty = Letters::new(&ctx.client, &ctx.key("empty"));
    assert_eq!(
        (empty.front().unwrap(), empty.back().unwrap()),
        (None, None)
    );
}

fn iteration_over_ten_thousand_elements(ctx: &Ctx) {
    let d = Ints::with_maxlen(&ctx.client, &ctx.key("big"), 10_000);
    d.extend(0..12_000).unwrap();
    assert_eq!(d.len().unwrap(), 10_000);
    let all: Vec<i64> = d.iter().collect::<pottery::Result<_>>().unwrap();
    assert_eq!(all, (2_000..12_000).collect::<Vec<_>>());
    d.rotate(-2_500).unwrap();
    assert_eq!(d.front().unwrap(), Some(4_500));
    assert_eq!(d.back().unwrap(), Some(4_499));
}

fn wrong_type_names_key_and_types(ctx: &Ctx) {
    let key = ctx.key("a-hash");
    ctx.client
        .with_connection(|con| {
            redis::cmd("HSET")
                .arg(&key)
                .arg("f")
                .arg("1")
                .query::<()>(con)
        })
        .unwrap();
    let d = Ints::with_maxlen(&ctx.client, &key, 3);
    for err in [
        d.push_back(1).unwrap_err(),
        d.push_front(1).unwrap_err(),
        d.rotate(1).unwrap_err(),
        d.pop_front().unwrap_err(),
        d.insert(0, 1).unwrap_err(),
        d.len().unwrap_err(),
        Ints::open(&ctx.client, &key, 3).unwrap_err(),
    ] {
        assert_eq!(err.kind(), pottery::ErrorKind::WrongType, "{err:?}");
        assert_eq!(err.key(), Some(key.as_str()));
        assert!(
            err.to_string().contains("holds a hash, not a list"),
            "{err}"
        );
    }
}

fn async_api(ctx: &Ctx) {
    let key = ctx.key("async");
    let client = ctx.client.clone();
    ctx.block_on(async move {
        type D = future::RedisDeque<i64>;
        let d = D::create(&client, &key, [1, 2, 3, 4], Some(3))
            .await
            .unwrap();
        assert_eq!(d.maxlen(), Some(3));
        assert_eq!(d.to_vec().await.unwrap(), [2, 3, 4]);
        assert_eq!(
            D::open(&client, &key, 2).await.unwrap_err().kind(),
            pottery::ErrorKind::Config
        );
        let d = D::open(&client, &key, 4).await.unwrap();
        d.push_back(5).await.unwrap();
        d.push_front(1).await.unwrap();
        assert_eq!(d.to_vec().await.unwrap(), [1, 2, 3, 4]);
        assert_eq!(
            d.insert(0, 0).await.unwrap_err().kind(),
            pottery::ErrorKind::Config
        );
        d.extend([6, 7]).await.unwrap();
        d.extend_front([9, 8]).await.unwrap();
        assert_eq!(d.to_vec().await.unwrap(), [8, 9, 3, 4]);
        d.rotate(-5).await.unwrap();
        assert_eq!(d.to_vec().await.unwrap(), [9, 3, 4, 8]);
        assert_eq!(d.pop_back().await.unwrap(), Some(8));
        assert_eq!(d.pop_front().await.unwrap(), Some(9));
        d.insert(1, 0).await.unwrap();
        assert_eq!(
            (d.front().await.unwrap(), d.back().await.unwrap()),
            (Some(3), Some(4))
        );
        assert_eq!(d.get(1).await.unwrap(), Some(0));
        d.set(1, 10).await.unwrap();
        assert_eq!(d.len().await.unwrap(), 3);
        assert!(d.contains(10).await.unwrap());
        assert_eq!(d.count(10).await.unwrap(), 1);
        assert_eq!(d.index_of(4).await.unwrap(), Some(2));
        let all: Vec<i64> = d.iter().map(Result::unwrap).collect().await;
        assert_eq!(all, [3, 10, 4]);
        let back: Vec<i64> = d.iter_rev().map(Result::unwrap).collect().await;
        assert_eq!(back, [4, 10, 3]);
        d.reverse().await.unwrap();
        d.remove(10).await.unwrap();
        assert_eq!(d.remove_at(0).await.unwrap(), Some(4));
        assert!(d.contents_eq(&d).await.unwrap());
        assert_eq!(
            format!("{d:?}"),
            format!("RedisDeque {{ key: {key:?}, maxlen: Some(4) }}")
        );
        d.clear().await.unwrap();
        assert!(d.is_empty().await.unwrap());
    });
}

// ---- interop with Python's pottery (single server) ----

const PY_WRITE: &str = r#"
import os, sys
from redis import Redis
from pottery import RedisDeque
r = Redis.from_url(os.environ['REDIS_URL'])
key = sys.stdin.read().strip()
d = RedisDeque(['héllo 😀', 2**70, None], redis=r, key=key, maxlen=5)
d.append({'b': [1.5, True], 'a': -0.0})
d.appendleft('first')
d.append(1e-05)
print(repr(d))
"#;

fn python_writes_rust_reads(ctx: &Ctx) {
    let key = ctx.key("from-python");
    let repr = python(PY_WRITE, &ctx.url(), &key);
    assert!(repr.trim().ends_with("maxlen=5)"), "{repr}");
    let d: RedisDeque<Value> = RedisDeque::open(&ctx.client, &key, 5).unwrap();
    let got = d.to_vec().unwrap();
    assert_eq!(
        got,
        [
            Value::String("héllo 😀".to_owned()),
            Value::Int(1 << 70),
            Value::Null,
            Value::Object(vec![
                ("a".to_owned(), Value::Float(-0.0)),
                (
                    "b".to_owned(),
                    Value::Array(vec![Value::Float(1.5), Value::Bool(true)])
                ),
            ]),
            Value::Float(1e-05),
        ]
    );
    d.rotate(7).unwrap();
    assert_eq!(
        d.front().unwrap(),
        Some(Value::Object(vec![
            ("a".to_owned(), Value::Float(-0.0)),
            (
                "b".to_owned(),
                Value::Array(vec![Value::Float(1.5), Value::Bool(true)])
            ),
        ]))
    );
}

const PY_CHECK: &str = r#"
import math, os, sys
from redis import Redis
from pottery import RedisDeque
r = Redis.from_url(os.environ['REDIS_URL'])
key = sys.stdin.read().strip()
d = RedisDeque(redis=r, key=key, maxlen=4)
want = [3.25, 'wörld 🎉', None, 2**70]
got = list(d)
ok = got == want and type(got[3]) is int
d.append('py')
print(('ok' if ok else f'got {got!r}') + ' ' + repr(list(d)))
"#;

fn rust_writes_python_reads(ctx: &Ctx) {
    let key = ctx.key("from-rust");
    let d: RedisDeque<Value> = RedisDeque::with_maxlen(&ctx.client, &key, 4);
    d.extend((0..5).map(Value::Int)).unwrap();
    assert_eq!(d.len().unwrap(), 4);
    d.extend([
        Value::Float(3.25),
        Value::String("wörld 🎉".to_owned()),
        Value::Null,
        Value::Int(1 << 70),
    ])
    .unwrap();
    // rotate by a multiple of the length plus zero: unchanged.
    d.rotate(-8).unwrap();
    let verdict = python(PY_CHECK, &ctx.url(), &key);
    assert!(verdict.starts_with("ok "), "Python read back:\n{verdict}");
    assert_eq!(
        d.to_vec().unwrap(),
        [
            Value::String("wörld 🎉".to_owned()),
            Value::Null,
            Value::Int(1 << 70),
            Value::String("py".to_owned())
        ]
    );
}

pub(crate) fn suite() -> support::Suite {
    let cases = cases![
        test_basic_usage,
        test_init_with_wrong_type_maxlen,
        test_init_with_maxlen,
        test_persistent_deque_bigger_than_maxlen,
        test_maxlen_not_writable,
        test_insert_into_full,
        test_append_trims_when_full,
        test_extend,
        test_popleft_from_empty,
        test_invalid_rotating,
        test_rotate_zero_steps,
        test_rotate_empty_deque,
        test_rotate_right,
        test_rotate_left,
        test_moving_average,
        test_delete_nth,
        test_truthiness,
        test_repr,
        test_eq_redislist_same_redis_key,
        rotate_matches_vecdeque_for_any_n,
        maxlen_holds_under_concurrent_writers,
        maxlen_edge_cases,
        shared_list_operations,
        iteration_over_ten_thousand_elements,
        wrong_type_names_key_and_types,
        async_api,
    ];
    let interop = cases![python_writes_rust_reads, rust_writes_python_reads];
    support::Suite::new(
        "deque",
        vec![
            (&[Target::Server, Target::Cluster], cases),
            (&[Target::Server], interop),
            (&[Target::Server, Target::Cluster], methods()),
        ],
    )
}

// ---- ours: truncate, retain, drain (issue 11) ----

/// The cases of the methods Python's deque lacks, on both targets.
fn methods() -> Vec<support::Case> {
    cases![
        truncate_retain_and_drain_on_a_bounded_deque,
        async_truncate_retain_and_drain
    ]
}

fn truncate_retain_and_drain_on_a_bounded_deque(ctx: &Ctx) {
    let d = Ints::with_maxlen(&ctx.client, &ctx.key("d"), 6);
    assert_eq!((d.front().unwrap(), d.back().unwrap()), (None, None));
    d.extend(0..10).unwrap();
    assert_eq!(d.to_vec().unwrap(), [4, 5, 6, 7, 8, 9]);
    d.truncate(5).unwrap();
    assert_eq!(d.retain(|n| n % 2 == 0).unwrap(), 2);
    assert_eq!(d.to_vec().unwrap(), [4, 6, 8]);
    assert_eq!(d.drain(1..).unwrap(), [6, 8]);
    // Still bounded by its maxlen afterwards.
    d.extend(10..20).unwrap();
    assert_eq!(d.len().unwrap(), 6);
    assert_eq!(d.drain(..).unwrap().len(), 6);
    assert!(!d.exists().unwrap());
}

fn async_truncate_retain_and_drain(ctx: &Ctx) {
    let key = ctx.key("d");
    let client = ctx.client.clone();
    ctx.block_on(async move {
        let d = future::RedisDeque::<i64>::new(&client, &key);
        d.extend(0..6).await.unwrap();
        d.truncate(4).await.unwrap();
        assert_eq!(d.retain(|n| *n != 1).await.unwrap(), 1);
        assert_eq!(d.drain(..1).await.unwrap(), [0]);
        assert_eq!(d.to_vec().await.unwrap(), [2, 3]);
    });
}
