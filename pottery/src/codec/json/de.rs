//! The fallback decoder's serde `Deserializer` over a parsed [`Value`] tree (see
//! `parse.rs` for the parser).

use super::Error;
use super::value::{Elements, Entries, HANDOVER_TOKEN, VALUE_TOKEN, Value, Variant, hand_over};
use serde::de::{self, Unexpected, Visitor};

/// A serde `Deserializer` over a parsed [`Value`].
///
/// It behaves like `serde_json`'s deserializer would on the same document, so a type
/// decodes the same whichever path read it, plus: big integers reach `i128`/`u128`
/// exactly, and a [`Value`] target receives the parsed tree as it is (see
/// `deserialize_newtype_struct`).
pub(crate) struct ValueDeserializer {
    value: Value,
}

impl ValueDeserializer {
    pub(crate) fn new(value: Value) -> Self {
        ValueDeserializer { value }
    }
}

/// The "invalid type" error for `value` where `visitor` expected something else.
pub(crate) fn mismatch<V: de::Expected>(value: &Value, expected: &V) -> Error {
    de::Error::invalid_type(unexpected(value), expected)
}

fn unexpected(value: &Value) -> Unexpected<'_> {
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Int(n) => match (i64::try_from(*n), u64::try_from(*n)) {
            (Ok(i), _) => Unexpected::Signed(i),
            (_, Ok(u)) => Unexpected::Unsigned(u),
            _ => Unexpected::Other("integer"),
        },
        Value::BigInt(_) => Unexpected::Other("integer"),
        Value::Float(x) => Unexpected::Float(*x),
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

fn out_of_range<'de, V: Visitor<'de>>(digits: &str, visitor: &V) -> Error {
    let err: Error =
        de::Error::invalid_value(Unexpected::Other(&format!("integer {digits}")), visitor);
    Error::new(format!(
        "{err} (pottery::json::Value holds any integer exactly)"
    ))
}

/// An integer beyond 64 bits where the target gave no type hint
/// (`deserialize_any`): serde's data model would carry it on as a float, and a
/// target such as `serde_json::Value` (which cannot hold it) would keep the rounded
/// number and write it back rounded, silently changing data Python shares. An
/// explicit `f64`/`f32` target still gets the nearest float, as `float(n)` would.
#[cold]
#[inline(never)]
fn inexact(digits: &str) -> Error {
    Error::new(format!(
        "integer {digits} does not fit in 64 bits and this type would round it to a float; \
         decode into pottery::json::Value (or an i128/u128 field) to keep it exactly"
    ))
}

/// Whether `visitor` is `serde_json::Value`'s, which turns `NaN` and the
/// infinities (Python writes them for its floats) into `null` without an error,
/// and would write `null` back. Only asked for a non-finite float, and told by
/// the message the visitor expects: other untyped targets (untagged enums,
/// flattened structs) keep such floats, and an `f64` target never comes here.
fn drops_non_finite<'de, V: Visitor<'de>>(visitor: &V) -> bool {
    struct Expecting<'a, V>(&'a V);
    impl<'de, V: Visitor<'de>> std::fmt::Display for Expecting<'_, V> {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            self.0.expecting(f)
        }
    }
    Expecting(visitor).to_string() == "any valid JSON value"
}

#[cold]
#[inline(never)]
fn not_finite(x: f64) -> Error {
    Error::new(format!(
        "{} does not fit serde_json::Value, which would turn it into null; decode into \
         pottery::json::Value (or an f64 field) to keep it",
        match x {
            x if x.is_nan() => "NaN",
            x if x > 0.0 => "Infinity",
            _ => "-Infinity",
        }
    ))
}

/// [`inexact`] for an `i128`, out of line: `deserialize_any` is on every level of
/// the recursion, and a temporary `String` in its frame costs stack per level.
#[cold]
#[inline(never)]
fn inexact_int(n: i128) -> Error {
    inexact(&n.to_string())
}

/// A big integer as `f64`, like `float(int)`, which fails where Python would overflow.
fn big_to_f64(digits: &str) -> Result<f64, Error> {
    match digits.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(x),
        _ => Err(Error::new(format!(
            "integer {digits} is too large to convert to a float"
        ))),
    }
}

pub(crate) fn visit_array<'de, V: Visitor<'de>>(
    items: Vec<Value>,
    visitor: V,
) -> Result<V::Value, Error> {
    let len = items.len();
    let mut seq = Elements(items.into_iter());
    let result = visitor.visit_seq(&mut seq)?;
    match seq.0.len() {
        0 => Ok(result),
        _ => Err(de::Error::invalid_length(len, &"fewer elements in array")),
    }
}

pub(crate) fn visit_object<'de, V: Visitor<'de>>(
    entries: Vec<(String, Value)>,
    visitor: V,
) -> Result<V::Value, Error> {
    let len = entries.len();
    let mut map = Entries {
        iter: entries.into_iter(),
        value: None,
    };
    let result = visitor.visit_map(&mut map)?;
    match map.iter.len() {
        0 => Ok(result),
        _ => Err(de::Error::invalid_length(len, &"fewer elements in map")),
    }
}

macro_rules! small_int {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match self.value {
                Value::Int(n) => match (i64::try_from(n), u64::try_from(n)) {
                    (Ok(i), _) => visitor.visit_i64(i),
                    (_, Ok(u)) => visitor.visit_u64(u),
                    _ => Err(out_of_range(&n.to_string(), &visitor)),
                },
                Value::BigInt(d) => Err(out_of_range(&d, &visitor)),
                value => ValueDeserializer::new(value).deserialize_any(visitor),
            }
        }
    )*};
}

macro_rules! float {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match self.value {
                Value::Int(n) => match i64::try_from(n) {
                    Ok(i) => visitor.visit_i64(i),
                    Err(_) => visitor.visit_f64(n as f64),
                },
                Value::BigInt(d) => visitor.visit_f64(big_to_f64(&d)?),
                value => ValueDeserializer::new(value).deserialize_any(visitor),
            }
        }
    )*};
}

impl<'de> de::Deserializer<'de> for ValueDeserializer {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Int(n) => match (i64::try_from(n), u64::try_from(n)) {
                (Ok(i), _) => visitor.visit_i64(i),
                (_, Ok(u)) => visitor.visit_u64(u),
                _ => Err(inexact_int(n)),
            },
            Value::BigInt(digits) => Err(inexact(&digits)),
            Value::Float(x) if !x.is_finite() && drops_non_finite(&visitor) => Err(not_finite(x)),
            Value::Float(x) => visitor.visit_f64(x),
            Value::String(s) => visitor.visit_string(s),
            Value::Array(items) => visit_array(items, visitor),
            Value::Object(entries) => visit_object(entries, visitor),
        }
    }

    small_int!(deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64);
    small_int!(deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64);
    float!(deserialize_f32 deserialize_f64);

    fn deserialize_i128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Int(n) => visitor.visit_i128(n),
            Value::BigInt(d) => Err(out_of_range(&d, &visitor)),
            value => ValueDeserializer::new(value).deserialize_any(visitor),
        }
    }

    fn deserialize_u128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Int(n) => match u128::try_from(n) {
                Ok(u) => visitor.visit_u128(u),
                Err(_) => Err(out_of_range(&n.to_string(), &visitor)),
            },
            Value::BigInt(d) => match d.parse::<u128>() {
                Ok(u) => visitor.visit_u128(u),
                Err(_) => Err(out_of_range(&d, &visitor)),
            },
            value => ValueDeserializer::new(value).deserialize_any(visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        if name == VALUE_TOKEN {
            // A `Value` target takes the parsed tree whole, handed over beside
            // serde: exact, and without a second recursion over every level (a
            // deep document then costs the stack of one parse, not two).
            hand_over(self.value);
            return visitor.visit_enum(Variant {
                name: HANDOVER_TOKEN.to_owned(),
                value: None,
            });
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.value {
            Value::String(name) => visitor.visit_enum(Variant { name, value: None }),
            Value::Object(entries) => {
                let mut iter = entries.into_iter();
                match (iter.next(), iter.next()) {
                    (Some((name, value)), None) => visitor.visit_enum(Variant {
                        name,
                        value: Some(value),
                    }),
                    _ => Err(de::Error::invalid_value(
                        Unexpected::Map,
                        &"map with a single key",
                    )),
                }
            }
            other => Err(mismatch(&other, &"string or map")),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Array(items) => visit_array(items, visitor),
            other => Err(mismatch(&other, &visitor)),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Object(entries) => visit_object(entries, visitor),
            other => Err(mismatch(&other, &visitor)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.value {
            Value::Object(entries) => visit_object(entries, visitor),
            Value::Array(items) => visit_array(items, visitor),
            other => Err(mismatch(&other, &visitor)),
        }
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::String(s) => visitor.visit_byte_buf(s.into_bytes()),
            Value::Array(items) => visit_array(items, visitor),
            other => Err(mismatch(&other, &visitor)),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::String(s) => visitor.visit_string(s),
            other => Err(mismatch(&other, &visitor)),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Null => visitor.visit_unit(),
            other => Err(mismatch(&other, &visitor)),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Bool(b) => visitor.visit_bool(b),
            other => Err(mismatch(&other, &visitor)),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        drop(self);
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        char str identifier
    }
    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_bytes(visitor)
    }
}
