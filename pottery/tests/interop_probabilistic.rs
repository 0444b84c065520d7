//! BloomFilter and HyperLogLog shared with Python's pottery 3.0.1 on one server.
//!
//! Given the same (n, p) and elements, Python and Rust write byte-identical
//! filter bitmaps (and HyperLogLogs), each finds the other's elements, and a
//! HyperLogLog filled by one side is counted and extended by the other.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use crate::support;

use pottery::sync::{BloomFilter, HyperLogLog};
use pottery_testkit::python;
use serde_json::{Value, json};
use support::{Ctx, Target};

/// Elements of every JSON kind, as a Python literal list...
const PY_ELEMENTS: &str = r#"[
    'rajiv', 'héllo 😀', 'quote " and \\ back', '', 42, -7, 2**60 + 1, 2.5, 1e-05,
    0.1, -0.0, True, False, None, [1, 'a', [2.5]], {'b': 1, 'a': [2, None]},
    {'9': 'y', '10': 'x'},
]"#;

/// ...and the same elements in Rust.
fn elements() -> Vec<Value> {
    vec![
        json!("rajiv"),
        json!("héllo 😀"),
        json!("quote \" and \\ back"),
        json!(""),
        json!(42),
        json!(-7),
        json!(1_152_921_504_606_846_977_u64),
        json!(2.5),
        json!(1e-05),
        json!(0.1),
        json!(-0.0),
        json!(true),
        json!(false),
        json!(null),
        json!([1, "a", [2.5]]),
        json!({"b": 1, "a": [2, null]}),
        json!({"9": "y", "10": "x"}),
    ]
}

/// Python preamble: a client, the elements, and the stdin lines (keys, ...).
fn script(body: &str) -> String {
    format!(
        "import os, sys\nfrom redis import Redis\nfrom pottery import BloomFilter, HyperLogLog\n\
         r = Redis.from_url(os.environ['REDIS_URL'])\nELEMENTS = {PY_ELEMENTS}\n\
         args = sys.stdin.read().split()\n{body}"
    )
}

fn raw_get(ctx: &Ctx, key: &str) -> Vec<u8> {
    ctx.client
        .with_connection(|con| redis::cmd("GET").arg(key).query(con))
        .unwrap()
}

fn bloom_bitmaps_are_byte_identical(ctx: &Ctx) {
    for (n, p) in [(100u64, 0.01), (1000, 0.001), (20, 0.3)] {
        let (py_key, rs_key) = (ctx.key(&format!("py-{n}")), ctx.key(&format!("rs-{n}")));
        let body = "bf = BloomFilter(ELEMENTS, redis=r, key=args[0], \
                    num_elements=int(args[1]), false_positives=float(args[2]))\n\
                    print(bf.size(), bf.num_hashes(), len(bf))";
        let out = python(&script(body), &ctx.url(), &format!("{py_key} {n} {p}"));
        let ours: BloomFilter<Value> = BloomFilter::new(&ctx.client, &rs_key, n, p).unwrap();
        ours.extend(elements()).unwrap();
        let (size, hashes, len) = (ours.size(), ours.num_hashes(), ours.len().unwrap());
        assert_eq!(out.trim(), format!("{size} {hashes} {len}"), "({n}, {p})");
        let (py, rs) = (raw_get(ctx, &py_key), raw_get(ctx, &rs_key));
        assert!(!py.is_empty());
        assert_eq!(py, rs, "({n}, {p}): the bitmaps differ");
    }
}

fn bloom_each_sees_the_others_elements(ctx: &Ctx) {
    let key = ctx.key("shared");
    let from_python: Vec<String> = (0..300).map(|i| format!("py-{i}")).collect();
    let from_rust: Vec<String> = (0..300).map(|i| format!("rs-{i}")).collect();
    let filter: BloomFilter<String> = BloomFilter::new(&ctx.client, &key, 1000, 0.01).unwrap();
    let add = "bf = BloomFilter(redis=r, key=args[0], num_elements=1000, false_positives=0.01)\n\
               bf.update(['py-%d' % i for i in range(300)])\nprint(len(bf))";
    let py_len = python(&script(add), &ctx.url(), &key);
    assert_eq!(py_len.trim(), filter.len().unwrap().to_string());
    assert!(
        filter
            .contains_many(&from_python)
            .unwrap()
            .iter()
            .all(|b| *b)
    );
    filter.extend(&from_rust).unwrap();
    let check = "bf = BloomFilter(redis=r, key=args[0], num_elements=1000, false_positives=0.01)\n\
                 ok = all(bf.contains_many(*['rs-%d' % i for i in range(300)]))\n\
                 ok = ok and all(('py-%d' % i) in bf for i in range(300))\n\
                 print('ok' if ok else 'missing', len(bf))";
    let verdict = python(&script(check), &ctx.url(), &key);
    assert_eq!(verdict.trim(), format!("ok {}", filter.len().unwrap()));
}

fn hll_python_fills_rust_counts_and_extends(ctx: &Ctx) {
    let key = ctx.key("py-hll");
    let fill = "h = HyperLogLog(['py-%d' % i for i in range(1000)], redis=r, key=args[0])\n\
                print(len(h))";
    let py_len: usize = python(&script(fill), &ctx.url(), &key)
        .trim()
        .parse()
        .unwrap();
    let h: HyperLogLog<String> = HyperLogLog::new(&ctx.client, &key);
    assert_eq!(h.len().unwrap(), py_len);
    assert!(h.contains("py-7").unwrap() && !h.contains("rs-7").unwrap());
    h.extend((0..1000).map(|i| format!("rs-{i}"))).unwrap();
    let count = "h = HyperLogLog(redis=r, key=args[0])\n\
                 print(len(h), 'rs-999' in h, 'py-0' in h)";
    let out = python(&script(count), &ctx.url(), &key);
    assert_eq!(out.trim(), format!("{} True True", h.len().unwrap()));
    let rs_len = h.len().unwrap();
    assert!((1960..=2040).contains(&rs_len), "{rs_len}");
}

fn hll_rust_fills_python_counts_and_extends(ctx: &Ctx) {
    let (key, py_twin) = (ctx.key("rs-hll"), ctx.key("py-twin"));
    let h: HyperLogLog<Value> = HyperLogLog::new(&ctx.client, &key);
    h.extend(elements()).unwrap();
    // Python adds the same elements to its own key: identical bytes.
    let twin = "h = HyperLogLog(ELEMENTS, redis=r, key=args[0])\nprint(len(h))";
    let twin_len = python(&script(twin), &ctx.url(), &py_twin);
    assert_eq!(twin_len.trim(), h.len().unwrap().to_string());
    assert_eq!(raw_get(ctx, &key), raw_get(ctx, &py_twin));
    let extend = "h = HyperLogLog(redis=r, key=args[0])\nn = len(h)\n\
                  ok = all(h.contains_many(*ELEMENTS))\n\
                  h.update(['py-%d' % i for i in range(100)])\nprint(n, ok, len(h))";
    let out = python(&script(extend), &ctx.url(), &key);
    let n = elements().len();
    assert_eq!(out.trim(), format!("{n} True {}", h.len().unwrap()));
    assert!(h.contains(json!("py-42")).unwrap());
    let len = h.len().unwrap();
    assert!((n + 95..=n + 105).contains(&len), "{len}");
}

pub(crate) fn suite() -> support::Suite {
    let cases = cases![
        bloom_bitmaps_are_byte_identical,
        bloom_each_sees_the_others_elements,
        hll_python_fills_rust_counts_and_extends,
        hll_rust_fills_python_counts_and_extends,
    ];
    support::Suite::one("interop_probabilistic", &[Target::Server], cases)
        .before(pottery_testkit::require_python_pottery)
}
