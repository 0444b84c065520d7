//! Shared by `json_python.rs`: the `python3` fixture process, and a model of Python
//! values (`Py`) with proptest strategies, serialized through serde like a Rust program
//! would and tagged unambiguously for `json_fixture.py` to rebuild.

use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config, TestRunner};
use serde::ser::{SerializeMap, SerializeTuple};
use serde::{Serialize, Serializer};
use serde_json::json;
use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

/// A running `json_fixture.py`.
pub(crate) struct Python {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl Python {
    pub(crate) fn start() -> Python {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/json_fixture.py");
        let mut child = Command::new("python3")
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "these tests compare against CPython and need `python3` on PATH, \
                     but it could not be started: {e}"
                )
            });
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Python {
            child,
            stdin,
            stdout,
        }
    }

    pub(crate) fn ask(&mut self, request: &str) -> String {
        let stdin = self.stdin.as_mut().unwrap();
        writeln!(stdin, "{request}")
            .and_then(|()| stdin.flush())
            .expect("python3 fixture died");
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        assert!(
            !line.is_empty(),
            "python3 fixture exited (see its stderr above)"
        );
        line.truncate(line.trim_end_matches('\n').len());
        line
    }

    /// A request answered by `[tag, json, redump]` lines up to `END`.
    pub(crate) fn ask_many(&mut self, request: &str) -> Vec<[String; 3]> {
        let mut lines = vec![self.ask(request)];
        while lines.last().unwrap() != "END" {
            lines.push(self.ask_more());
        }
        lines.pop();
        lines
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    fn ask_more(&mut self) -> String {
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        assert!(
            !line.is_empty(),
            "python3 fixture exited (see its stderr above)"
        );
        line.trim_end_matches('\n').to_owned()
    }
}

impl Drop for Python {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

pub(crate) fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    })
}

/// A Python value, serialized through serde the way a Rust program would.
#[derive(Debug, Clone)]
pub(crate) enum Py {
    None,
    Bool(bool),
    Int(i128),
    UInt(u128),
    Float(f64),
    F32(f32),
    Str(String),
    Char(char),
    List(Vec<Py>),
    Tuple(Vec<Py>),
    Dict(Vec<(Key, Py)>),
}

/// A dict key: Python sorts these by their original type before writing them.
#[derive(Debug, Clone)]
pub(crate) enum Key {
    Str(String),
    Int(i128),
    UInt(u128),
    Float(f64),
    Bool(bool),
    None,
}

/// Serializes an integer with the narrowest serde method, to cover every width.
fn ser_int<S: Serializer>(v: i128, s: S) -> Result<S::Ok, S::Error> {
    if let Ok(v) = i8::try_from(v) {
        s.serialize_i8(v)
    } else if let Ok(v) = i16::try_from(v) {
        s.serialize_i16(v)
    } else if let Ok(v) = i32::try_from(v) {
        s.serialize_i32(v)
    } else if let Ok(v) = i64::try_from(v) {
        s.serialize_i64(v)
    } else {
        s.serialize_i128(v)
    }
}

fn ser_uint<S: Serializer>(v: u128, s: S) -> Result<S::Ok, S::Error> {
    if let Ok(v) = u8::try_from(v) {
        s.serialize_u8(v)
    } else if let Ok(v) = u16::try_from(v) {
        s.serialize_u16(v)
    } else if let Ok(v) = u32::try_from(v) {
        s.serialize_u32(v)
    } else if let Ok(v) = u64::try_from(v) {
        s.serialize_u64(v)
    } else {
        s.serialize_u128(v)
    }
}

impl Serialize for Py {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Py::None => s.serialize_none(),
            Py::Bool(b) => s.serialize_bool(*b),
            Py::Int(v) => ser_int(*v, s),
            Py::UInt(v) => ser_uint(*v, s),
            Py::Float(x) => s.serialize_f64(*x),
            Py::F32(x) => s.serialize_f32(*x),
            Py::Str(t) => s.serialize_str(t),
            Py::Char(c) => s.serialize_char(*c),
            Py::List(items) => s.collect_seq(items),
            Py::Tuple(items) => {
                let mut t = s.serialize_tuple(items.len())?;
                for item in items {
                    t.serialize_element(item)?;
                }
                t.end()
            }
            Py::Dict(entries) => {
                let mut m = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    m.serialize_entry(k, v)?;
                }
                m.end()
            }
        }
    }
}

impl Serialize for Key {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Key::Str(t) => s.serialize_str(t),
            Key::Int(v) => ser_int(*v, s),
            Key::UInt(v) => ser_uint(*v, s),
            Key::Float(x) => s.serialize_f64(*x),
            Key::Bool(b) => s.serialize_bool(*b),
            Key::None => s.serialize_none(),
        }
    }
}

/// `float.hex()` syntax that `float.fromhex` reads back exactly.
fn py_hex(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    let sign = if x.is_sign_negative() { "-" } else { "" };
    let bits = x.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i64;
    let frac = bits & ((1 << 52) - 1);
    if exp == 0 {
        format!("{sign}0x0.{frac:013x}p-1022")
    } else {
        format!("{sign}0x1.{frac:013x}p{}", exp - 1023)
    }
}

fn tag_str(s: &str) -> serde_json::Value {
    json!(["s", s.chars().map(u32::from).collect::<Vec<_>>()])
}

impl Py {
    /// The unambiguous representation the Python fixture rebuilds.
    pub(crate) fn tagged(&self) -> serde_json::Value {
        match self {
            Py::None => json!(["n"]),
            Py::Bool(b) => json!(["b", b]),
            Py::Int(v) => json!(["i", v.to_string()]),
            Py::UInt(v) => json!(["i", v.to_string()]),
            Py::Float(x) => json!(["f", py_hex(*x)]),
            Py::F32(x) => json!(["f", py_hex(f64::from(*x))]),
            Py::Str(s) => tag_str(s),
            Py::Char(c) => json!(["s", [u32::from(*c)]]),
            Py::List(items) => json!(["l", items.iter().map(Py::tagged).collect::<Vec<_>>()]),
            Py::Tuple(items) => json!(["t", items.iter().map(Py::tagged).collect::<Vec<_>>()]),
            Py::Dict(entries) => json!([
                "d",
                entries
                    .iter()
                    .map(|(k, v)| json!([k.tagged(), v.tagged()]))
                    .collect::<Vec<_>>()
            ]),
        }
    }
}

impl Key {
    fn tagged(&self) -> serde_json::Value {
        match self {
            Key::Str(s) => tag_str(s),
            Key::Int(v) => json!(["i", v.to_string()]),
            Key::UInt(v) => json!(["i", v.to_string()]),
            Key::Float(x) => json!(["f", py_hex(*x)]),
            Key::Bool(b) => json!(["b", b]),
            Key::None => json!(["n"]),
        }
    }

    /// Equal for keys Python's dict would merge (`1 == 1.0 == True`, `0.0 == -0.0`).
    fn python_identity(&self) -> String {
        match self {
            Key::Str(s) => format!("s{s}"),
            Key::None => "n".into(),
            Key::Int(v) => format!("i{v}"),
            Key::UInt(v) => format!("i{v}"),
            Key::Bool(b) => format!("i{}", u8::from(*b)),
            Key::Float(x) if x.fract() == 0.0 && x.abs() < 2f64.powi(127) => {
                format!("i{}", *x as i128)
            }
            Key::Float(x) if x.fract() == 0.0 && *x > 0.0 && *x < 2f64.powi(128) => {
                format!("i{}", *x as u128)
            }
            Key::Float(x) => format!("f{}", x.to_bits()),
        }
    }
}

fn any_char() -> impl Strategy<Value = char> {
    let specials = vec![
        '\0', '\u{1}', '\u{8}', '\t', '\n', '\u{b}', '\u{c}', '\r', '\u{1f}',
    ];
    prop_oneof![
        4 => (0x20u8..0x7f).prop_map(char::from),
        2 => select([specials, vec!['"', '\\', '/', '\u{7f}', '\u{80}', '\u{ffff}']].concat()),
        1 => any::<char>(),
        1 => (0x80u32..0x10000).prop_map(|c| char::from_u32(c).unwrap_or('\u{e000}')),
        2 => (0x10000u32..=0x10ffff).prop_map(|c| char::from_u32(c).unwrap_or('\u{10000}')),
    ]
}

fn string() -> impl Strategy<Value = String> {
    prop::collection::vec(any_char(), 0..8).prop_map(String::from_iter)
}

fn int() -> impl Strategy<Value = Py> {
    let extremes = vec![
        i128::MIN,
        i128::MAX,
        i64::MIN.into(),
        i64::MAX.into(),
        i128::from(i64::MIN) - 1,
        i128::from(u64::MAX) + 1,
        0,
        -1,
    ];
    prop_oneof![
        (-1000i128..1000).prop_map(Py::Int),
        any::<i64>().prop_map(|v| Py::Int(v.into())),
        any::<u64>().prop_map(|v| Py::UInt(v.into())),
        any::<i128>().prop_map(Py::Int),
        any::<u128>().prop_map(Py::UInt),
        select(extremes).prop_map(Py::Int),
        select(vec![u128::MAX, u64::MAX.into(), u128::MAX / 2 + 1]).prop_map(Py::UInt),
    ]
}

fn float() -> impl Strategy<Value = f64> {
    let specials = vec![
        0.0,
        -0.0,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        5e-324,
        -5e-324,
        f64::MAX,
        f64::MIN,
        f64::MIN_POSITIVE,
        1e16,
        1e15,
        9999999999999998.0,
        1e-5,
        1e-4,
        0.1,
        0.30000000000000004,
        1608882928643910.25,
        2f64.powi(128),
        2f64.powi(127),
    ];
    prop_oneof![
        3 => any::<u64>().prop_map(f64::from_bits),
        2 => select(specials),
        1 => (-1_000_000i64..1_000_000, 0i32..8).prop_map(|(n, k)| n as f64 / 10f64.powi(k)),
        2 => (1u64..(1 << 53), 0i32..64).prop_map(|(m, k)| m as f64 / 2f64.powi(k)),
        1 => (any::<i64>(), -330i32..310).prop_map(|(m, e)| format!("{m}e{e}").parse().unwrap()),
        1 => (0u64..(1 << 52)).prop_map(f64::from_bits),
    ]
}

fn num_key() -> impl Strategy<Value = Key> {
    prop_oneof![
        (-20i128..20).prop_map(Key::Int),
        int().prop_map(|v| match v {
            Py::UInt(u) => Key::UInt(u),
            Py::Int(i) => Key::Int(i),
            _ => Key::None,
        }),
        float()
            .prop_filter("NaN keys sort unpredictably in Python", |x| !x.is_nan())
            .prop_map(Key::Float),
        (-20i32..20, 0i32..3).prop_map(|(n, k)| Key::Float(f64::from(n) / f64::from(1 << k))),
        any::<bool>().prop_map(Key::Bool),
    ]
}

fn any_key() -> impl Strategy<Value = Key> {
    prop_oneof![string().prop_map(Key::Str), num_key(), Just(Key::None)]
}

/// Drops keys Python's dict would merge, so both sides see the same dict.
fn dict(entries: Vec<(Key, Py)>) -> Py {
    let mut seen = HashSet::new();
    Py::Dict(
        entries
            .into_iter()
            .filter(|(k, _)| seen.insert(k.python_identity()))
            .collect(),
    )
}

pub(crate) fn py_value() -> impl Strategy<Value = Py> {
    let leaf = prop_oneof![
        Just(Py::None),
        any::<bool>().prop_map(Py::Bool),
        int(),
        float().prop_map(Py::Float),
        any::<u32>().prop_map(|b| Py::F32(f32::from_bits(b))),
        string().prop_map(Py::Str),
        any_char().prop_map(Py::Char),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            3 => prop::collection::vec(inner.clone(), 0..6).prop_map(Py::List),
            1 => prop::collection::vec(inner.clone(), 0..4).prop_map(Py::Tuple),
            3 => prop::collection::vec((string().prop_map(Key::Str), inner.clone()), 0..6)
                .prop_map(dict),
            3 => prop::collection::vec((num_key(), inner.clone()), 0..6).prop_map(dict),
            1 => prop::collection::vec((any_key(), inner.clone()), 2..4).prop_map(dict),
            1 => inner.prop_map(|v| Py::Dict(vec![(Key::None, v)])),
        ]
    })
}
