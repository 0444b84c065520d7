//! Unit tests of the encoder.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use super::super::{Value, to_string};
use serde::{Serialize, Serializer};
use std::collections::{BTreeMap, HashMap};

fn enc<T: Serialize + ?Sized>(v: &T) -> String {
    to_string(v).unwrap()
}

/// A map given as ordered pairs, so tests can mix key types.
struct Pairs<K, V>(Vec<(K, V)>);
impl<K: Serialize, V: Serialize> Serialize for Pairs<K, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

#[derive(Serialize)]
#[serde(untagged)]
enum Num {
    I(i64),
    F(f64),
    B(bool),
    N,
    S(&'static str),
}

#[test]
fn scalars() {
    assert_eq!(enc(&()), "null");
    assert_eq!(enc(&None::<i32>), "null");
    assert_eq!(enc(&Some(true)), "true");
    assert_eq!(
        enc(&[i128::MIN, 0, -1]),
        "[-170141183460469231731687303715884105728, 0, -1]"
    );
    assert_eq!(enc(&u128::MAX), "340282366920938463463374607431768211455");
    assert_eq!(
        enc(&(i64::MIN, u64::MAX)),
        "[-9223372036854775808, 18446744073709551615]"
    );
    assert_eq!(enc(&(u128::from(u64::MAX) + 1)), "18446744073709551616");
    assert_eq!(
        enc(&[1e16, 1e-5, 0.0001, -0.0, 5e-324, f64::MAX]),
        "[1e+16, 1e-05, 0.0001, -0.0, 5e-324, 1.7976931348623157e+308]"
    );
    assert_eq!(
        enc(&[9999999999999998.0, 1234567890123456.0]),
        "[9999999999999998.0, 1234567890123456.0]"
    );
    assert_eq!(
        enc(&[f64::NAN, f64::INFINITY, f64::NEG_INFINITY]),
        "[NaN, Infinity, -Infinity]"
    );
    assert_eq!(enc(&0.1f32), "0.10000000149011612");
    assert_eq!(enc(&'é'), r#""\u00e9""#);
    assert_eq!(enc(&Vec::<i32>::new()), "[]");
    assert_eq!(enc(&HashMap::<String, i32>::new()), "{}");
}

#[test]
fn strings() {
    let s = "\u{0}\u{1}\u{8}\t\n\u{b}\u{c}\r\u{1f} \"\\/~\u{7f}\u{80}\u{ff}\u{100}\u{ffff}";
    let want = r#""\u0000\u0001\b\t\n\u000b\f\r\u001f \"\\/~\u007f\u0080\u00ff\u0100\uffff""#;
    assert_eq!(enc(s), want);
    assert_eq!(enc("😀x"), r#""\ud83d\ude00x""#);
    assert_eq!(enc("plain ascii"), r#""plain ascii""#);
    struct Bytes;
    impl Serialize for Bytes {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(&[0, 7, 255])
        }
    }
    assert_eq!(enc(&Bytes), "[0, 7, 255]");
}

#[test]
fn keys_sort_like_python() {
    assert_eq!(
        enc(&HashMap::from([(10, "a"), (9, "b")])),
        r#"{"9": "b", "10": "a"}"#
    );
    let mixed = Pairs(vec![
        (Num::I(2), "a"),
        (Num::F(1.5), "b"),
        (Num::B(false), "c"),
    ]);
    assert_eq!(enc(&mixed), r#"{"false": "c", "1.5": "b", "2": "a"}"#);
    let wide = Pairs(vec![
        (Value::Int(-(1 << 126) * 2), "d"),
        (Value::Float(3.4e38), "b"),
        (Value::Float(f64::INFINITY), "f"),
        (Value::Float(-1e300), "e"),
        (Value::Float(f64::NEG_INFINITY), "g"),
    ]);
    let want = r#"{"-Infinity": "g", "-1e+300": "e", "-170141183460469231731687303715884105728": "d", "3.4e+38": "b", "Infinity": "f"}"#;
    assert_eq!(enc(&wide), want);
    let big = Pairs(vec![(2f64.powi(128), "c"), (3.4e38, "b")]);
    assert_eq!(
        enc(&big),
        r#"{"3.4e+38": "b", "3.402823669209385e+38": "c"}"#
    );
    let ints = Pairs(vec![(u128::MAX, "a"), (0, "b")]);
    assert_eq!(
        enc(&ints),
        r#"{"0": "b", "340282366920938463463374607431768211455": "a"}"#
    );
    let close = Pairs(vec![(Num::F(2f64.powi(128)), "c"), (Num::I(i64::MAX), "a")]);
    assert_eq!(
        enc(&close),
        r#"{"9223372036854775807": "a", "3.402823669209385e+38": "c"}"#
    );
    let halves = Pairs(vec![
        (Num::F(0.5), 1),
        (Num::I(0), 2),
        (Num::F(-0.5), 3),
        (Num::I(1), 4),
    ]);
    assert_eq!(enc(&halves), r#"{"-0.5": 3, "0": 2, "0.5": 1, "1": 4}"#);
    let strs = Pairs(vec![
        ("\u{e000}", 1),
        ("😀", 2),
        ("z", 3),
        ("\u{7f}", 4),
        ("", 5),
    ]);
    assert_eq!(
        enc(&strs),
        r#"{"": 5, "z": 3, "\u007f": 4, "\ue000": 1, "\ud83d\ude00": 2}"#
    );
    assert_eq!(enc(&Pairs(vec![(Num::N, 1)])), r#"{"null": 1}"#);
    assert_eq!(enc(&Pairs(vec![(Num::B(true), 1)])), r#"{"true": 1}"#);
    assert_eq!(enc(&Pairs(vec![(f64::NAN, 1)])), r#"{"NaN": 1}"#);
    assert_eq!(enc(&Pairs(vec![(Num::S("Name"), 1)])), r#"{"Name": 1}"#);
}

#[test]
fn keys_python_cannot_sort_or_write() {
    let err = to_string(&Pairs(vec![(Num::S("a"), 1), (Num::I(1), 2)])).unwrap_err();
    assert!(err.to_string().contains("'str' and 'int'"), "{err}");
    assert!(to_string(&Pairs(vec![(Num::N, 1), (Num::I(1), 2)])).is_err());
    assert!(to_string(&HashMap::from([((1, 2), 3)])).is_err());
    assert!(to_string(&HashMap::from([(vec![1], 3)])).is_err());
    assert!(to_string(&Pairs(vec![(Num::S("b"), 1), (Num::S("a"), 2)])).is_ok());
}

#[derive(Serialize)]
struct Inner {
    z: u8,
    y: Option<String>,
}

#[derive(Serialize)]
enum Shape {
    Unit,
    New(i32),
    Tuple(i32, f64),
    Struct { b: i32, a: Inner },
}

#[derive(Serialize)]
struct Outer {
    shapes: Vec<Shape>,
    #[serde(flatten)]
    extra: BTreeMap<String, i32>,
    a_field: (i32, &'static str),
}

#[test]
fn structs_and_enums() {
    let outer = Outer {
        shapes: vec![
            Shape::Unit,
            Shape::New(1),
            Shape::Tuple(2, 2.0),
            Shape::Struct {
                b: 3,
                a: Inner { z: 4, y: None },
            },
        ],
        extra: BTreeMap::from([("b".into(), 5)]),
        a_field: (6, "x"),
    };
    let want = concat!(
        r#"{"a_field": [6, "x"], "b": 5, "shapes": ["Unit", {"New": 1}, {"Tuple": [2, 2.0]}, "#,
        r#"{"Struct": {"a": {"y": null, "z": 4}, "b": 3}}]}"#
    );
    assert_eq!(enc(&outer), want);
}

#[test]
fn big_ints() {
    let v = Value::Array(vec![
        Value::BigInt("-0".into()),
        Value::BigInt("0001180591620717411303424".into()),
        Value::BigInt("-1180591620717411303424".into()),
    ]);
    assert_eq!(
        enc(&v),
        "[0, 1180591620717411303424, -1180591620717411303424]"
    );
    assert!(to_string(&Value::BigInt("12a".into())).is_err());
    assert!(to_string(&Value::BigInt("-".into())).is_err());
    let keyed = Pairs(vec![(Value::BigInt("1".into()), 1)]);
    assert!(to_string(&keyed).is_err());
}
