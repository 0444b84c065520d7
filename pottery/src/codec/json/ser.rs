//! The encoder: a serde `Serializer` writing what `json.dumps(x, sort_keys=True)` writes.
//!
//! Everything is written straight into one `Vec<u8>`, map entries included: each entry
//! goes out as `"key": value` while its key is remembered (string keys raw, on a stack
//! shared by the nested maps). When a map ends, entries that are not already in
//! Python's order (by the original keys) are moved once through a scratch buffer.
//! A struct with alphabetically declared fields or a `BTreeMap<String, _>` is therefore
//! written with no copy at all.

use super::float::{write_f64, write_int, write_u64, write_u128};
use super::key::{Key, KeySer, cmp_num};
use super::text::{write_bigint, write_str};
use super::value::BIGINT_TOKEN;
use super::{Error, MAX_DEPTH};
use serde::ser::{self, Serialize};
use std::cmp::Ordering;

/// One entry of a map being serialized: its key, and where `"key": value` lies in the
/// output.
pub(crate) struct Entry {
    key: Key,
    start: usize,
    end: usize,
}

/// The serializer.
pub(crate) struct Serializer {
    out: Vec<u8>,
    /// Raw string keys of the maps being written, innermost last.
    keys: Vec<u8>,
    /// Entries of the maps being written, innermost last.
    entries: Vec<Entry>,
    /// Room for reordering the entries of one map.
    scratch: Vec<u8>,
    /// The next string is the digits of a `Value::BigInt`.
    raw_int: bool,
    /// Arrays and objects open around the value being written.
    depth: usize,
}

impl Serializer {
    pub(crate) fn new(out: Vec<u8>) -> Self {
        Serializer {
            out,
            keys: Vec::new(),
            entries: Vec::new(),
            scratch: Vec::new(),
            raw_int: false,
            depth: 0,
        }
    }

    pub(crate) fn into_inner(self) -> Vec<u8> {
        self.out
    }

    /// Opens `levels` arrays or objects; past [`MAX_DEPTH`] an error, as the
    /// decoder would refuse the document (and the recursion of a deeper value
    /// could overflow a small thread's stack).
    fn enter(&mut self, levels: usize) -> Result<(), Error> {
        self.depth += levels;
        if self.depth > MAX_DEPTH {
            return Err(Error::new(format!(
                "the value nests deeper than {MAX_DEPTH} arrays or objects, the most this \
                 crate decodes"
            )));
        }
        Ok(())
    }

    fn leave(&mut self, levels: usize) {
        self.depth = self.depth.saturating_sub(levels);
    }

    fn begin_map(&mut self, close_variant: bool) -> Result<MapCompound<'_>, Error> {
        self.enter(if close_variant { 2 } else { 1 })?;
        self.out.push(b'{');
        Ok(MapCompound {
            entries_base: self.entries.len(),
            keys_base: self.keys.len(),
            ser: self,
            close_variant,
        })
    }

    fn begin_variant(&mut self, variant: &str) {
        self.out.push(b'{');
        write_str(&mut self.out, variant);
        self.out.extend_from_slice(b": ");
    }
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
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
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
        self.enter(1)?;
        self.begin_variant(variant);
        value.serialize(&mut *self)?;
        self.out.push(b'}');
        self.leave(1);
        Ok(())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<SeqCompound<'a>, Error> {
        self.enter(1)?;
        self.out.push(b'[');
        Ok(SeqCompound {
            ser: self,
            first: true,
            close: b"]",
        })
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
        self.enter(2)?;
        self.begin_variant(variant);
        self.out.push(b'[');
        Ok(SeqCompound {
            ser: self,
            first: true,
            close: b"]}",
        })
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<MapCompound<'a>, Error> {
        self.begin_map(false)
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<MapCompound<'a>, Error> {
        self.begin_map(false)
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<MapCompound<'a>, Error> {
        self.begin_variant(variant);
        self.begin_map(true)
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
        self.ser.leave(self.close.len());
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

/// A map, struct or struct variant: entries are written as they come and put in
/// Python's order at the end.
pub(crate) struct MapCompound<'a> {
    ser: &'a mut Serializer,
    entries_base: usize,
    keys_base: usize,
    close_variant: bool,
}

impl MapCompound<'_> {
    /// Starts an entry: the separator, then the key written by `key`, then `": "`.
    fn key(&mut self, key: impl FnOnce(KeySer<'_>) -> Result<Key, Error>) -> Result<(), Error> {
        let ser = &mut *self.ser;
        if ser.entries.len() > self.entries_base {
            ser.out.extend_from_slice(b", ");
        }
        let start = ser.out.len();
        let key = key(KeySer {
            out: &mut ser.out,
            keys: &mut ser.keys,
        })?;
        ser.out.extend_from_slice(b": ");
        ser.entries.push(Entry {
            key,
            start,
            end: start,
        });
        Ok(())
    }

    fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(&mut *self.ser)?;
        let end = self.ser.out.len();
        match self
            .ser
            .entries
            .get_mut(self.entries_base..)
            .and_then(<[Entry]>::last_mut)
        {
            Some(entry) => entry.end = end,
            None => return Err(Error::new("map value without a key")),
        }
        Ok(())
    }

    fn finish(self) -> Result<(), Error> {
        let Serializer {
            out,
            keys,
            entries,
            scratch,
            ..
        } = &mut *self.ser;
        let mine = entries.get_mut(self.entries_base..).unwrap_or_default();
        order_entries(mine, keys, out, scratch)?;
        out.push(b'}');
        if self.close_variant {
            out.push(b'}');
        }
        self.ser.leave(if self.close_variant { 2 } else { 1 });
        Ok(())
    }
}

impl Drop for MapCompound<'_> {
    /// Pops this map's keys and entries, also when serialization stopped halfway.
    fn drop(&mut self) {
        self.ser.entries.truncate(self.entries_base);
        self.ser.keys.truncate(self.keys_base);
    }
}

impl ser::SerializeMap for MapCompound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.key(|ks| key.serialize(ks))
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.value(value)
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
        self.key(|ks| {
            write_str(ks.out, key);
            Ok(Key::Static(key))
        })?;
        self.value(value)
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
        ser::SerializeStruct::serialize_field(self, key, value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

/// Puts a map's entries, written in `out` in input order and separated by `", "`,
/// into the order of `sorted(d.items())`. Fails where Python raises `TypeError`: keys
/// that `<` cannot compare (`str` with numbers, or `None` with anything).
fn order_entries(
    entries: &mut [Entry],
    keys: &[u8],
    out: &mut Vec<u8>,
    scratch: &mut Vec<u8>,
) -> Result<(), Error> {
    let [first, rest @ ..] = &*entries else {
        return Ok(());
    };
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
    let by_str = is_str(&first.key);
    let cmp = |a: &Entry, b: &Entry| {
        if by_str {
            a.key.str_bytes(keys).cmp(b.key.str_bytes(keys))
        } else {
            cmp_num(&a.key, &b.key)
        }
    };
    if entries.is_sorted_by(|a, b| cmp(a, b) != Ordering::Greater) {
        return Ok(());
    }
    let (Some(start), Some(end)) = (
        entries.first().map(|e| e.start),
        entries.last().map(|e| e.end),
    ) else {
        return Ok(());
    };
    scratch.clear();
    scratch.extend_from_slice(out.get(start..end).unwrap_or_default());
    out.truncate(start);
    entries.sort_by(cmp);
    for (i, entry) in entries.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b", ");
        }
        out.extend_from_slice(
            scratch
                .get(entry.start - start..entry.end - start)
                .unwrap_or_default(),
        );
    }
    Ok(())
}

#[cfg(test)]
#[path = "ser_tests.rs"]
mod tests;
