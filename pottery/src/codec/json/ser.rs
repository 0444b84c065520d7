//! The encoder: a serde `Serializer` writing what `json.dumps(x, sort_keys=True)` writes.
//!
//! Everything goes straight into one `Vec<u8>` except the entries of a map or struct:
//! those are written into a scratch buffer (keys in raw form, values encoded), sorted the
//! way Python sorts the original keys, and then copied out. Scratch buffers are pooled
//! per call, so a nested document allocates a handful of buffers, not one per value.

use super::Error;
use super::float::write_f64;
use super::value::BIGINT_TOKEN;
use serde::ser::{self, Impossible, Serialize};
use std::cmp::Ordering;

mod keys;

use keys::{Key, KeySer, sort_entries, write_key};

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

pub(crate) fn write_u64(out: &mut Vec<u8>, mut n: u64) {
    let start = out.len();
    loop {
        out.push(b'0' + (n % 10) as u8);
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if let Some(digits) = out.get_mut(start..) {
        digits.reverse();
    }
}

pub(crate) fn write_u128(out: &mut Vec<u8>, n: u128) {
    match u64::try_from(n) {
        Ok(small) => write_u64(out, small),
        Err(_) => {
            const TEN19: u128 = 10_000_000_000_000_000_000;
            write_u128(out, n / TEN19);
            let low = (n % TEN19) as u64;
            let start = out.len();
            write_u64(out, low);
            let width = out.len() - start;
            out.splice(start..start, std::iter::repeat_n(b'0', 19 - width));
        }
    }
}

pub(crate) fn write_int(out: &mut Vec<u8>, neg: bool, magnitude: u128) {
    if neg && magnitude != 0 {
        out.push(b'-');
    }
    write_u128(out, magnitude);
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
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.serialize_i64(i64::from(v))
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
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.serialize_u64(u64::from(v))
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

/// Compares two integers given as sign and magnitude.
fn cmp_int(a: (bool, u128), b: (bool, u128)) -> Ordering {
    let a_neg = a.0 && a.1 != 0;
    let b_neg = b.0 && b.1 != 0;
    match (a_neg, b_neg) {
        (false, false) => a.1.cmp(&b.1),
        (true, true) => b.1.cmp(&a.1),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
    }
}

/// Compares an integer with a non-NaN float exactly, as Python does.
fn cmp_int_float(int: (bool, u128), x: f64) -> Ordering {
    const TWO_128: f64 = 340_282_366_920_938_463_463_374_607_431_768_211_456.0;
    if x.abs() >= TWO_128 {
        return if x > 0.0 { Ordering::Less } else { Ordering::Greater };
    }
    let t = x.trunc();
    // Exact: `t` is an integer below 2^128 in magnitude.
    let ord = cmp_int(int, (t < 0.0, t.abs() as u128));
    if ord != Ordering::Equal {
        return ord;
    }
    (0.0).partial_cmp(&(x - t)).unwrap_or(Ordering::Equal)
}

#[cfg(test)]
mod tests;
