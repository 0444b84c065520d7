//! [`Value`], a JSON document as Python's `json.loads` sees it.

use super::Error;
use super::de::{ValueDeserializer, mismatch, visit_array, visit_object};
use super::parse::parse_number_key;
use serde::de::{
    self, Deserialize, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess,
    SeqAccess, Unexpected, VariantAccess, Visitor,
};
use serde::ser::{Serialize, SerializeMap, Serializer};
use std::cell::Cell;
use std::fmt;

/// The newtype-struct name through which [`Value`]'s `Deserialize` asks this module's
/// deserializer to hand big integers over losslessly.
pub(crate) const VALUE_TOKEN: &str = "$pottery::json::Value";
/// The newtype-struct name that carries the digits of a [`Value::BigInt`] to the
/// serializer.
pub(crate) const BIGINT_TOKEN: &str = "$pottery::json::BigInt";
/// The enum-variant name by which this module's deserializer tells [`Value`]'s
/// visitor to take the tree it has just handed over (see [`hand_over`]).
pub(crate) const HANDOVER_TOKEN: &str = "$pottery::json::Handover";

/// A JSON value with the types Python's `json.loads` produces.
///
/// Integers stay integers: a literal without fraction or exponent becomes
/// [`Value::Int`], or [`Value::BigInt`] beyond the `i128` range, never a float.
/// [`Value::Object`] keeps entries in document order and, like a Python `dict`, holds
/// each key once: a duplicated key keeps its first position and its last value.
/// Encoding an object sorts its keys, like every map.
///
/// Serializing with another serde format (e.g. `serde_json`) writes a `BigInt` as a
/// string of digits.
///
/// # Example
///
/// ```
/// use pottery::json::{self, Value};
///
/// let two_130 = "1361129467683753853853498429727072845824";
/// let v: Value = json::from_str(&format!(r#"{{"b": [1, 2.5, NaN], "a": {two_130}}}"#)).unwrap();
/// let Value::Object(entries) = &v else { panic!("not an object") };
/// assert_eq!(entries[1], ("a".to_string(), Value::BigInt(two_130.into())));
/// assert_eq!(
///     json::to_string(&v).unwrap(),
///     format!(r#"{{"a": {two_130}, "b": [1, 2.5, NaN]}}"#)
/// );
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null` (Python `None`).
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer that fits in `i128`.
    Int(i128),
    /// An integer beyond the `i128` range, as decimal digits with an optional `-`.
    BigInt(String),
    /// A float, including `NaN`, `Infinity` and `-Infinity`.
    Float(f64),
    /// A string.
    String(String),
    /// An array (Python `list`).
    Array(Vec<Value>),
    /// An object (Python `dict`) in document order.
    Object(Vec<(String, Value)>),
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Int(n) => match (i64::try_from(*n), u64::try_from(*n)) {
                (Ok(small), _) => serializer.serialize_i64(small),
                (_, Ok(small)) => serializer.serialize_u64(small),
                _ => serializer.serialize_i128(*n),
            },
            Value::BigInt(digits) => serializer.serialize_newtype_struct(BIGINT_TOKEN, digits),
            Value::Float(x) => serializer.serialize_f64(*x),
            Value::String(s) => serializer.serialize_str(s),
            Value::Array(items) => serializer.collect_seq(items),
            Value::Object(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

thread_local! {
    static AMBIGUOUS: Cell<bool> = const { Cell::new(false) };
    static HANDOVER: Cell<Option<Value>> = const { Cell::new(None) };
}

/// Leaves a parsed tree for the [`Value`] visitor the deserializer calls next
/// (with a [`HANDOVER_TOKEN`] variant), on this thread.
pub(crate) fn hand_over(value: Value) {
    let _ = HANDOVER.try_with(|slot| slot.set(Some(value)));
}

/// Tracks, for one `serde_json` fast-path decode, whether a [`Value`] received a float
/// that may have been an integer literal (`serde_json` turns integers beyond 64 bits
/// and `-0` into floats). If so the caller decodes again with the exact parser.
pub(crate) struct FastPathScope {
    prev: bool,
}

impl FastPathScope {
    pub(crate) fn enter() -> Self {
        FastPathScope {
            prev: AMBIGUOUS.try_with(|c| c.replace(false)).unwrap_or(false),
        }
    }

    pub(crate) fn ambiguous(&self) -> bool {
        AMBIGUOUS.try_with(Cell::get).unwrap_or(true)
    }
}

impl Drop for FastPathScope {
    fn drop(&mut self) {
        let _ = AMBIGUOUS.try_with(|c| c.set(self.prev));
    }
}

/// Builds a [`Value::Object`] with Python `dict` semantics for duplicate keys.
#[derive(Default)]
pub(crate) struct ObjectBuilder {
    entries: Vec<(String, Value)>,
}

impl ObjectBuilder {
    pub(crate) fn with_capacity(n: usize) -> Self {
        ObjectBuilder {
            entries: Vec::with_capacity(n),
        }
    }

    pub(crate) fn push(&mut self, key: String, value: Value) {
        self.entries.push((key, value));
    }

    /// Merges duplicate keys: first position, last value.
    pub(crate) fn finish(mut self) -> Value {
        let small_and_distinct =
            self.entries.len() <= 8
                && self.entries.iter().enumerate().all(|(i, (k, _))| {
                    self.entries.iter().skip(i + 1).all(|(other, _)| other != k)
                });
        if small_and_distinct {
            return Value::Object(self.entries);
        }
        let mut order: Vec<(&str, usize)> = self
            .entries
            .iter()
            .enumerate()
            .map(|(i, (k, _))| (k.as_str(), i))
            .collect();
        order.sort_unstable();
        // For every duplicated key: (first index, last index), and the indices to drop.
        let mut moves = Vec::new();
        let mut keep = vec![true; self.entries.len()];
        for group in order.chunk_by(|a, b| a.0 == b.0) {
            if let (Some(first), Some(last), Some(later)) =
                (group.first(), group.last(), group.get(1..))
                && !later.is_empty()
            {
                moves.push((first.1, last.1));
                for &(_, i) in later {
                    if let Some(k) = keep.get_mut(i) {
                        *k = false;
                    }
                }
            }
        }
        if moves.is_empty() {
            return Value::Object(self.entries);
        }
        for (first, last) in moves {
            let value = self
                .entries
                .get_mut(last)
                .map(|e| std::mem::replace(&mut e.1, Value::Null));
            if let (Some(value), Some(entry)) = (value, self.entries.get_mut(first)) {
                entry.1 = value;
            }
        }
        let mut flags = keep.into_iter();
        self.entries.retain(|_| flags.next().unwrap_or(true));
        Value::Object(self.entries)
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_newtype_struct(VALUE_TOKEN, ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> de::Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(i128::from(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Int(i128::from(v)))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        Ok(i128::try_from(v).map_or_else(|_| Value::BigInt(v.to_string()), Value::Int))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        if (v == 0.0 && v.is_sign_negative()) || (v.fract() == 0.0 && v.abs() >= 9.0e18) {
            let _ = AMBIGUOUS.try_with(|c| c.set(true));
        }
        Ok(Value::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::Array(
            v.iter().map(|&b| Value::Int(i128::from(b))).collect(),
        ))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = ObjectBuilder::with_capacity(map.size_hint().unwrap_or(0).min(4096));
        while let Some((k, v)) = map.next_entry()? {
            object.push(k, v);
        }
        Ok(object.finish())
    }
    /// Only this module's deserializer produces an enum here: a whole parsed tree.
    /// Another format's enum becomes a one-key object, like its JSON form.
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        let (tag, variant): (String, _) = data.variant()?;
        if tag == HANDOVER_TOKEN {
            variant.unit_variant()?;
            return HANDOVER.try_with(Cell::take).ok().flatten().ok_or_else(|| {
                de::Error::custom("a JSON value was announced but not handed over")
            });
        }
        Ok(Value::Object(vec![(tag, variant.newtype_variant()?)]))
    }
}

pub(crate) struct Elements(pub(crate) std::vec::IntoIter<Value>);

impl<'de> de::SeqAccess<'de> for Elements {
    type Error = Error;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        self.0
            .next()
            .map(|v| seed.deserialize(ValueDeserializer::new(v)))
            .transpose()
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

pub(crate) struct Entries {
    pub(crate) iter: std::vec::IntoIter<(String, Value)>,
    pub(crate) value: Option<Value>,
}

impl<'de> de::MapAccess<'de> for Entries {
    type Error = Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some((key, value)) = self.iter.next() else {
            return Ok(None);
        };
        self.value = Some(value);
        seed.deserialize(KeyDeserializer(key)).map(Some)
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let value = self
            .value
            .take()
            .ok_or_else(|| Error::new("map value requested before its key"))?;
        seed.deserialize(ValueDeserializer::new(value))
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// An object key. Like `serde_json`, a key can be read as a number (`"10"`, `"1.5"`,
/// and also `"NaN"`/`"Infinity"` which Python writes for float keys) or a bool.
pub(crate) struct KeyDeserializer(String);

macro_rules! numeric_key {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match parse_number_key(&self.0) {
                Some(number) => ValueDeserializer::new(number).$method(visitor),
                None => Err(de::Error::invalid_type(Unexpected::Str(&self.0), &visitor)),
            }
        }
    )*};
}

impl<'de> de::Deserializer<'de> for KeyDeserializer {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_string(self.0)
    }

    numeric_key!(deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128);
    numeric_key!(deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128);
    numeric_key!(deserialize_f32 deserialize_f64);

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0.as_str() {
            "true" => visitor.visit_bool(true),
            "false" => visitor.visit_bool(false),
            other => Err(de::Error::invalid_type(Unexpected::Str(other), &visitor)),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_enum(Variant {
            name: self.0,
            value: None,
        })
    }

    serde::forward_to_deserialize_any! {
        char str string bytes byte_buf unit unit_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

/// An enum: a unit variant given as a string, or a one-key object `{"Name": value}`.
pub(crate) struct Variant {
    pub(crate) name: String,
    pub(crate) value: Option<Value>,
}

impl<'de> de::EnumAccess<'de> for Variant {
    type Error = Error;
    type Variant = Payload;
    fn variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<(S::Value, Payload), Error> {
        let name: de::value::StringDeserializer<Error> = self.name.into_deserializer();
        Ok((seed.deserialize(name)?, Payload(self.value)))
    }
}

/// What follows a variant's name: nothing for a string, the value for an object.
pub(crate) struct Payload(Option<Value>);

impl<'de> de::VariantAccess<'de> for Payload {
    type Error = Error;
    fn unit_variant(self) -> Result<(), Error> {
        match self.0 {
            None | Some(Value::Null) => Ok(()),
            Some(other) => Err(mismatch(&other, &"unit variant")),
        }
    }
    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, Error> {
        match self.0 {
            Some(value) => seed.deserialize(ValueDeserializer::new(value)),
            None => Err(de::Error::invalid_type(
                Unexpected::UnitVariant,
                &"newtype variant",
            )),
        }
    }
    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Some(Value::Array(items)) => visit_array(items, visitor),
            Some(other) => Err(mismatch(&other, &"tuple variant")),
            None => Err(de::Error::invalid_type(
                Unexpected::UnitVariant,
                &"tuple variant",
            )),
        }
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Some(Value::Object(entries)) => visit_object(entries, visitor),
            Some(Value::Array(items)) => visit_array(items, visitor),
            Some(other) => Err(mismatch(&other, &"struct variant")),
            None => Err(de::Error::invalid_type(
                Unexpected::UnitVariant,
                &"struct variant",
            )),
        }
    }
}
