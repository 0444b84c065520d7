//! `pottery::json` against CPython's `json` module, byte for byte.
//!
//! Each test starts one `python3` running `tests/support/json_fixture.py` and talks to
//! it line by line. `python3` is required: without it these tests fail.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    // Tie-breaking test floats are written as their exact binary values.
    clippy::excessive_precision
)]

#[path = "support/json_pyvalue.rs"]
mod pyvalue;

use pottery::json::{self, Value};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::TestCaseError;
use pyvalue::{Python, py_value, runner};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::BTreeMap;

// ---------------------------------------------------------------------------------
// Encoding: random Python values, encoded by Rust and by json.dumps(sort_keys=True).

#[test]
fn encoding_matches_python_json_dumps() {
    let py = RefCell::new(Python::start());
    let outcome = runner(2000).run(&py_value(), |value| {
        let reply = py.borrow_mut().ask(&format!("E {}", value.tagged()));
        let rust = json::to_string(&value);
        let ok = match (&rust, reply.strip_prefix("O ")) {
            (Ok(ours), Some(theirs)) => ours == theirs,
            (Err(_), None) => reply.starts_with("X TypeError"),
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(TestCaseError::fail(format!(
                "encoding differs\n  value:  {value:?}\n  python: {reply}\n  rust:   {rust:?}"
            )))
        }
    });
    if let Err(e) = outcome {
        panic!("{e}");
    }
}

// ---------------------------------------------------------------------------------
// Decoding: Python's output read back by Rust, into Value and into concrete types.

#[derive(Serialize, Deserialize)]
struct Pot {
    name: String,
    size: u128,
    ratio: f64,
    tags: Vec<String>,
    inner: PotInner,
}

#[derive(Serialize, Deserialize)]
struct PotInner {
    flag: bool,
    count: i8,
}

#[derive(Serialize, Deserialize)]
enum Shape {
    Unit,
    Newtype(i32),
    Tuple(i32, String),
    Struct { b: f64, a: Option<i32> },
}

fn reencode<T: DeserializeOwned + Serialize>(text: &str) -> String {
    let from_str: T = json::from_str(text).unwrap_or_else(|e| panic!("from_str({text}): {e}"));
    let from_slice: T = json::from_slice(text.as_bytes()).unwrap();
    let once = json::to_string(&from_str).unwrap();
    assert_eq!(once, json::to_string(&from_slice).unwrap());
    once
}

/// Decodes one line of Python output as `Value` (re-encoding must give Python's own
/// `dumps(loads(text))`) and as the Rust type the tag names (re-encoding must give
/// `text` back).
fn check_python_output([tag, text, redump]: &[String; 3]) {
    if tag == "lone" {
        let err = json::from_str::<Value>(text).unwrap_err();
        assert!(err.to_string().contains("surrogate"), "{text}: {err}");
        assert!(json::from_slice::<Value>(text.as_bytes()).is_err());
        return;
    }
    assert_eq!(&reencode::<Value>(text), redump, "as Value: {text}");
    let typed = match tag.as_str() {
        "value" => return,
        "i64" => reencode::<i64>(text),
        "u64" => reencode::<u64>(text),
        "i128" => reencode::<i128>(text),
        "u128" => reencode::<u128>(text),
        "f64" => reencode::<f64>(text),
        "string" => reencode::<String>(text),
        "bool" => reencode::<bool>(text),
        "unit" => reencode::<()>(text),
        "opt_i64" => reencode::<Option<i64>>(text),
        "vec_f64" => reencode::<Vec<f64>>(text),
        "vec_value" => reencode::<Vec<Value>>(text),
        "map_str_value" => reencode::<BTreeMap<String, Value>>(text),
        "map_i64_str" => reencode::<BTreeMap<i64, String>>(text),
        "map_u128_f64" => reencode::<BTreeMap<u128, f64>>(text),
        "map_bool_i64" => reencode::<BTreeMap<bool, i64>>(text),
        "tuple" => reencode::<(i64, String, f64)>(text),
        "struct" => reencode::<Pot>(text),
        "enum" => reencode::<Vec<Shape>>(text),
        "bytes" => reencode::<Vec<u8>>(text),
        "char" => reencode::<char>(text),
        other => panic!("unknown corpus tag {other}"),
    };
    assert_eq!(&typed, text, "as {tag}");
}

#[test]
fn decodes_python_corpus_and_random_values() {
    let mut py = Python::start();
    let corpus = py.ask_many("C");
    assert!(corpus.len() > 100);
    corpus.iter().for_each(check_python_output);
    for seed in 1..=4 {
        let random = py.ask_many(&format!("R 500 {seed}"));
        assert_eq!(random.len(), 500);
        random.iter().for_each(check_python_output);
    }
}

// ---------------------------------------------------------------------------------
// json.loads extensions, whitespace, and invalid input.

#[test]
fn python_extensions() {
    let v: Value = json::from_str("[NaN, Infinity, -Infinity, 1e400, -1e400, 1e-400]").unwrap();
    let Value::Array(items) = &v else {
        panic!("{v:?}")
    };
    assert!(matches!(items[0], Value::Float(x) if x.is_nan()));
    assert_eq!(
        items[1..],
        [1.0 / 0.0, -1.0 / 0.0, 1.0 / 0.0, -1.0 / 0.0, 0.0].map(Value::Float)
    );
    assert_eq!(
        json::to_string(&v).unwrap(),
        "[NaN, Infinity, -Infinity, Infinity, -Infinity, 0.0]"
    );
    let floats: Vec<f64> = json::from_slice(b"[NaN,Infinity,-Infinity,1e400]").unwrap();
    assert_eq!(
        floats[1..],
        [f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY]
    );

    let two70 = "1180591620717411303424";
    assert_eq!(json::from_str::<Value>(two70).unwrap(), Value::Int(1 << 70));
    assert_eq!(json::from_str::<i128>(two70).unwrap(), 1 << 70);
    assert_eq!(json::from_str::<u128>(two70).unwrap(), 1 << 70);
    assert_eq!(json::from_str::<f64>(two70).unwrap(), 2f64.powi(70));
    let err = json::from_str::<i64>(two70).unwrap_err().to_string();
    assert!(err.contains(two70), "{err}");
    assert_eq!(json::from_str::<Value>("-0").unwrap(), Value::Int(0));
    assert_eq!(json::from_str::<Value>("-0.0").unwrap(), Value::Float(-0.0));
    assert_eq!(json::from_str::<i64>("-0").unwrap(), 0);

    let big = "-1606938044258990275541962092341162602522202993782792835301376"; // -2**200
    let v: Value = json::from_str(&format!("[{big}, 1]")).unwrap();
    assert_eq!(
        v,
        Value::Array(vec![Value::BigInt(big.into()), Value::Int(1)])
    );
    assert_eq!(json::to_string(&v).unwrap(), format!("[{big}, 1]"));
    let err = json::from_str::<u128>(big).unwrap_err().to_string();
    assert!(err.contains(big), "{err}");
    assert_eq!(json::from_str::<f64>(big).unwrap(), -(2f64.powi(200)));
    let huge = format!("1{}", "0".repeat(400));
    assert!(json::from_str::<f64>(&huge).is_err());
    assert_eq!(
        json::to_string(&json::from_str::<Value>(&huge).unwrap()).unwrap(),
        huge
    );
    let max = u128::MAX.to_string();
    assert_eq!(
        json::from_str::<Value>(&max).unwrap(),
        Value::BigInt(max.clone())
    );
    assert_eq!(json::from_str::<u128>(&max).unwrap(), u128::MAX);
    assert!(json::from_str::<Vec<u128>>(&format!("[{max}, NaN]")).is_err());

    assert_eq!(json::from_str::<String>(r#""\ud83d\ude00""#).unwrap(), "😀");
    let v: Value = json::from_str(r#"["\ud83d\ude00", "\u00e9\/"]"#).unwrap();
    assert_eq!(
        v,
        Value::Array(vec![Value::String("😀".into()), Value::String("é/".into())])
    );
    assert_eq!(
        json::to_string(&v).unwrap(),
        r#"["\ud83d\ude00", "\u00e9/"]"#
    );

    // Python keeps the last value of a duplicated key, at the first key's position.
    let v: Value = json::from_str(r#"{"a": 1, "b": 2, "a": 3, "c": NaN}"#).unwrap();
    let Value::Object(entries) = &v else {
        panic!("{v:?}")
    };
    assert_eq!(
        entries[..2],
        [("a".into(), Value::Int(3)), ("b".into(), Value::Int(2))]
    );
    let v: Value = json::from_str(r#"{"a": 1, "b": 2, "a": 3}"#).unwrap();
    assert_eq!(
        v,
        Value::Object(vec![
            ("a".into(), Value::Int(3)),
            ("b".into(), Value::Int(2))
        ])
    );
    let p: BTreeMap<String, i32> = json::from_str(r#"{"a": 1, "a": 2}"#).unwrap();
    assert_eq!(p["a"], 2);

    // Float keys as Python writes them, into a typed map.
    let m: BTreeMap<i64, f64> = json::from_str(r#"{"-1": NaN, "10": 1.5}"#).unwrap();
    assert_eq!(m[&10], 1.5);
    let m: Vec<(String, Option<bool>)> =
        json::from_str::<BTreeMap<String, Option<bool>>>(r#"{"x": null, "y": true, "z": NaN}"#)
            .map(|m| m.into_iter().collect())
            .unwrap_or_default();
    assert!(m.is_empty(), "NaN is not a bool");
}

#[test]
fn whitespace() {
    for text in [
        " \t\n\r[ 1 ,\n2\t,\r3 ]\r\n\t ",
        "[1,2,3]",
        "\n[\n1\n,\n2\n,\n3\n]\n",
        "  [1 , 2 , 3]  ",
    ] {
        assert_eq!(
            json::from_str::<Vec<i32>>(text).unwrap(),
            [1, 2, 3],
            "{text:?}"
        );
        assert_eq!(
            json::from_slice::<Vec<Value>>(text.as_bytes())
                .unwrap()
                .len(),
            3
        );
    }
    for text in [
        " {\t\"a\" :\n1 , \"b\"\r:[ ] } ",
        "{\"a\":1,\"b\":[]}",
        "\t{ \"a\" : 1 ,\"b\" : [ NaN ] }\n",
    ] {
        let v: Value = json::from_str(text).unwrap();
        assert!(
            json::to_string(&v)
                .unwrap()
                .starts_with(r#"{"a": 1, "b": ["#),
            "{text:?}"
        );
    }
    assert!(matches!(json::from_str::<Value>(" NaN\n").unwrap(), Value::Float(x) if x.is_nan()));
    assert!(
        json::from_str::<f64>("\r\n -Infinity \t")
            .unwrap()
            .is_infinite()
    );
    assert!(
        json::from_str::<Value>("\u{a0}1").is_err(),
        "NBSP is not JSON whitespace"
    );
    assert!(
        json::from_str::<Value>("\u{feff}1").is_err(),
        "json.loads(str) rejects a BOM"
    );
    assert_eq!(
        json::from_slice::<Vec<i32>>(b"\xef\xbb\xbf[1]").unwrap(),
        [1]
    );
    assert_eq!(
        json::from_slice::<Vec<f64>>(b"\xff\xfe[\x00N\x00a\x00N\x00]\x00")
            .unwrap()
            .len(),
        1
    );
}

#[rustfmt::skip]
const INVALID: &[&[u8]] = &[
    b"", b" ", b"[1,]", b"{\"a\":1,}", b"// c\n1", b"/* */1", b"'a'", b"[1] x", b"\"a\nb\"",
    b"\"\t\"", b"\"\\x\"", b"\"\\u12\"", b"\"\\u12g4\"", b"01", b"1.", b".5", b"+1", b"-",
    b"--1", b"nan", b"inf", b"-NaN", b"+Infinity", b"[", b"{", b"{\"a\"}", b"{1:2}",
    b"\"\\ud800\"", b"\"\\udc00\"", b"\"\\ud800\\u0041\"", b"\"\\ud800\\ud800\"", b"tru",
    b"nul", b"[1 2]", b"{\"a\" 1}", b"\x00", b"1e", b"1e+", b"0x10", b"1_000", b"[1,,2]",
    b"[,1]", b"\"\xff\"", b"\"\xed\xa0\x80\"", b"\"abc", b"\"\\", b"[\"\\u", b"{\"a\":}",
    b"Infinityx", b"\xef\xbb\xbf", b"\xef\xbb\xbf\xef\xbb\xbf1", b"[1]\x00",
    b"\"\\ud83d\\ude0\"", b"-Infinit", b"NaN1",
];

#[test]
fn edge_inputs_agree_with_python() {
    let mut py = Python::start();
    let deep_open = "[".repeat(100_000);
    let deep = format!("{deep_open}{}", "]".repeat(100_000));
    let mut inputs: Vec<&[u8]> = INVALID.to_vec();
    inputs.push(deep_open.as_bytes());
    inputs.push(deep.as_bytes());
    for &input in &inputs {
        let reply = py.ask(&format!("L {}", hex(input)));
        assert!(
            reply.starts_with('X') || reply == "S",
            "python accepts {input:?}: {reply}"
        );
        let shown = String::from_utf8_lossy(&input[..input.len().min(40)]).into_owned();
        assert!(
            json::from_slice::<Value>(input).is_err(),
            "accepted {shown:?}"
        );
        assert!(
            json::from_slice::<Vec<f64>>(input).is_err(),
            "accepted {shown:?}"
        );
        assert!(
            json::from_slice::<BTreeMap<String, f64>>(input).is_err(),
            "accepted {shown:?}"
        );
        if let Ok(text) = std::str::from_utf8(input) {
            assert!(json::from_str::<Value>(text).is_err(), "accepted {shown:?}");
            assert!(json::from_str::<i64>(text).is_err(), "accepted {shown:?}");
        }
    }
    for input in valid_inputs() {
        let reply = py.ask(&format!("L {}", hex(&input)));
        let expected = reply
            .strip_prefix("O ")
            .unwrap_or_else(|| panic!("{input:?}: {reply}"));
        let rust = json::from_slice::<Value>(&input).map(|v| json::to_string(&v).unwrap());
        assert_eq!(rust.as_deref().ok(), Some(expected), "{input:?}: {rust:?}");
    }
    let err = json::from_str::<Value>("[1,]").unwrap_err().to_string();
    assert_eq!(err, "Expecting value: line 1 column 4 (char 3)");
    let err = json::from_str::<Value>(r#"["\ud800"]"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("lone surrogate"), "{err}");

    // Deep but acceptable nesting. (CPython accepts about 990 levels, this decoder
    // `json::MAX_DEPTH`.)
    let deep = json::MAX_DEPTH;
    let nested = format!("{}NaN{}", "[".repeat(deep), "]".repeat(deep));
    assert!(
        py.ask(&format!("L {}", hex(nested.as_bytes())))
            .starts_with("O ")
    );
    let v: Value = json::from_str(&nested).unwrap();
    assert_eq!(json::to_string(&v).unwrap(), nested);
    let too_deep = format!("{}{}", "[".repeat(deep + 1), "]".repeat(deep + 1));
    let err = json::from_str::<Value>(&too_deep).unwrap_err().to_string();
    assert!(err.contains("nesting"), "{err}");
}

/// Inputs `json.loads` accepts that exercise the edges of the decoder.
fn valid_inputs() -> Vec<Vec<u8>> {
    let utf16 = |s: &str, big: bool| -> Vec<u8> {
        let unit = |u: u16| {
            if big {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            }
        };
        s.encode_utf16().flat_map(unit).collect()
    };
    let utf32 = |s: &str, big: bool| -> Vec<u8> {
        let unit = |c: char| {
            if big {
                u32::from(c).to_be_bytes()
            } else {
                u32::from(c).to_le_bytes()
            }
        };
        s.chars().flat_map(unit).collect()
    };
    let doc = "{\"a\": [1, \"\\u00e9\u{e9}\u{1f600}\", NaN, -0, 1e400]}";
    let mut dups: Vec<String> = (0..12).map(|i| format!("\"k{i}\": {i}")).collect();
    dups.extend([
        "\"k3\": \"three\"".into(),
        "\"k0\": [0]".into(),
        "\"k3\": null".into(),
    ]);
    vec![
        [b"\xef\xbb\xbf".as_slice(), doc.as_bytes()].concat(),
        [b"\xff\xfe".as_slice(), &utf16(doc, false)].concat(),
        [b"\xfe\xff".as_slice(), &utf16(doc, true)].concat(),
        utf16(doc, false),
        utf16(doc, true),
        [b"\xff\xfe\x00\x00".as_slice(), &utf32(doc, false)].concat(),
        [b"\x00\x00\xfe\xff".as_slice(), &utf32(doc, true)].concat(),
        utf32(doc, false),
        utf32(doc, true),
        b"1\x00".to_vec(),
        b"\x001".to_vec(),
        format!("{{{}}}", dups.join(", ")).into_bytes(),
        b" \t\r\n[\"\\ud83d\\ude00\", \"\\/\", \"\x7f\"]\n".to_vec(),
        b"[-1.5E+3, 2e-400, 123456789012345678901234567890.0, 0.1e1]".to_vec(),
    ]
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[rustfmt::skip]
const TOKENS: &[&[u8]] = &[
    b"[", b"]", b"{", b"}", b",", b":", b" ", b"\n", b"\t", b"\"a\"", b"\"\"", b"1", b"-0", b"0",
    b"1e400", b"-1.5e-7", b"NaN", b"Infinity", b"-Infinity", b"null", b"true", b"false",
    b"\"\\ud800\"", b"\"\\ud83d\\ude00\"", b"\"\\u00e9\"", b"123456789012345678901234567890",
    b"-170141183460469231731687303715884105729", b"2.5", b"\"\\n\\\"\"", b"\"\xc3\xa9\"",
    b"\"k\":", b"\"k\": 1", b"1.0", b"1E5",
];

const SEEDS: &[&[u8]] = &[
    br#"{"a": [1, 2.5, NaN], "b": {"c": null}}"#,
    br#"[1e400, -Infinity, "\ud83d\ude00", 18446744073709551616]"#,
    br#"{"k": "v\"\\", "n": -0, "x": [true, false, {}]}"#,
    b"[\"\xc3\xa9\xf0\x9f\x98\x80\", 0.1, 1e-7]",
    br#"{"dup": 1, "dup": [2], "": ""}"#,
    br#"{"k0": 0, "k1": 1, "k2": 2, "k3": 3, "k4": 4, "k5": 5, "k6": 6, "k7": 7, "k8": 8,
        "k1": [1], "k0": null}"#,
];

/// Byte strings near JSON: token soup and mutated documents.
fn near_json() -> impl Strategy<Value = Vec<u8>> {
    let edit = (
        any::<prop::sample::Index>(),
        0u8..3,
        any::<u8>(),
        select(b"\"\\,[]{}:. 0-eNIu\x00\xff\xed\x7f".to_vec()),
    );
    prop_oneof![
        prop::collection::vec(select(TOKENS), 0..12).prop_map(|t| t.concat()),
        (select(SEEDS), prop::collection::vec(edit, 1..4)).prop_map(|(seed, edits)| {
            let mut bytes = seed.to_vec();
            for (at, kind, random, interesting) in edits {
                let i = at.index(bytes.len() + 1);
                match kind {
                    0 if i < bytes.len() => _ = bytes.remove(i),
                    1 => bytes.insert(i, interesting),
                    _ => bytes.insert(i, random),
                }
            }
            bytes
        }),
    ]
}

#[test]
fn loads_matches_python_on_near_json() {
    let py = RefCell::new(Python::start());
    let outcome = runner(2000).run(&near_json(), |input| {
        let reply = py.borrow_mut().ask(&format!("L {}", hex(&input)));
        let rust = json::from_slice::<Value>(&input).map(|v| json::to_string(&v).unwrap());
        let ok = match (&rust, reply.strip_prefix("O ")) {
            (Ok(ours), Some(theirs)) => ours == theirs,
            (Err(_), None) => true,
            _ => false,
        };
        let plain = std::str::from_utf8(&input)
            .ok()
            .filter(|s| !s.starts_with('\u{feff}') && !input.iter().take(4).any(|&b| b == 0));
        let same_as_str = plain.is_none_or(|s| {
            json::from_str::<Value>(s)
                .map(|v| json::to_string(&v).unwrap())
                .ok()
                .as_ref()
                == rust.as_ref().ok()
        });
        if ok && same_as_str {
            Ok(())
        } else {
            Err(TestCaseError::fail(format!(
                "json.loads differs\n  input:  {:?}\n  python: {reply}\n  rust:   {rust:?}",
                String::from_utf8_lossy(&input)
            )))
        }
    });
    if let Err(e) = outcome {
        panic!("{e}");
    }
}
