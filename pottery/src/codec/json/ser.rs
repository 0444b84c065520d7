//! The encoder: a serde `Serializer` writing what `json.dumps(x, sort_keys=True)` writes.
//!
//! Everything goes straight into one `Vec<u8>` except the entries of a map or struct:
//! those are written into a scratch buffer (keys in raw form, values encoded), sorted the
//! way Python sorts the original keys, and then copied out. Scratch buffers are pooled
//! per call, so a nested document allocates a handful of buffers, not one per value.

use super::Error;
use super::float::{cmp_int, cmp_int_float, write_f64, write_int, write_u64, write_u128};
use super::value::BIGINT_TOKEN;
use serde::ser::{self, Impossible, Serialize};
use std::cmp::Ordering;

/// One entry of a map being serialized: its key and where its encoded value lies in the
/// map's scratch buffer.
pub(crate) struct Entry {
    key: Key,
    start: usize,
    end: usize,
}

/// The serializer. `out` is the buffer currently written to: the final output, or the
/// scratch buffer of the innermost map being serialized.
pub(crate) struct Serializer {
    out: Vec<u8>,
    bufs: Vec<Vec<u8>>,
    entry_bufs: Vec<Vec<Entry>>,
    raw_int: bool,
}

impl Serializer {
    pub(crate) fn new(out: Vec<u8>) -> Self {
        Serializer { out, bufs: Vec::new(), entry_bufs: Vec::new(), raw_int: false }
    }

    pub(crate) fn into_inner(self) -> Vec<u8> {
        self.out
    }

    fn begin_map(&mut self, close_variant: bool) -> MapCompound<'_> {
        let local = self.bufs.pop().unwrap_or_default();
        let outer = std::mem::replace(&mut self.out, local);
        let entries = self.entry_bufs.pop().unwrap_or_default();
        MapCompound { ser: self, outer, entries, key: None, close_variant, done: false }
    }

    fn begin_variant(&mut self, variant: &str) {
        self.out.push(b'{');
        write_str(&mut self.out, variant);
        self.out.extend_from_slice(b": ");
    }
}

const SAFE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0x20;
    while b < 0x7f {
        table[b] = b != b'"' as usize && b != b'\\' as usize;
        b += 1;
    }
    table
};

const HEX: &[u8; 16] = b"0123456789abcdef";

fn write_u_escape(out: &mut Vec<u8>, unit: u32) {
    out.extend_from_slice(b"\\u");
    for shift in [12, 8, 4, 0] {
        out.push(HEX.get(((unit >> shift) & 0xf) as usize).copied().unwrap_or(b'0'));
    }
}

/// Appends `s` as a JSON string with `ensure_ascii=True` escaping.
pub(crate) fn write_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if SAFE.get(b as usize).copied().unwrap_or(false) || i < start {
            continue;
        }
        out.extend_from_slice(bytes.get(start..i).unwrap_or_default());
        start = i + 1;
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            0..0x80 => write_u_escape(out, u32::from(b)),
            _ => {
                // A lead byte (continuation bytes are skipped by `i < start`).
                let Some(c) = s.get(i..).and_then(|t| t.chars().next()) else { continue };
                start = i + c.len_utf8();
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    write_u_escape(out, u32::from(*unit));
                }
            }
        }
    }
    out.extend_from_slice(bytes.get(start..).unwrap_or_default());
    out.push(b'"');
}

/// Writes the digits of a `Value::BigInt` as Python would print that int.
fn write_bigint(out: &mut Vec<u8>, text: &str) -> Result<(), Error> {
    let (neg, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::new(format!("Value::BigInt({text:?}) is not a decimal integer")));
    }
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        out.push(b'0');
    } else {
        if neg {
            out.push(b'-');
        }
        out.extend_from_slice(digits.as_bytes());
    }
    Ok(())
}

/// Serializer methods that widen their argument and call another method.
macro_rules! forward {
    ($($method:ident($ty:ty) => $target:ident($conv:path)),* $(,)?) => {$(
        fn $method(self, v: $ty) -> Result<Self::Ok, Error> {
            self.$target($conv(v))
        }
    )*};
}

fn unsupported_key(kind: &str) -> Error {
    Error::new(format!("keys must be str, int, float, bool or None, not {kind}"))
}

impl<'a> ser::Serializer for &'a mut Serializer {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = SeqCompound<'a>;
    type SerializeTuple = SeqCompound<'a>;
    type SerializeTupleStruct = SeqCompound<'a>;
    type SerializeTupleVariant = SeqCompound<'a>;
    type SerializeMap = MapCompound<'a>;
    type SerializeStruct = MapCompound<'a>;
    type SerializeStructVariant = MapCompound<'a>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.out.extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }
    forward! {
        serialize_i8(i8) => serialize_i64(i64::from),
        serialize_i16(i16) => serialize_i64(i64::from),
        serialize_i32(i32) => serialize_i64(i64::from),
        serialize_u8(u8) => serialize_u64(u64::from),
        serialize_u16(u16) => serialize_u64(u64::from),
        serialize_u32(u32) => serialize_u64(u64::from),
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        if v < 0 {
            self.out.push(b'-');
        }
        write_u64(&mut self.out, v.unsigned_abs());
        Ok(())
    }
    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        write_int(&mut self.out, v < 0, v.unsigned_abs());
        Ok(())
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        write_u64(&mut self.out, v);
        Ok(())
    }
    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        write_u128(&mut self.out, v);
        Ok(())
    }
    /// Python has no `f32`: the value is widened to `f64` and printed with `repr`, which
    /// is what Python prints for the same number (`0.1f32` → `0.10000000149011612`).
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        write_f64(&mut self.out, v);
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        if std::mem::take(&mut self.raw_int) {
            return write_bigint(&mut self.out, v);
        }
        write_str(&mut self.out, v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        self.out.push(b'[');
        for (i, &b) in v.iter().enumerate() {
            if i > 0 {
                self.out.extend_from_slice(b", ");
            }
            write_u64(&mut self.out, u64::from(b));
        }
        self.out.push(b']');
        Ok(())
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        if name == BIGINT_TOKEN {
            self.raw_int = true;
            let result = value.serialize(&mut *self);
            self.raw_int = false;
            return result;
        }
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.begin_variant(variant);
        value.serialize(&mut *self)?;
        self.out.push(b'}');
        Ok(())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<SeqCompound<'a>, Error> {
        self.out.push(b'[');
        Ok(SeqCompound { ser: self, first: true, close: b"]" })
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqCompound<'a>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<SeqCompound<'a>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<SeqCompound<'a>, Error> {
        self.begin_variant(variant);
        self.out.push(b'[');
        Ok(SeqCompound { ser: self, first: true, close: b"]}" })
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<MapCompound<'a>, Error> {
        Ok(self.begin_map(false))
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<MapCompound<'a>, Error> {
        Ok(self.begin_map(false))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<MapCompound<'a>, Error> {
        self.begin_variant(variant);
        Ok(self.begin_map(true))
    }
}

/// A sequence, tuple or tuple variant: written straight through.
pub(crate) struct SeqCompound<'a> {
    ser: &'a mut Serializer,
    first: bool,
    close: &'static [u8],
}

impl SeqCompound<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        if !std::mem::take(&mut self.first) {
            self.ser.out.extend_from_slice(b", ");
        }
        value.serialize(&mut *self.ser)
    }
    fn finish(self) -> Result<(), Error> {
        self.ser.out.extend_from_slice(self.close);
        Ok(())
    }
}

macro_rules! seq_impl {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for SeqCompound<'_> {
            type Ok = ();
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                self.element(value)
            }
            fn end(self) -> Result<(), Error> {
                self.finish()
            }
        }
    )*};
}
seq_impl!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

/// A map, struct or struct variant: entries are buffered, sorted, then written.
pub(crate) struct MapCompound<'a> {
    ser: &'a mut Serializer,
    outer: Vec<u8>,
    entries: Vec<Entry>,
    key: Option<Key>,
    close_variant: bool,
    done: bool,
}

impl MapCompound<'_> {
    fn value<T: Serialize + ?Sized>(&mut self, key: Key, value: &T) -> Result<(), Error> {
        let start = self.ser.out.len();
        value.serialize(&mut *self.ser)?;
        self.entries.push(Entry { key, start, end: self.ser.out.len() });
        Ok(())
    }

    /// Puts the output buffer back and returns the scratch buffer and entries.
    fn restore(&mut self) -> (Vec<u8>, Vec<Entry>) {
        self.done = true;
        let local = std::mem::replace(&mut self.ser.out, std::mem::take(&mut self.outer));
        (local, std::mem::take(&mut self.entries))
    }

    fn recycle(&mut self, mut local: Vec<u8>, mut entries: Vec<Entry>) {
        local.clear();
        entries.clear();
        self.ser.bufs.push(local);
        self.ser.entry_bufs.push(entries);
    }

    fn finish(mut self) -> Result<(), Error> {
        let (local, mut entries) = self.restore();
        let result = sort_entries(&mut entries, &local).and_then(|()| {
            let out = &mut self.ser.out;
            out.push(b'{');
            for (i, entry) in entries.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(b", ");
                }
                write_key(out, &entry.key, &local)?;
                out.extend_from_slice(b": ");
                out.extend_from_slice(local.get(entry.start..entry.end).unwrap_or_default());
            }
            out.push(b'}');
            if self.close_variant {
                out.push(b'}');
            }
            Ok(())
        });
        self.recycle(local, entries);
        result
    }
}

impl Drop for MapCompound<'_> {
    /// If serialization stopped halfway (an error), leave the serializer consistent.
    fn drop(&mut self) {
        if !self.done {
            let (local, entries) = self.restore();
            self.recycle(local, entries);
        }
    }
}

impl ser::SerializeMap for MapCompound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.key = Some(key.serialize(KeySer { buf: &mut self.ser.out })?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let key = self.key.take().ok_or_else(|| Error::new("map value without a key"))?;
        self.value(key, value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeStruct for MapCompound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.value(Key::Static(key), value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeStructVariant for MapCompound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.value(Key::Static(key), value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}


/// A map key as Python sees it before `json.dumps` turns it into a string.
pub(crate) enum Key {
    /// A `str` key written into the map's scratch buffer at `start..end`.
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
    fn str_bytes<'b>(&'b self, buf: &'b [u8]) -> &'b [u8] {
        match *self {
            Key::Str(start, end) => buf.get(start..end).unwrap_or_default(),
            Key::Static(s) => s.as_bytes(),
            _ => &[],
        }
    }

    fn python_type(&self) -> &'static str {
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
fn cmp_num(a: &Key, b: &Key) -> Ordering {
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

/// Sorts entries like `sorted(d.items())`; fails where Python raises `TypeError`
/// (keys that `<` cannot compare: `str` with numbers, or `None` with anything).
fn sort_entries(entries: &mut [Entry], buf: &[u8]) -> Result<(), Error> {
    let [first, rest @ ..] = &*entries else { return Ok(()) };
    let is_str = |k: &Key| matches!(k, Key::Str(..) | Key::Static(_));
    let is_num = |k: &Key| matches!(k, Key::Int(..) | Key::Float(_) | Key::Bool(_));
    let compatible = |a: &Key, b: &Key| (is_str(a) && is_str(b)) || (is_num(a) && is_num(b));
    if let Some(bad) = rest.iter().find(|e| !compatible(&first.key, &e.key)) {
        return Err(Error::new(format!(
            "cannot sort map keys: '<' not supported between instances of '{}' and '{}' \
             (Python's json.dumps(sort_keys=True) raises TypeError)",
            first.key.python_type(),
            bad.key.python_type()
        )));
    }
    if rest.is_empty() {
        return Ok(());
    }
    if is_str(&first.key) {
        entries.sort_by(|a, b| a.key.str_bytes(buf).cmp(b.key.str_bytes(buf)));
    } else {
        entries.sort_by(|a, b| cmp_num(&a.key, &b.key));
    }
    Ok(())
}

/// Writes a key the way `json.dumps` converts it to a string.
fn write_key(out: &mut Vec<u8>, key: &Key, buf: &[u8]) -> Result<(), Error> {
    match *key {
        Key::Str(..) => {
            let s = std::str::from_utf8(key.str_bytes(buf))
                .map_err(|_| Error::new("internal error: map key is not UTF-8"))?;
            write_str(out, s);
        }
        Key::Static(s) => write_str(out, s),
        Key::Int(neg, mag) => {
            out.push(b'"');
            write_int(out, neg, mag);
            out.push(b'"');
        }
        Key::Float(x) => {
            out.push(b'"');
            write_f64(out, x);
            out.push(b'"');
        }
        Key::Bool(b) => out.extend_from_slice(if b { b"\"true\"" } else { b"\"false\"" }),
        Key::Null => out.extend_from_slice(b"\"null\""),
    }
    Ok(())
}

/// Serializes a map key into a [`Key`]; string keys are copied raw into `buf`.
struct KeySer<'b> {
    buf: &'b mut Vec<u8>,
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
        Ok(Key::Bool(v))
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
        Ok(Key::Int(v < 0, v.unsigned_abs()))
    }
    fn serialize_u128(self, v: u128) -> Result<Key, Error> {
        Ok(Key::Int(false, v))
    }
    fn serialize_f32(self, v: f32) -> Result<Key, Error> {
        Ok(Key::Float(f64::from(v)))
    }
    fn serialize_f64(self, v: f64) -> Result<Key, Error> {
        Ok(Key::Float(v))
    }
    fn serialize_char(self, v: char) -> Result<Key, Error> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<Key, Error> {
        let start = self.buf.len();
        self.buf.extend_from_slice(v.as_bytes());
        Ok(Key::Str(start, self.buf.len()))
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<Key, Error> {
        Err(unsupported_key("bytes"))
    }
    fn serialize_none(self) -> Result<Key, Error> {
        Ok(Key::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Key, Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Key, Error> {
        Ok(Key::Null)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Key, Error> {
        Ok(Key::Null)
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Key, Error> {
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
