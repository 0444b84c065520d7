//! JSON byte-identical to CPython's `json.dumps(x, sort_keys=True)`, and a decoder
//! that accepts everything `json.loads` accepts.
//!
//! This is the wire format shared with Python pottery, so [`to_vec`] reproduces
//! Python's output exactly, byte for byte:
//!
//! * separators `", "` and `": "`: `[1, 2]`, `{"a": 1}`, `[]`, `{}`;
//! * `ensure_ascii`: every non-ASCII character as `\uXXXX` (lowercase hex), astral
//!   characters as a surrogate pair; `\"`, `\\`, `\n`, `\r`, `\t`, `\b`, `\f`, and the
//!   other control characters *and DEL (0x7f)* as `\u00XX`;
//! * floats as Python's `repr`: shortest round-trip digits, `1.0`, `1e+16`, `1e-05`,
//!   `-0.0`, and bare `NaN`, `Infinity`, `-Infinity`. An `f32` is widened to `f64`
//!   first (Python has no `f32`), so `0.1f32` is written `0.10000000149011612`;
//! * integers of every width, `i128` and `u128` included, in decimal;
//! * keys sorted at every level the way Python sorts the *original* keys: strings by
//!   code point; integers, floats and bools numerically (`{10: 'a', 9: 'b'}` becomes
//!   `{"9": "b", "10": "a"}`), then written as strings (`"1.5"`, `"true"`, `"null"`).
//!   Keys Python cannot compare (strings mixed with numbers, or `None` with any other
//!   key) are an error, as they raise `TypeError` in Python. Struct fields are keys too.
//!   Keys that Python would have merged (`1` and `1.0`) are written in input order, and
//!   NaN keys, which Python sorts unpredictably, are written last;
//! * serde's data model maps as `serde_json` maps it: `None` and `()` are `null`, a unit
//!   variant is `"Name"`, other variants are `{"Name": ...}`, bytes are an array of
//!   integers, tuples are arrays.
//!
//! Decoding ([`from_slice`], [`from_str`]) goes through `serde_json` first and, only if
//! that fails or a [`Value`] may have lost an integer to a float, through a parser for
//! the whole dialect of `json.loads`: bare `NaN`, `Infinity` and `-Infinity`; integers
//! of any size (into `i128`/`u128` when they fit, into floats for float targets,
//! otherwise an error naming the value — also for targets that take "any value",
//! such as `serde_json::Value`, which would round an integer beyond 64 bits to a
//! float, and turn `NaN` or `Infinity` into `null`: only [`Value`] keeps every
//! number Python writes exactly); `1e400` as infinity; from bytes, UTF-16 and
//! UTF-32 input detected the way `json.loads` detects it. What a Rust `String` cannot
//! hold (a lone surrogate such as `"\ud800"`) is an error, and so is what `json.loads`
//! rejects (trailing commas, comments, single quotes, raw control characters in strings,
//! trailing garbage). Unlike CPython, integer literals longer than 4300 digits are
//! accepted, and nesting is limited to [`MAX_DEPTH`] levels (CPython allows about 990),
//! in encoding as in decoding.
//!
//! # Example
//!
//! ```
//! use pottery::json;
//! use std::collections::BTreeMap;
//!
//! let map = BTreeMap::from([("é", vec![1.0, f64::NAN]), ("a", vec![1e16])]);
//! assert_eq!(json::to_string(&map).unwrap(), r#"{"a": [1e+16], "\u00e9": [1.0, NaN]}"#);
//!
//! let back: BTreeMap<String, Vec<f64>> = json::from_str(r#"{"a": [1e+16, Infinity]}"#).unwrap();
//! assert_eq!(back["a"], [1e16, f64::INFINITY]);
//! ```

/// Serializer methods that widen their argument and call another method.
macro_rules! forward {
    ($($method:ident($ty:ty) => $target:ident($conv:path)),* $(,)?) => {$(
        fn $method(self, v: $ty) -> Result<Self::Ok, Error> {
            self.$target($conv(v))
        }
    )*};
}

mod de;
mod float;
mod key;
mod parse;
mod ser;
mod text;
mod value;

pub use value::Value;

/// The deepest nesting of arrays and objects this module writes and reads: one limit
/// for both, so whatever [`to_vec`] writes, [`from_slice`] reads back.
///
/// Past it, encoding and decoding fail with an error instead of recursing further:
/// both are recursive, and in a debug build each level costs stack, so the limit is
/// set for a value at the limit to encode and decode on a thread with a 1 MiB stack
/// with room to spare (measured: a serde-derived recursive struct at 256 levels
/// needs 384–512 KiB in a debug build; at 512 levels it came within 25% of 1 MiB).
/// CPython's `json` goes to about 990 levels; a deeper document from Python cannot be
/// read here.
///
/// # Example
///
/// ```
/// use pottery::json::{self, MAX_DEPTH, Value};
///
/// let mut deep = Value::Null;
/// for _ in 0..MAX_DEPTH {
///     deep = Value::Array(vec![deep]);
/// }
/// let bytes = json::to_vec(&deep).unwrap();
/// assert_eq!(json::from_slice::<Value>(&bytes).unwrap(), deep);
/// assert!(json::to_vec(&Value::Array(vec![deep])).is_err());
/// ```
pub const MAX_DEPTH: usize = 256;

use serde::Serialize;
use serde::de::DeserializeOwned;
use std::borrow::Cow;
use std::fmt;

/// An encoding or decoding error.
///
/// Encoding fails where Python's `json.dumps` raises (map keys that cannot be sorted or
/// are not strings, numbers, bools or `None`) or a `Serialize` implementation fails.
/// Decoding fails on what `json.loads` rejects, on lone surrogates, and when the
/// document does not fit the target type.
///
/// # Example
///
/// ```
/// use pottery::json;
/// use std::collections::HashMap;
///
/// let err = json::from_str::<Vec<i32>>("[1, 2,]").unwrap_err();
/// assert_eq!(err.to_string(), "Expecting value: line 1 column 7 (char 6)");
///
/// let tuple_keys = HashMap::from([((1, 2), "a")]);
/// let err = json::to_vec(&tuple_keys).unwrap_err();
/// assert_eq!(err.to_string(), "keys must be str, int, float, bool or None, not tuple");
/// ```
#[derive(Debug)]
pub struct Error {
    msg: Box<str>,
}

impl Error {
    pub(crate) fn new(msg: impl Into<String>) -> Self {
        Error {
            msg: msg.into().into_boxed_str(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.msg)
    }
}

impl std::error::Error for Error {}

impl serde::ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error::new(msg.to_string())
    }
}

impl serde::de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error::new(msg.to_string())
    }
}

/// Encodes `value` exactly like Python's `json.dumps(value, sort_keys=True)`.
///
/// The output is always ASCII.
///
/// # Example
///
/// ```
/// use std::collections::HashMap;
///
/// let map = HashMap::from([(10, "a"), (9, "😀")]);
/// assert_eq!(pottery::json::to_vec(&map).unwrap(), br#"{"9": "\ud83d\ude00", "10": "a"}"#);
/// ```
pub fn to_vec<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, Error> {
    let mut ser = ser::Serializer::new(Vec::with_capacity(128));
    value.serialize(&mut ser)?;
    Ok(ser.into_inner())
}

/// Encodes `value` like [`to_vec`], as a `String`.
///
/// # Example
///
/// ```
/// #[derive(serde::Serialize)]
/// struct Point {
///     y: f64,
///     x: i64,
/// }
///
/// let json = pottery::json::to_string(&Point { y: 0.5, x: -3 }).unwrap();
/// assert_eq!(json, r#"{"x": -3, "y": 0.5}"#);
/// ```
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String, Error> {
    String::from_utf8(to_vec(value)?).map_err(|_| Error::new("internal error: non-ASCII output"))
}

/// Decodes bytes like Python's `json.loads(bytes)`.
///
/// # Example
///
/// ```
/// let v: (f64, i128, String) =
///     pottery::json::from_slice(b" [NaN, 1180591620717411303424, \"\\ud83d\\ude00\"]\n").unwrap();
/// assert!(v.0.is_nan());
/// assert_eq!(v.1, 1 << 70);
/// assert_eq!(v.2, "😀");
/// ```
pub fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    if may_hold_wide_int(bytes) {
        return decode_fallback(&decode_text(bytes)?, None);
    }
    let fast_error = {
        let scope = value::FastPathScope::enter();
        match serde_json::from_slice(bytes) {
            Ok(v) if !scope.ambiguous() => return Ok(v),
            Ok(_) => None,
            Err(e) => Some(e),
        }
    };
    let text = decode_text(bytes)?;
    decode_fallback(&text, fast_error)
}

/// Decodes a string like Python's `json.loads(str)`.
///
/// # Example
///
/// ```
/// use pottery::json::{self, Value};
///
/// let v: Value = json::from_str("[-Infinity, 1e400, -0, 2.0]").unwrap();
/// assert_eq!(
///     v,
///     Value::Array(vec![
///         Value::Float(f64::NEG_INFINITY),
///         Value::Float(f64::INFINITY),
///         Value::Int(0),
///         Value::Float(2.0),
///     ])
/// );
/// assert!(json::from_str::<Value>("[1, 2] x").is_err());
/// ```
pub fn from_str<T: DeserializeOwned>(s: &str) -> Result<T, Error> {
    if may_hold_wide_int(s.as_bytes()) {
        return decode_fallback(s, None);
    }
    let fast_error = {
        let scope = value::FastPathScope::enter();
        match serde_json::from_str(s) {
            Ok(v) if !scope.ambiguous() => return Ok(v),
            Ok(_) => None,
            Err(e) => Some(e),
        }
    };
    decode_fallback(s, fast_error)
}

/// Whether `text` may hold an integer literal beyond 64 bits (a run of 19 digits or
/// more; `i64::MIN` has 19). Without its `arbitrary_precision` feature `serde_json`
/// reads such a literal as a float, and any target asking for "any value" (its own
/// `Value`, say) would get it rounded without an error; the exact parser decides
/// instead. Python writes no float with such a run (its `repr` switches to an
/// exponent at 1e16), so documents without huge integers keep the fast path.
fn may_hold_wide_int(text: &[u8]) -> bool {
    let mut run = 0;
    text.iter().any(|b| {
        run = if b.is_ascii_digit() { run + 1 } else { 0 };
        run >= 19
    })
}

/// Decodes with the `json.loads`-compatible parser. When both decoders reject the
/// document for the same reason, `serde_json`'s message is kept: it has a position.
fn decode_fallback<T: DeserializeOwned>(
    text: &str,
    fast_error: Option<serde_json::Error>,
) -> Result<T, Error> {
    let value = parse::parse(text)?;
    T::deserialize(de::ValueDeserializer::new(value)).map_err(|e| match fast_error {
        Some(fast) if fast.is_data() && fast.to_string().starts_with(&*e.msg) => {
            Error::new(fast.to_string())
        }
        _ => e,
    })
}

/// `bytes.decode(json.detect_encoding(b), 'surrogatepass')`, as `json.loads` does on
/// bytes: UTF-8 (a BOM is skipped), or UTF-16/UTF-32 recognised by BOM or NUL pattern.
fn decode_text(b: &[u8]) -> Result<Cow<'_, str>, Error> {
    let utf = |b| {
        std::str::from_utf8(b)
            .map(Cow::Borrowed)
            .map_err(|e| not_text(e.valid_up_to()))
    };
    let wide = |b: &[u8], width: usize, big: bool| -> Result<Cow<'_, str>, Error> {
        if !b.len().is_multiple_of(width) {
            return Err(Error::new(format!("truncated UTF-{} data", width * 8)));
        }
        let unit = |c: &[u8]| c.iter().fold(0u32, |acc, &x| acc << 8 | u32::from(x));
        let rev = |c: &[u8]| c.iter().rev().fold(0u32, |acc, &x| acc << 8 | u32::from(x));
        let units = b
            .chunks_exact(width)
            .map(|c| if big { unit(c) } else { rev(c) });
        let chars: Result<String, Error> = if width == 2 {
            char::decode_utf16(units.map(|u| u as u16))
                .map(|c| c.map_err(|_| lone()))
                .collect()
        } else {
            units.map(|u| char::from_u32(u).ok_or_else(lone)).collect()
        };
        chars.map(Cow::Owned)
    };
    match b {
        [0, 0, 0xfe, 0xff, rest @ ..] => wide(rest, 4, true),
        [0xff, 0xfe, 0, 0, rest @ ..] => wide(rest, 4, false),
        [0xfe, 0xff, rest @ ..] => wide(rest, 2, true),
        [0xff, 0xfe, rest @ ..] => wide(rest, 2, false),
        [0xef, 0xbb, 0xbf, rest @ ..] => utf(rest),
        [0, 0, _, _, ..] => wide(b, 4, true),
        [0, _, _, _, ..] | [0, _] => wide(b, 2, true),
        [_, 0, 0, 0] | [_, 0, 0, 0, _, ..] => wide(b, 4, false),
        [_, 0, _, _, ..] | [_, 0] => wide(b, 2, false),
        _ => utf(b),
    }
}

fn not_text(at: usize) -> Error {
    Error::new(format!(
        "invalid UTF-8 at byte {at} (json.loads raises UnicodeDecodeError)"
    ))
}

fn lone() -> Error {
    Error::new("the text holds a lone surrogate, which a Rust String cannot hold")
}
