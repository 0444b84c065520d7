//! Pretty JSON output: objects keep their order, every scalar is pottery JSON.
//!
//! [`pottery::json::to_string`] writes a value exactly as Python's
//! `json.dumps(x, sort_keys=True)` does, which sorts object keys. The inspector
//! chooses its own order (the document's fields in a fixed order, a hash's entries
//! by their stored bytes), so this module lays out arrays and objects itself, like
//! Python's `json.dumps(x, indent=2)`, and asks pottery's encoder for each scalar:
//! floats print as Python prints them (`1e+16`, `NaN`, `Infinity`), big integers in
//! full, strings ASCII-only with `\uXXXX` escapes. [`Format::Text`] writes the same
//! document for a human: strings with their non-ASCII characters as themselves
//! (UTF-8), only quotes, backslashes and control characters escaped.

use std::fmt::Display;
use std::io::{self, Write};

use pottery::json::{self, Value};

/// Writes `text` and a newline to stdout. A failure (a closed pipe, `pottery tour |
/// head`) is returned rather than a panic, as `println!` would.
pub(crate) fn out(text: impl Display) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "{text}")?;
    stdout.flush()
}

/// Writes `text` and a newline to stderr; a failure is ignored (there is nowhere
/// left to report it).
pub(crate) fn err(text: impl Display) {
    let _ = writeln!(io::stderr().lock(), "{text}");
}

/// `err` and its causes, outermost first, joined by `: ` (a pottery error's
/// message leaves its cause to `source()`).
pub(crate) fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut next = err.source();
    while let Some(cause) = next {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        next = cause.source();
    }
    text
}

/// How the inspector prints its document (`--format`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// pottery JSON: ASCII only, non-ASCII as `\uXXXX` (what Python's `json.dumps`
    /// writes).
    #[default]
    Json,
    /// For reading: the same document, non-ASCII characters unescaped (UTF-8).
    /// Still JSON that `json.loads` reads.
    Text,
}

/// Spaces per nesting level.
const INDENT: usize = 2;

/// `value` as indented JSON in `format`, objects in their stored order, without a
/// final newline.
///
/// ```text
/// {
///   "a": [
///     1e+16,
///     NaN
///   ],
///   "b": {}
/// }
/// ```
pub(crate) fn render(value: &Value, format: Format) -> String {
    let mut out = String::new();
    write_value(&mut out, value, 0, format);
    out
}

fn write_value(out: &mut String, value: &Value, depth: usize, format: Format) {
    match value {
        Value::Array(items) if !items.is_empty() => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, depth + 1);
                write_value(out, item, depth + 1, format);
            }
            newline(out, depth);
            out.push(']');
        }
        Value::Object(entries) if !entries.is_empty() => {
            out.push('{');
            for (i, (key, item)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, depth + 1);
                write_string(out, key, format);
                out.push_str(": ");
                write_value(out, item, depth + 1, format);
            }
            newline(out, depth);
            out.push('}');
        }
        Value::String(text) => write_string(out, text, format),
        scalar => write_scalar(out, scalar),
    }
}

/// A scalar (or an empty array or object) through pottery's encoder.
fn write_scalar(out: &mut String, value: &Value) {
    match json::to_string(value) {
        Ok(text) => out.push_str(&text),
        // Not reachable for scalars; never print a broken document.
        Err(_) => out.push_str("null"),
    }
}

fn write_string(out: &mut String, s: &str, format: Format) {
    // serde_json escapes only what JSON requires (quotes, backslashes, control
    // characters) and leaves the rest as UTF-8.
    let text = match format {
        Format::Json => json::to_string(s).ok(),
        Format::Text => serde_json::to_string(s).ok(),
    };
    out.push_str(text.as_deref().unwrap_or("\"\""));
}

fn newline(out: &mut String, depth: usize) {
    out.push('\n');
    out.extend(std::iter::repeat_n(' ', depth * INDENT));
}

#[cfg(test)]
mod tests {
    use super::{Format, Value, render};

    #[test]
    fn keeps_order_and_pottery_scalars() {
        let doc = Value::Object(vec![
            (
                "z".into(),
                Value::Array(vec![Value::Float(1e16), Value::Float(f64::NAN)]),
            ),
            ("\u{e9}".into(), Value::Object(vec![])),
            (
                "a".into(),
                Value::BigInt("1180591620717411303424000000000000000000000".into()),
            ),
        ]);
        assert_eq!(
            render(&doc, Format::Json),
            "{\n  \"z\": [\n    1e+16,\n    NaN\n  ],\n  \"\\u00e9\": {},\n  \
             \"a\": 1180591620717411303424000000000000000000000\n}"
        );
    }

    #[test]
    fn text_leaves_non_ascii_unescaped() {
        let doc = Value::Object(vec![(
            "caf\u{e9}".into(),
            Value::Array(vec![
                Value::String("\u{1f600} \"q\" \\ \n".into()),
                Value::Float(f64::NAN),
            ]),
        )]);
        assert_eq!(
            render(&doc, Format::Text),
            "{\n  \"caf\u{e9}\": [\n    \"\u{1f600} \\\"q\\\" \\\\ \\n\",\n    NaN\n  ]\n}"
        );
    }
}
