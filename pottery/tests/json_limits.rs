//! The limits of `pottery::json`: one nesting limit for the encoder and the
//! decoder, kept without overflowing a small thread's stack, and numbers never
//! silently rounded into an untyped target.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use pottery::json::{self, MAX_DEPTH, Value};
use serde::{Deserialize, Serialize};

/// A serde type that nests one object per level: `{"child": {"child": null}}`.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Node {
    child: Option<Box<Node>>,
}

fn node(depth: usize) -> Node {
    let mut node = Node { child: None };
    for _ in 1..depth {
        node = Node {
            child: Some(Box::new(node)),
        };
    }
    node
}

fn ours(depth: usize) -> Value {
    let mut value = Value::Null;
    for _ in 0..depth {
        value = Value::Array(vec![value]);
    }
    value
}

fn serde_json_value(depth: usize) -> serde_json::Value {
    let mut value = serde_json::Value::Null;
    for _ in 0..depth {
        value = serde_json::json!({ "a": value });
    }
    value
}

/// `check` on a thread with a 1 MiB stack (half of Rust's default for spawned
/// threads); a stack overflow aborts the test binary, so it fails loudly.
fn on_small_stack(check: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(check)
        .unwrap()
        .join()
        .unwrap();
}

/// Encodes `at_limit` (nesting `MAX_DEPTH` levels) and decodes it back, and
/// checks that one level more is an encoding error and a decoding error.
fn round_trip_at_the_limit<T>(at_limit: &T, past: &T)
where
    T: Serialize + for<'de> Deserialize<'de> + PartialEq + std::fmt::Debug,
{
    let bytes = json::to_vec(at_limit).unwrap();
    let back: T = json::from_slice(&bytes).unwrap();
    assert_eq!(&back, at_limit);
    let err = json::to_vec(past).unwrap_err().to_string();
    assert!(err.contains(&MAX_DEPTH.to_string()), "{err}");
    // What another writer (Python) put deeper is refused on reading, too.
    let too_deep = format!(
        "{}0{}",
        "[".repeat(MAX_DEPTH + 1),
        "]".repeat(MAX_DEPTH + 1)
    );
    assert!(json::from_str::<T>(&too_deep).is_err());
}

#[test]
fn json_depth_limit_is_shared_and_fits_a_1_mib_stack() {
    on_small_stack(|| round_trip_at_the_limit(&node(MAX_DEPTH), &node(MAX_DEPTH + 1)));
    on_small_stack(|| round_trip_at_the_limit(&ours(MAX_DEPTH), &ours(MAX_DEPTH + 1)));
    // What aborted a debug build's 2 MiB thread: 2,000 levels stop at the limit.
    on_small_stack(|| {
        let err = json::to_vec(&node(2_000)).unwrap_err().to_string();
        assert!(err.contains("nests deeper than"), "{err}");
    });
    on_small_stack(|| {
        round_trip_at_the_limit(
            &serde_json_value(MAX_DEPTH),
            &serde_json_value(MAX_DEPTH + 1),
        );
    });
}

#[test]
fn json_depth_limit_counts_variants_like_the_decoder() {
    // `{"V": [...]}`: a tuple variant is an object and an array.
    #[derive(Serialize)]
    enum E {
        V(u8, Value),
    }
    let inner = ours(MAX_DEPTH - 2);
    let bytes = json::to_vec(&E::V(1, inner.clone())).unwrap();
    assert!(json::from_slice::<Value>(&bytes).is_ok());
    assert!(json::to_vec(&E::V(1, Value::Array(vec![inner]))).is_err());
}

#[test]
fn serde_json_value_never_rounds_big_ints() {
    let two_70 = "1180591620717411303424";
    for doc in [
        two_70.to_owned(),
        format!("[{two_70}]"),
        format!(r#"{{"a": {{"b": -{two_70}}}}}"#),
        // Beyond i128 too.
        "1361129467683753853853498429727072845824000".to_owned(),
    ] {
        let err = json::from_str::<serde_json::Value>(&doc)
            .unwrap_err()
            .to_string();
        assert!(err.contains("pottery::json::Value"), "{doc}: {err}");
        let err = json::from_slice::<serde_json::Value>(doc.as_bytes()).unwrap_err();
        assert!(err.to_string().contains("does not fit in 64 bits"), "{err}");
        // Our value type keeps it and writes back exactly what it read.
        let exact: Value = json::from_str(&doc).unwrap();
        assert_eq!(json::to_string(&exact).unwrap(), doc);
    }
    // 64-bit integers, and 19-digit runs that are not wide integers, still decode.
    let v: serde_json::Value =
        json::from_str(r#"[18446744073709551615, -9223372036854775808, "1234567890123456789012"]"#)
            .unwrap();
    assert_eq!(v[0], serde_json::json!(u64::MAX));
    assert_eq!(v[1], serde_json::json!(i64::MIN));
    assert_eq!(v[2], "1234567890123456789012");
    // An explicit float target asked for a float: the nearest one, like float(n).
    assert_eq!(json::from_str::<f64>(two_70).unwrap(), 2f64.powi(70));
    assert_eq!(json::from_str::<i128>(two_70).unwrap(), 1 << 70);
    let err = json::from_str::<u64>(two_70).unwrap_err().to_string();
    assert!(err.contains("pottery::json::Value"), "{err}");
}

#[test]
fn serde_json_value_never_turns_python_nan_into_null() {
    for doc in ["NaN", "[1.5, Infinity]", r#"{"a": -Infinity}"#, "1e400"] {
        let err = json::from_str::<serde_json::Value>(doc)
            .unwrap_err()
            .to_string();
        assert!(err.contains("pottery::json::Value"), "{doc}: {err}");
        assert!(json::from_str::<Value>(doc).is_ok());
    }
    // Typed floats, and untyped targets that keep floats, still get them.
    assert!(json::from_str::<f64>("NaN").unwrap().is_nan());
    assert_eq!(
        json::from_str::<Vec<f64>>("[Infinity]").unwrap(),
        [f64::INFINITY]
    );
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Num {
        Float(f64),
    }
    let Num::Float(x) = json::from_str::<Num>("-Infinity").unwrap();
    assert_eq!(x, f64::NEG_INFINITY);
}
