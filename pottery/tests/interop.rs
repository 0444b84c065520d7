//! Python pottery 3.0.1 and this crate on the same server, in both directions.
//!
//! Python writes a RedisDict at one key and Rust writes the same entries at
//! another; the two hashes must be byte-identical, each side must read the
//! other's entries with the right values, and creation over an existing key
//! fails on both sides.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::type_complexity,
    missing_docs
)]

use crate::support;

use std::collections::BTreeMap;

use pottery::Container;
use pottery::sync::RedisDict;
use pottery_testkit::python;
use serde::{Deserialize, Serialize};
use support::{Ctx, Target};

/// The entries both sides write, as a Python literal (key, value) list.
const PY_ENTRIES: &str = r#"[
    ('héllo 😀', 'wörld 🎉 \u2028 "quoted" \\ back'),
    (3, 2**70),
    ('big', 2**60 + 1),
    ('negative', -(2**62)),
    ('float', 1.2345678901234568e+17),
    ('small', 1e-05),
    ('huge', 1e300),
    ('tenth', 0.1),
    ('negzero', -0.0),
    ('inf', float('inf')),
    ('true', True),
    ('false', False),
    ('none', None),
    ('tuple', (1, 'a', [2.5, None])),
    ('nested', {'b': {'d': 1, 'c': 2}, 'a': None, 'é': [True]}),
    ('numeric', {10: 'x', 9: 'y', -1: 'z'}),
    ((1, 2), 'tuple key'),
    (1.5, 'float key'),
    (False, 'bool key'),
]"#;

/// Python: write `PY_ENTRIES` into a RedisDict at `sys.argv`-like stdin key.
const PY_WRITE: &str = r#"
import os, sys
from redis import Redis
from pottery import RedisDict
r = Redis.from_url(os.environ['REDIS_URL'])
key = sys.stdin.read().strip()
d = RedisDict(redis=r, key=key)
for k, v in ENTRIES:
    d[k] = v
print(len(d))
"#;

/// Python: read the dict Rust wrote and compare every entry with `PY_ENTRIES`.
const PY_CHECK: &str = r#"
import math, os, sys
from redis import Redis
from pottery import RedisDict
r = Redis.from_url(os.environ['REDIS_URL'])
key = sys.stdin.read().strip()
d = RedisDict(redis=r, key=key)
def norm(v):
    if isinstance(v, tuple):
        return [norm(x) for x in v]
    if isinstance(v, list):
        return [norm(x) for x in v]
    if isinstance(v, dict):
        return {str(k).lower() if isinstance(k, bool) else str(k): norm(x) for k, x in v.items()}
    return v
problems = []
if len(d) != len(ENTRIES):
    problems.append(f'len {len(d)} != {len(ENTRIES)}')
for k, v in ENTRIES:
    try:
        got = d[k]
    except KeyError:
        problems.append(f'missing {k!r}')
        continue
    if isinstance(v, float) and math.isnan(v):
        ok = math.isnan(got)
    elif isinstance(v, float):
        ok = got == v and math.copysign(1, got) == math.copysign(1, v)
    else:
        ok = norm(got) == norm(v)
    if not ok:
        problems.append(f'{k!r}: got {got!r}, want {v!r}')
print('ok' if not problems else '\n'.join(problems))
"#;

/// Python: creating a RedisDict with items over an existing key must fail.
const PY_CREATE_EXISTING: &str = r#"
import os, sys
from redis import Redis
from pottery import RedisDict, KeyExistsError
r = Redis.from_url(os.environ['REDIS_URL'])
key = sys.stdin.read().strip()
try:
    RedisDict(redis=r, key=key, one=1)
    print('created')
except KeyExistsError:
    print('KeyExistsError')
"#;

fn with_entries(script: &str) -> String {
    format!("ENTRIES = {PY_ENTRIES}\n{script}")
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Nested {
    b: BTreeMap<String, i64>,
    a: Option<i64>,
    #[serde(rename = "é")]
    e_acute: Vec<bool>,
}

/// Writes the same entries as `PY_ENTRIES` through typed Rust views of one key.
fn rust_write(ctx: &Ctx, key: &str) {
    let c = &ctx.client;
    let strings: RedisDict<String, String> = RedisDict::new(c, key);
    strings
        .insert("héllo 😀", "wörld 🎉 \u{2028} \"quoted\" \\ back")
        .unwrap();
    RedisDict::<i64, u128>::new(c, key)
        .insert(3, 1u128 << 70)
        .unwrap();
    let ints: RedisDict<String, i64> = RedisDict::new(c, key);
    ints.insert("big", (1i64 << 60) + 1).unwrap();
    ints.insert("negative", -(1i64 << 62)).unwrap();
    let floats: RedisDict<String, f64> = RedisDict::new(c, key);
    for (k, v) in [
        ("float", 1.2345678901234568e17),
        ("small", 1e-05),
        ("huge", 1e300),
        ("tenth", 0.1),
        ("negzero", -0.0),
        ("inf", f64::INFINITY),
    ] {
        floats.insert(k, v).unwrap();
    }
    let bools: RedisDict<String, bool> = RedisDict::new(c, key);
    bools.insert("true", true).unwrap();
    bools.insert("false", false).unwrap();
    RedisDict::<String, Option<i64>>::new(c, key)
        .insert("none", None)
        .unwrap();
    RedisDict::<String, (i64, String, (f64, Option<i64>))>::new(c, key)
        .insert("tuple", &(1, "a".to_owned(), (2.5, None)))
        .unwrap();
    let nested = Nested {
        b: BTreeMap::from([("d".to_owned(), 1), ("c".to_owned(), 2)]),
        a: None,
        e_acute: vec![true],
    };
    RedisDict::<String, Nested>::new(c, key)
        .insert("nested", &nested)
        .unwrap();
    let numeric = BTreeMap::from([
        (10, "x".to_owned()),
        (9, "y".to_owned()),
        (-1, "z".to_owned()),
    ]);
    RedisDict::<String, BTreeMap<i64, String>>::new(c, key)
        .insert("numeric", &numeric)
        .unwrap();
    RedisDict::<(i64, i64), String>::new(c, key)
        .insert((1, 2), "tuple key")
        .unwrap();
    RedisDict::<f64, String>::new(c, key)
        .insert(1.5, "float key")
        .unwrap();
    RedisDict::<bool, String>::new(c, key)
        .insert(false, "bool key")
        .unwrap();
}

/// Reads Python's entries through typed views and checks each value.
fn rust_check(ctx: &Ctx, key: &str) {
    let c = &ctx.client;
    let strings: RedisDict<String, String> = RedisDict::new(c, key);
    assert_eq!(
        strings.get("héllo 😀").unwrap().as_deref(),
        Some("wörld 🎉 \u{2028} \"quoted\" \\ back")
    );
    assert_eq!(
        RedisDict::<i64, u128>::new(c, key).get(3).unwrap(),
        Some(1u128 << 70)
    );
    let ints: RedisDict<String, i64> = RedisDict::new(c, key);
    assert_eq!(ints.get("big").unwrap(), Some((1i64 << 60) + 1));
    assert_eq!(ints.get("negative").unwrap(), Some(-(1i64 << 62)));
    let floats: RedisDict<String, f64> = RedisDict::new(c, key);
    assert_eq!(floats.get("float").unwrap(), Some(1.2345678901234568e17));
    assert_eq!(floats.get("small").unwrap(), Some(1e-05));
    assert_eq!(floats.get("huge").unwrap(), Some(1e300));
    assert_eq!(floats.get("tenth").unwrap(), Some(0.1));
    assert!(floats.get("negzero").unwrap().unwrap().is_sign_negative());
    assert_eq!(floats.get("inf").unwrap(), Some(f64::INFINITY));
    let bools: RedisDict<String, bool> = RedisDict::new(c, key);
    assert_eq!(
        bools.get_many(["true", "false"]).unwrap(),
        [Some(true), Some(false)]
    );
    let none: RedisDict<String, Option<i64>> = RedisDict::new(c, key);
    assert_eq!(none.get("none").unwrap(), Some(None));
    assert!(none.contains_key("none").unwrap());
    let tuple: RedisDict<String, (i64, String, (f64, Option<i64>))> = RedisDict::new(c, key);
    assert_eq!(
        tuple.get("tuple").unwrap(),
        Some((1, "a".to_owned(), (2.5, None)))
    );
    let nested: RedisDict<String, Nested> = RedisDict::new(c, key);
    let got = nested.get("nested").unwrap().unwrap();
    assert_eq!(
        got.b,
        BTreeMap::from([("c".to_owned(), 2), ("d".to_owned(), 1)])
    );
    assert_eq!((got.a, got.e_acute), (None, vec![true]));
    let numeric: RedisDict<String, BTreeMap<i64, String>> = RedisDict::new(c, key);
    let got = numeric.get("numeric").unwrap().unwrap();
    assert_eq!(got.get(&9).map(String::as_str), Some("y"));
    assert_eq!(got.len(), 3);
    let tuple_key: RedisDict<(i64, i64), String> = RedisDict::new(c, key);
    assert_eq!(tuple_key.get((1, 2)).unwrap().as_deref(), Some("tuple key"));
    let float_key: RedisDict<f64, String> = RedisDict::new(c, key);
    assert_eq!(float_key.get(1.5).unwrap().as_deref(), Some("float key"));
    let bool_key: RedisDict<bool, String> = RedisDict::new(c, key);
    assert_eq!(bool_key.get(false).unwrap().as_deref(), Some("bool key"));
    // Every field decodes as a generic JSON value too.
    let all: RedisDict<pottery::json::Value, pottery::json::Value> = RedisDict::new(c, key);
    assert_eq!(all.iter().filter(Result::is_ok).count(), 19);
}

fn python_writes_rust_reads(ctx: &Ctx) {
    let key = ctx.key("from-python");
    let count = python(&with_entries(PY_WRITE), &ctx.url(), &key);
    assert_eq!(count.trim(), "19");
    rust_check(ctx, &key);
}

fn rust_writes_python_reads(ctx: &Ctx) {
    let key = ctx.key("from-rust");
    rust_write(ctx, &key);
    let verdict = python(&with_entries(PY_CHECK), &ctx.url(), &key);
    assert_eq!(verdict.trim(), "ok", "Python read back:\n{verdict}");
}

fn both_sides_store_identical_bytes(ctx: &Ctx) {
    let (py_key, rs_key) = (ctx.key("py"), ctx.key("rs"));
    python(&with_entries(PY_WRITE), &ctx.url(), &py_key);
    rust_write(ctx, &rs_key);
    let raw = |key: &str| -> BTreeMap<Vec<u8>, Vec<u8>> {
        ctx.client
            .with_connection(|con| redis::cmd("HGETALL").arg(key).query(con))
            .unwrap()
    };
    let (py, rs) = (raw(&py_key), raw(&rs_key));
    assert_eq!(py.len(), 19);
    for (field, value) in &py {
        let ours = rs.get(field).unwrap_or_else(|| {
            panic!(
                "Rust wrote no field {:?}; it has {:?}",
                String::from_utf8_lossy(field),
                rs.keys()
                    .map(|k| String::from_utf8_lossy(k))
                    .collect::<Vec<_>>()
            )
        });
        assert_eq!(
            String::from_utf8_lossy(ours),
            String::from_utf8_lossy(value),
            "field {}",
            String::from_utf8_lossy(field)
        );
    }
    assert_eq!(py, rs);
    let a: RedisDict<String, String> = RedisDict::new(&ctx.client, &py_key);
    let b: RedisDict<String, String> = RedisDict::new(&ctx.client, &rs_key);
    assert!(a.contents_eq(&b).unwrap());
}

fn create_over_existing_key_fails_on_both_sides(ctx: &Ctx) {
    let key = ctx.key("exists");
    let d = RedisDict::<String, i64>::create(&ctx.client, &key, [("one".to_owned(), 1)]).unwrap();
    assert_eq!(
        python(PY_CREATE_EXISTING, &ctx.url(), &key).trim(),
        "KeyExistsError"
    );
    d.clear().unwrap();
    assert_eq!(
        python(PY_CREATE_EXISTING, &ctx.url(), &key).trim(),
        "created"
    );
    let again = RedisDict::<String, i64>::create(&ctx.client, &key, [("two".to_owned(), 2)]);
    assert_eq!(again.unwrap_err().kind(), pottery::ErrorKind::KeyExists);
    assert_eq!(d.get("one").unwrap(), Some(1));
}

/// Python writes `2**70` (and the same number raw, as another writer would):
/// `serde_json::Value`, which would round it to a float and write the float back,
/// gets a decode error naming the key and pointing to `pottery::json::Value`,
/// which reads it exactly and writes back the bytes Python wrote.
fn serde_json_value_never_rounds_python_big_ints(ctx: &Ctx) {
    let key = ctx.key("big-ints");
    let script = r#"
import os, sys
from redis import Redis
from pottery import RedisDict
r = Redis.from_url(os.environ['REDIS_URL'])
d = RedisDict(redis=r, key=sys.stdin.read().strip())
d['big'] = 2**70
d['nested'] = {'n': [2**70, -(2**64)]}
print(len(d))
"#;
    assert_eq!(python(script, &ctx.url(), &key).trim(), "2");
    ctx.client
        .with_connection(|con| {
            redis::cmd("HSET")
                .arg(&key)
                .arg(r#""raw""#)
                .arg("1180591620717411303424")
                .query::<i64>(con)
        })
        .unwrap();
    let rounded: RedisDict<String, serde_json::Value> = RedisDict::new(&ctx.client, &key);
    for field in ["big", "nested", "raw"] {
        let err = rounded.get(field).unwrap_err();
        assert_eq!(err.kind(), pottery::ErrorKind::Decode, "{field}: {err}");
        assert_eq!(err.key(), Some(key.as_str()));
        let shown = err.to_string();
        assert!(shown.contains(&key), "{shown}");
        assert!(shown.contains("pottery::json::Value"), "{shown}");
    }
    let exact: RedisDict<String, pottery::json::Value> = RedisDict::new(&ctx.client, &key);
    let big = exact.get("big").unwrap().unwrap();
    assert_eq!(big, pottery::json::Value::Int(1 << 70));
    exact.insert("big", &big).unwrap();
    let nested = exact.get("nested").unwrap().unwrap();
    exact.insert("nested", &nested).unwrap();
    let check = r#"
import os, sys
from redis import Redis
from pottery import RedisDict
r = Redis.from_url(os.environ['REDIS_URL'])
d = RedisDict(redis=r, key=sys.stdin.read().strip())
print(d['big'] == 2**70 and type(d['big']) is int and d['nested'] == {'n': [2**70, -(2**64)]})
"#;
    assert_eq!(python(check, &ctx.url(), &key).trim(), "True");
    // A float target asked for a float: the nearest one, as Python's float(n).
    let floats: RedisDict<String, f64> = RedisDict::new(&ctx.client, &key);
    assert_eq!(floats.get("big").unwrap(), Some(2f64.powi(70)));
    // Typed integers that cannot hold it fail, pointing to the exact type too.
    let narrow: RedisDict<String, u64> = RedisDict::new(&ctx.client, &key);
    let err = narrow.get("big").unwrap_err().to_string();
    assert!(err.contains("pottery::json::Value"), "{err}");
}

/// A value nesting deeper than `json::MAX_DEPTH` is not written (it could not be
/// read back): an encode error naming the key, and the key unchanged.
fn json_depth_limit_encode_error_names_the_key(ctx: &Ctx) {
    use pottery::json::{MAX_DEPTH, Value};
    let key = ctx.key("deep");
    let d: RedisDict<String, Value> = RedisDict::new(&ctx.client, &key);
    let mut deep = Value::Null;
    for _ in 0..MAX_DEPTH {
        deep = Value::Array(vec![deep]);
    }
    d.insert("ok", &deep).unwrap();
    assert_eq!(d.get("ok").unwrap(), Some(deep.clone()));
    let err = d.insert("deeper", Value::Array(vec![deep])).unwrap_err();
    assert_eq!(err.kind(), pottery::ErrorKind::Encode);
    assert_eq!(err.key(), Some(key.as_str()));
    assert!(err.to_string().contains(&key), "{err}");
    assert_eq!(d.len().unwrap(), 1);
}

pub(crate) fn suite() -> support::Suite {
    let cases = cases![
        json_depth_limit_encode_error_names_the_key,
        serde_json_value_never_rounds_python_big_ints,
        python_writes_rust_reads,
        rust_writes_python_reads,
        both_sides_store_identical_bytes,
        create_over_existing_key_fails_on_both_sides,
    ];
    support::Suite::one("interop", &[Target::Server], cases)
        .before(pottery_testkit::require_python_pottery)
}
