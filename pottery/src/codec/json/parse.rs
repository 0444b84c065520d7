//! The fallback decoder's parser: the JSON dialect of CPython's `json.loads`
//! (standard JSON plus bare `NaN`, `Infinity`, `-Infinity` and integers of any size)
//! into a [`Value`] tree.

use super::value::{ObjectBuilder, Value};
use super::{Error, MAX_DEPTH};

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
