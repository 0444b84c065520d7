//! Map keys as Python sees them: how `json.dumps(sort_keys=True)` orders and writes
//! the keys of a dict.

use super::Error;
use super::float::*;
use super::text::write_str;
use super::value::BIGINT_TOKEN;
use serde::ser::{self, Impossible, Serialize};
use std::cmp::Ordering;

/// A map key as Python sees it before `json.dumps` turns it into a string.
pub(crate) enum Key {
    /// A `str` key, copied raw into the serializer's key stack at `start..end`.
    Str(usize, usize),
    /// A struct field name or unit variant name.
    Static(&'static str),
    /// An `int`, as sign and magnitude.
    Int(bool, u128),
    Float(f64),
    Bool(bool),
    Null,
}

impl Key {
    pub(crate) fn str_bytes<'b>(&'b self, buf: &'b [u8]) -> &'b [u8] {
        match *self {
            Key::Str(start, end) => buf.get(start..end).unwrap_or_default(),
            Key::Static(s) => s.as_bytes(),
            _ => &[],
        }
    }

    pub(crate) fn python_type(&self) -> &'static str {
        match self {
            Key::Str(..) | Key::Static(_) => "str",
            Key::Int(..) => "int",
            Key::Float(_) => "float",
            Key::Bool(_) => "bool",
            Key::Null => "NoneType",
        }
    }
}

/// Python's `<` on numeric keys (bool, int, float compare by value), made total for
/// Rust's sort: NaN, which compares false with everything in Python, sorts last.
pub(crate) fn cmp_num(a: &Key, b: &Key) -> Ordering {
    let num = |k: &Key| match *k {
        Key::Int(neg, mag) => Ok((neg, mag)),
        Key::Bool(b) => Ok((false, u128::from(b))),
        Key::Float(x) => Err(x),
        _ => Ok((false, 0)),
    };
    match (num(a), num(b)) {
        (Ok(x), Ok(y)) => cmp_int(x, y),
        (Err(x), Err(y)) => match (x.is_nan(), y.is_nan()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        },
        (Ok(_), Err(y)) if y.is_nan() => Ordering::Less,
        (Err(x), Ok(_)) if x.is_nan() => Ordering::Greater,
        (Ok(x), Err(y)) => cmp_int_float(x, y),
        (Err(x), Ok(y)) => cmp_int_float(y, x).reverse(),
    }
}

fn unsupported_key(kind: &str) -> Error {
    Error::new(format!(
        "keys must be str, int, float, bool or None, not {kind}"
    ))
}

/// Serializes a map key: writes it to `out` the way `json.dumps` converts it to a
/// string, and returns it as a [`Key`] for sorting (a string key is also copied raw
/// into `keys`).
pub(crate) struct KeySer<'b> {
    pub(crate) out: &'b mut Vec<u8>,
    pub(crate) keys: &'b mut Vec<u8>,
}

impl KeySer<'_> {
    fn quoted(self, key: Key, write: impl FnOnce(&mut Vec<u8>)) -> Result<Key, Error> {
        self.out.push(b'"');
        write(self.out);
        self.out.push(b'"');
        Ok(key)
    }
}

type KeyImpossible = Impossible<Key, Error>;

impl ser::Serializer for KeySer<'_> {
    type Ok = Key;
    type Error = Error;
    type SerializeSeq = KeyImpossible;
    type SerializeTuple = KeyImpossible;
    type SerializeTupleStruct = KeyImpossible;
    type SerializeTupleVariant = KeyImpossible;
    type SerializeMap = KeyImpossible;
    type SerializeStruct = KeyImpossible;
    type SerializeStructVariant = KeyImpossible;

    fn serialize_bool(self, v: bool) -> Result<Key, Error> {
        self.quoted(Key::Bool(v), |out| {
            out.extend_from_slice(if v { b"true" } else { b"false" })
        })
    }
    forward! {
        serialize_i8(i8) => serialize_i128(i128::from),
        serialize_i16(i16) => serialize_i128(i128::from),
        serialize_i32(i32) => serialize_i128(i128::from),
        serialize_i64(i64) => serialize_i128(i128::from),
        serialize_u8(u8) => serialize_u128(u128::from),
        serialize_u16(u16) => serialize_u128(u128::from),
        serialize_u32(u32) => serialize_u128(u128::from),
        serialize_u64(u64) => serialize_u128(u128::from),
    }
    fn serialize_i128(self, v: i128) -> Result<Key, Error> {
        let (neg, mag) = (v < 0, v.unsigned_abs());
        self.quoted(Key::Int(neg, mag), |out| write_int(out, neg, mag))
    }
    fn serialize_u128(self, v: u128) -> Result<Key, Error> {
        self.quoted(Key::Int(false, v), |out| write_u128(out, v))
    }
    fn serialize_f32(self, v: f32) -> Result<Key, Error> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<Key, Error> {
        self.quoted(Key::Float(v), |out| write_f64(out, v))
    }
    fn serialize_char(self, v: char) -> Result<Key, Error> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<Key, Error> {
        let start = self.keys.len();
        self.keys.extend_from_slice(v.as_bytes());
        write_str(self.out, v);
        Ok(Key::Str(start, self.keys.len()))
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<Key, Error> {
        Err(unsupported_key("bytes"))
    }
    fn serialize_none(self) -> Result<Key, Error> {
        self.out.extend_from_slice(b"\"null\"");
        Ok(Key::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Key, Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Key, Error> {
        self.serialize_none()
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Key, Error> {
        self.serialize_none()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Key, Error> {
        write_str(self.out, variant);
        Ok(Key::Static(variant))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<Key, Error> {
        if name == BIGINT_TOKEN {
            return Err(unsupported_key("a Value::BigInt"));
        }
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<Key, Error> {
        Err(unsupported_key("dict (an enum newtype variant)"))
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<KeyImpossible, Error> {
        Err(unsupported_key("list"))
    }
    fn serialize_tuple(self, _len: usize) -> Result<KeyImpossible, Error> {
        Err(unsupported_key("tuple"))
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<KeyImpossible, Error> {
        Err(unsupported_key("tuple"))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<KeyImpossible, Error> {
        Err(unsupported_key("dict (an enum tuple variant)"))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<KeyImpossible, Error> {
        Err(unsupported_key("dict"))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<KeyImpossible, Error> {
        Err(unsupported_key("dict (a struct)"))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<KeyImpossible, Error> {
        Err(unsupported_key("dict (an enum struct variant)"))
    }
}
