//! [`Value`], a JSON document as Python's `json.loads` sees it.

use serde::de::{self, Deserialize, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess};
use serde::ser::{Serialize, SerializeMap, Serializer};
use std::cell::Cell;
use std::fmt;

/// The newtype-struct name through which [`Value`]'s `Deserialize` asks this module's
/// deserializer to hand big integers over losslessly.
pub(crate) const VALUE_TOKEN: &str = "$pottery::json::Value";
/// The newtype-struct name (when serializing) and enum-variant name (when
/// deserializing) that carries the digits of a [`Value::BigInt`].
pub(crate) const BIGINT_TOKEN: &str = "$pottery::json::BigInt";

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
/// let v: Value = json::from_str(r#"{"b": [1, 2.5, NaN], "a": 1180591620717411303424}"#).unwrap();
/// let Value::Object(entries) = &v else { panic!("not an object") };
/// assert_eq!(entries[1], ("a".to_string(), Value::BigInt("1180591620717411303424".into())));
/// assert_eq!(
///     json::to_string(&v).unwrap(),
///     r#"{"a": 1180591620717411303424, "b": [1, 2.5, NaN]}"#
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
}

/// Tracks, for one `serde_json` fast-path decode, whether a [`Value`] received a float
/// that may have been an integer literal (`serde_json` turns integers beyond 64 bits
/// and `-0` into floats). If so the caller decodes again with the exact parser.
pub(crate) struct FastPathScope {
    prev: bool,
}

impl FastPathScope {
    pub(crate) fn enter() -> Self {
        FastPathScope { prev: AMBIGUOUS.try_with(|c| c.replace(false)).unwrap_or(false) }
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
        ObjectBuilder { entries: Vec::with_capacity(n) }
    }

    pub(crate) fn push(&mut self, key: String, value: Value) {
        self.entries.push((key, value));
    }

    /// Merges duplicate keys: first position, last value.
    pub(crate) fn finish(mut self) -> Value {
        if self.entries.len() < 2 {
            return Value::Object(self.entries);
        }
        let mut order: Vec<(&str, usize)> =
            self.entries.iter().enumerate().map(|(i, (k, _))| (k.as_str(), i)).collect();
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
            let value = self.entries.get_mut(last).map(|e| std::mem::replace(&mut e.1, Value::Null));
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
        Ok(Value::Array(v.iter().map(|&b| Value::Int(i128::from(b))).collect()))
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
    /// Only this module's deserializer produces an enum here: a big integer's digits.
    /// Another format's enum becomes a one-key object, like its JSON form.
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        let (tag, variant): (String, _) = data.variant()?;
        if tag == BIGINT_TOKEN {
            return variant.newtype_variant().map(Value::BigInt);
        }
        Ok(Value::Object(vec![(tag, variant.newtype_variant()?)]))
    }
}
