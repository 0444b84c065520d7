//! The fallback decoder: a parser for the JSON dialect of CPython's `json.loads`
//! (standard JSON plus bare `NaN`, `Infinity`, `-Infinity` and integers of any size)
//! into a [`Value`] tree, and a serde `Deserializer` over that tree.

use super::Error;
use super::value::{BIGINT_TOKEN, Elements, Entries, ObjectBuilder, VALUE_TOKEN, Value, Variant};
use serde::de::{self, Unexpected, Visitor};

/// Deepest nesting accepted. CPython's default recursion limit lets `json.loads` go
/// to about 990 levels, but the serde deserialization that follows the parse is
/// recursive too and, in debug builds, needs a few KiB of stack per level: 512 levels
/// stay well within a 2 MiB thread stack. (`serde_json` stops at 128.)
const MAX_DEPTH: usize = 512;

/// Parses a whole document the way `json.loads(str)` does.
pub(crate) fn parse(text: &str) -> Result<Value, Error> {
    let mut p = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        depth: 0,
    };
    if text.starts_with('\u{feff}') {
        return Err(p.error("Unexpected UTF-8 BOM (decode using utf-8-sig)", 0));
    }
    p.skip_ws();
    let value = p.value()?;
    p.skip_ws();
    if p.pos < p.bytes.len() {
        return Err(p.error("Extra data", p.pos));
    }
    Ok(value)
}

/// Parses a map key that should hold a number (`"10"`, `"1.5"`, `"NaN"`).
pub(crate) fn parse_number_key(key: &str) -> Option<Value> {
    match key {
        "NaN" => return Some(Value::Float(f64::NAN)),
        "Infinity" => return Some(Value::Float(f64::INFINITY)),
        _ => {}
    }
    let mut p = Parser {
        text: key,
        bytes: key.as_bytes(),
        pos: 0,
        depth: 0,
    };
    let value = p.number().ok()?;
    (p.pos == key.len()).then_some(value)
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    /// An error in CPython's `JSONDecodeError` format: `msg: line L column C (char N)`.
    fn error(&self, msg: &str, at: usize) -> Error {
        let before = self.text.get(..at).unwrap_or(self.text);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before.get(line_start..).unwrap_or("").chars().count() + 1;
        let char_index = before.chars().count();
        Error::new(format!(
            "{msg}: line {line} column {column} (char {char_index})"
        ))
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn eat(&mut self, literal: &str) -> bool {
        let found = self
            .bytes
            .get(self.pos..)
            .is_some_and(|rest| rest.starts_with(literal.as_bytes()));
        if found {
            self.pos += literal.len();
        }
        found
    }

    fn value(&mut self) -> Result<Value, Error> {
        let start = self.pos;
        let value = match self.peek() {
            Some(b'"') => Value::String(self.string()?),
            Some(b'{') => self.object()?,
            Some(b'[') => self.array()?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            _ if self.eat("null") => Value::Null,
            _ if self.eat("true") => Value::Bool(true),
            _ if self.eat("false") => Value::Bool(false),
            _ if self.eat("NaN") => Value::Float(f64::NAN),
            _ if self.eat("Infinity") => Value::Float(f64::INFINITY),
            _ => return Err(self.error("Expecting value", start)),
        };
        Ok(value)
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?`, or `-Infinity`.
    fn number(&mut self) -> Result<Value, Error> {
        let start = self.pos;
        if self.eat("-Infinity") {
            return Ok(Value::Float(f64::NEG_INFINITY));
        }
        self.eat("-");
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => _ = self.digits(),
            _ => return Err(self.error("Expecting value", start)),
        }
        let int_end = self.pos;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                self.pos = int_end;
            }
        }
        let frac_end = self.pos;
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                self.pos = frac_end;
            }
        }
        let literal = self.text.get(start..self.pos).unwrap_or("");
        if self.pos == int_end {
            return Ok(literal
                .parse::<i128>()
                .map_or_else(|_| Value::BigInt(literal.to_owned()), Value::Int));
        }
        literal
            .parse()
            .map(Value::Float)
            .map_err(|_| self.error("Expecting value", start))
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let digits = self.text.get(at..at + 4)?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u32::from_str_radix(digits, 16).ok()
    }

    /// A string; `self.pos` is at the opening quote.
    fn string(&mut self) -> Result<String, Error> {
        let quote = self.pos;
        self.pos += 1;
        let mut out = String::new();
        let mut run = self.pos;
        loop {
            let Some(b) = self.peek() else {
                return Err(self.error("Unterminated string starting at", quote));
            };
            if b != b'"' && b != b'\\' && b >= 0x20 {
                self.pos += 1;
                continue;
            }
            out.push_str(self.text.get(run..self.pos).unwrap_or(""));
            if b < 0x20 {
                return Err(self.error("Invalid control character at", self.pos));
            }
            self.pos += 1;
            if b == b'"' {
                return Ok(out);
            }
            let escape = self.pos - 1;
            let c = match self.peek() {
                Some(b'"') => '"',
                Some(b'\\') => '\\',
                Some(b'/') => '/',
                Some(b'b') => '\u{8}',
                Some(b'f') => '\u{c}',
                Some(b'n') => '\n',
                Some(b'r') => '\r',
                Some(b't') => '\t',
                Some(b'u') => self.unicode_escape(escape)?,
                None => return Err(self.error("Unterminated string starting at", quote)),
                Some(_) => return Err(self.error("Invalid \\escape", escape)),
            };
            out.push(c);
            self.pos += 1;
            run = self.pos;
        }
    }

    /// `\uXXXX`, combining a surrogate pair; `self.pos` is at the `u` and is left on
    /// the last hex digit.
    fn unicode_escape(&mut self, escape: usize) -> Result<char, Error> {
        let invalid = |p: &Self, at| p.error("Invalid \\uXXXX escape", at);
        let unit = self
            .hex4(self.pos + 1)
            .ok_or_else(|| invalid(self, escape))?;
        self.pos += 4;
        let mut code = unit;
        if (0xd800..0xdc00).contains(&unit)
            && self.bytes.get(self.pos + 1..self.pos + 3) == Some(b"\\u")
        {
            let low = self
                .hex4(self.pos + 3)
                .ok_or_else(|| invalid(self, self.pos + 1))?;
            if (0xdc00..0xe000).contains(&low) {
                code = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
                self.pos += 6;
            }
        }
        char::from_u32(code).ok_or_else(|| {
            let msg = format!(
                "lone surrogate \\u{unit:04x}: Python's json.loads accepts it but a Rust String \
                 cannot hold it"
            );
            self.error(&msg, escape)
        })
    }

    fn enter(&mut self) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error("maximum nesting depth exceeded", self.pos));
        }
        self.pos += 1;
        self.skip_ws();
        Ok(())
    }

    /// After an element: `,` (more follow) or the closing bracket.
    fn separator(&mut self, close: u8) -> Result<bool, Error> {
        self.skip_ws();
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                self.skip_ws();
                Ok(true)
            }
            Some(b) if b == close => {
                self.pos += 1;
                self.depth -= 1;
                Ok(false)
            }
            _ => Err(self.error("Expecting ',' delimiter", self.pos)),
        }
    }

    fn array(&mut self) -> Result<Value, Error> {
        self.enter()?;
        let mut items = Vec::new();
        if self.peek() == Some(b']') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(Value::Array(items));
        }
        loop {
            items.push(self.value()?);
            if !self.separator(b']')? {
                return Ok(Value::Array(items));
            }
        }
    }

    fn object(&mut self) -> Result<Value, Error> {
        self.enter()?;
        let mut object = ObjectBuilder::default();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(object.finish());
        }
        loop {
            if self.peek() != Some(b'"') {
                return Err(self.error(
                    "Expecting property name enclosed in double quotes",
                    self.pos,
                ));
            }
            let key = self.string()?;
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self.error("Expecting ':' delimiter", self.pos));
            }
            self.pos += 1;
            self.skip_ws();
            object.push(key, self.value()?);
            if !self.separator(b'}')? {
                return Ok(object.finish());
            }
        }
    }
}

/// A serde `Deserializer` over a parsed [`Value`].
///
/// It behaves like `serde_json`'s deserializer would on the same document, so a type
/// decodes the same whichever path read it, plus: big integers reach `i128`/`u128`
/// exactly, and [`Value`] itself receives them losslessly (`preserve`).
pub(crate) struct ValueDeserializer {
    value: Value,
    preserve: bool,
}

impl ValueDeserializer {
    pub(crate) fn new(value: Value) -> Self {
        ValueDeserializer {
            value,
            preserve: false,
        }
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
    de::Error::invalid_value(Unexpected::Other(&format!("integer {digits}")), visitor)
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
                // Like serde_json: without a type hint a wide integer becomes a float.
                _ if self.preserve => visitor.visit_i128(n),
                _ => visitor.visit_f64(n as f64),
            },
            Value::BigInt(digits) if self.preserve => visitor.visit_enum(Variant {
                name: BIGINT_TOKEN.to_owned(),
                value: Some(Value::String(digits)),
            }),
            Value::BigInt(digits) => visitor.visit_f64(big_to_f64(&digits)?),
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
        let preserve = name == VALUE_TOKEN;
        visitor.visit_newtype_struct(ValueDeserializer {
            value: self.value,
            preserve,
        })
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
